"""The back-office matrix: every URL of the admin site × anonymous and four kinds of staff member.

The URL patterns are collected from the admin site itself (`admin.site.get_urls()` and each ModelAdmin's
`get_urls()`, custom views included), so a new admin page is checked the day it appears:

- anonymous: redirected to the back-office sign-in page; never a page, never a 500.
- staff without the model's permissions (but with every other permission of the site, a custom view's extra
  permissions included): 403 or 404; never the page, and never the record's identifying text.
- staff with the model's permissions but not the extra permissions a custom view needs (e.g. "view the portal
  as a contact"): refused by that view.
- view-only staff (the model's view permission, and the view's extra permissions): the pages that show, but
  refused by every view that writes (add, delete, saving the change form, a custom view that needs "change").
- staff with the model's permissions and the view's extra permissions (and no other): the page (200), or what
  the admin decides for everyone (e.g. nobody adds a second singleton settings row); a custom view that writes
  did what it is for (e.g. the reply is on the case).

A refusal of a custom view, or of any POST, must be the view's own answer (403 or 404; the sign-in redirect
for anonymous), never a redirect that merely ends refused: a view that acts and then redirects to a page the
user may not see has already acted. A refused request changes nothing: every row of every table is compared
before and after it. Only the standard pages, asked with GET, may refuse by a redirect to an admin page that
refuses (e.g. "<pk>/" to "<pk>/change/").

A pattern the standard ModelAdmin does not make must be in `CUSTOM` (how to call it) or in `NOT_EXERCISED`
(why it cannot be); `test_every_admin_pattern_is_exercised_or_listed` fails otherwise.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pytest
from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_tasks_db.models import DBTaskResult

from portico.access.tests.factories import PortalAccessFactory, ProfileFactory
from portico.access.view_as import SESSION_VIEW_AS
from portico.core.audit import log_action
from portico.core.models import AuditEntry, NumberSequence
from portico.core.outbox import queue_email
from portico.core.singleton_admin import SingletonAdmin
from portico.crm.tests.factories import AccountFactory, ContactFactory
from portico.helpdesk.intake.models import InboundEmail
from portico.helpdesk.models import (
    Case,
    CaseAttachment,
    CaseDeflection,
    CaseMessage,
    HelpdeskSettings,
    Holiday,
    MessageKind,
    SlaPolicy,
)
from portico.helpdesk.tests.factories import CategoryFactory as CaseCategoryFactory
from portico.helpdesk.tests.factories import StaffFactory, TeamFactory, open_case
from portico.knowledge.tests.factories import ArticleFactory, CategoryFactory, add_image
from portico.portal.models import EmailTemplate, PortalSettings
from portico.users.middleware import SESSION_SEEN, SESSION_STARTED

# The views every ModelAdmin gets from Django, by the end of their URL name ("" is the redirect from
# "<pk>/" to "<pk>/change/", a pattern without a name).
STANDARD = ("changelist", "add", "history", "delete", "change", "")
WITH_OBJECT = {"history", "delete", "change", ""}


# --- The records ----------------------------------------------------------------------------------------


@dataclass
class Sample:
    """One record of a model, and text that identifies it: a refused page must never contain it."""

    obj: models.Model
    marker: str = ""


def png_upload(name="secret-tray.png"):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (11, 92, 173)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def build_world() -> dict[str, Sample]:
    """One record of every model the admin shows, each with text found nowhere else."""
    account = AccountFactory(name="Zyxa Secretcorp")
    contact = ContactFactory(account=account, first_name="Quillon", last_name="Vexmoor", email="quillon@zyxa.example")
    access = PortalAccessFactory(contact=contact, profile=ProfileFactory(name="Profile Wrenfold"))
    staff = StaffFactory(email="ottoline.staff@portico.example", first_name="Ottoline")
    case = open_case(contact, subject="Printer Glimmerquack", attachments=[png_upload()])
    article = ArticleFactory(slug="article-brambleshoe", title="Brambleshoe guide")
    message = queue_email(to="outbox@zyxa.example", subject="Outbox Plumtrellis", text="Body")
    PortalSettings.objects.get_or_create(pk=PortalSettings.SINGLETON)
    for model_admin in admin.site._registry.values():
        if isinstance(model_admin, SingletonAdmin):
            model_admin.prepare()  # what a settings page creates on its first visit, before it checks permissions
    return {
        "core.outboxmessage": Sample(message, "Outbox Plumtrellis"),
        "core.auditentry": Sample(
            log_action(action="audit.kestrelwick", actor=staff, target=account, source="backoffice"),
            "audit.kestrelwick",
        ),
        "core.numbersequence": Sample(NumberSequence.objects.create(series="SEQ-TWINDLE"), "SEQ-TWINDLE"),
        "auth.group": Sample(Group.objects.create(name="Group Marrowgate"), "Group Marrowgate"),
        "users.user": Sample(staff, "ottoline.staff@portico.example"),
        "crm.account": Sample(account, "Zyxa Secretcorp"),
        "crm.contact": Sample(contact, "Vexmoor"),
        "access.portalprofile": Sample(access.profile, "Profile Wrenfold"),
        "access.portalaccess": Sample(access, "Vexmoor"),
        "portal.portalsettings": Sample(PortalSettings.objects.get()),
        "knowledge.category": Sample(CategoryFactory(slug="category-thimbleroot"), "category-thimbleroot"),
        "knowledge.article": Sample(article, "Brambleshoe guide"),
        "helpdesk.team": Sample(TeamFactory(name="Team Cobblewisp"), "Team Cobblewisp"),
        "helpdesk.casecategory": Sample(CaseCategoryFactory(name="Category Larkspindle"), "Category Larkspindle"),
        "helpdesk.slapolicy": Sample(
            SlaPolicy.objects.first()
            or SlaPolicy.objects.create(priority=2, first_response_minutes=60, resolution_minutes=600)
        ),
        "helpdesk.holiday": Sample(
            Holiday.objects.create(date=date(2031, 5, 7), name="Day of Fernwhistle"), "Fernwhistle"
        ),
        "helpdesk.helpdesksettings": Sample(HelpdeskSettings.objects.get_or_create(pk=HelpdeskSettings.SINGLETON)[0]),
        "helpdesk.case": Sample(case, "Printer Glimmerquack"),
        "helpdesk.casedeflection": Sample(
            CaseDeflection.objects.create(contact=contact, account=account, article_slug="deflect-quorrelby"),
            "deflect-quorrelby",
        ),
        "helpdesk_intake.inboundemail": Sample(
            InboundEmail.objects.create(message_id="<x@y>", outcome="rejected", subject="Inbound Tamsquill"),
            "Inbound Tamsquill",
        ),
        "account.emailaddress": Sample(
            EmailAddress.objects.create(user=staff, email="address@hobnailby.example"), "hobnailby"
        ),
        "usersessions.usersession": Sample(
            UserSession.objects.create(user=staff, ip="203.0.113.9", session_key="k" * 32, user_agent="Agent Pellucid"),
            "Agent Pellucid",
        ),
        "django_tasks_database.dbtaskresult": Sample(DBTaskResult.objects.get(args_kwargs__args=[message.pk])),
        # Records of custom views, not of a ModelAdmin of their own.
        "knowledge.articleimage": Sample(add_image(article, name="image-nettlecombe.png")),
        "helpdesk.caseattachment": Sample(CaseAttachment.objects.get(message__case=case)),
        "portal.emailtemplate": Sample(
            EmailTemplate.objects.create(
                kind="invitation", language="en", subject="Template Dunmarrow", body="Hello {first_name}"
            ),
            "Template Dunmarrow",
        ),
    }


# --- Custom views -----------------------------------------------------------------------------------------


REPLY_BODY = "Reply from the matrix"


def replied(world: dict[str, Sample], user, client) -> bool:
    """The user's public reply is on the case."""
    case = world["helpdesk.case"].obj
    return CaseMessage.objects.filter(case=case, kind=MessageKind.REPLY, author_user=user, body=REPLY_BODY).exists()


def viewing_as(world: dict[str, Sample], user, client) -> bool:
    """The user's session views the portal as the contact, and the audit log says so."""
    contact = world["crm.contact"].obj
    audited = AuditEntry.objects.filter(action="portal.view_as_started", actor=user, object_id=str(contact.pk))
    return client.session.get(SESSION_VIEW_AS) == contact.pk and audited.exists()


@dataclass(frozen=True)
class Custom:
    """How to call a custom admin view, and what the permitted staff member gets.

    `marker` names the record (in the world) whose text the view shows; `extra_perms` are permissions the
    view needs besides the model's own; `needs` is the model permission it asks for ("view": view or change,
    "change": change). `effect(world, user, client)` says whether a view that writes did its work for that
    user; a view without one must write nothing, whoever calls it. `data` must be valid, or a view that does
    nothing with invalid data would pass whatever its permission check.
    """

    kwargs: Callable[[dict[str, Sample]], dict]
    method: str = "get"
    data: Callable[[dict[str, Sample]], dict] = lambda world: {}
    permitted: tuple[int, ...] = (200,)
    marker: str = ""
    extra_perms: tuple[str, ...] = ()
    needs: str = "view"
    effect: Callable[[dict[str, Sample], object, object], bool] | None = None


CUSTOM: dict[str, Custom] = {
    "auth_user_password_change": Custom(
        kwargs=lambda w: {"id": w["users.user"].obj.pk}, marker="users.user", needs="change"
    ),
    "crm_contact_view_as": Custom(
        kwargs=lambda w: {"object_id": w["crm.contact"].obj.pk},
        method="post",
        permitted=(302,),  # to the portal, viewing as the contact
        extra_perms=("access.view_portal_as",),
        effect=viewing_as,
    ),
    "access_portalprofile_preview": Custom(kwargs=lambda w: {}, method="post"),  # a preview: saves nothing
    "portal_portalsettings_preview": Custom(
        kwargs=lambda w: {"template_id": w["portal.emailtemplate"].obj.pk}, marker="portal.emailtemplate"
    ),
    "knowledge_article_preview": Custom(
        kwargs=lambda w: {"article_id": w["knowledge.article"].obj.pk}, marker="knowledge.article"
    ),
    "knowledge_article_image": Custom(
        kwargs=lambda w: {"article_id": w["knowledge.article"].obj.pk, "pk": w["knowledge.articleimage"].obj.pk}
    ),
    "helpdesk_case_reply": Custom(
        kwargs=lambda w: {"pk": w["helpdesk.case"].obj.pk},
        method="post",
        data=lambda w: {"kind": "reply", "body": REPLY_BODY, "status": ""},
        permitted=(302,),  # back to the case, on success and on failure alike: `replied` tells them apart
        needs="change",
        effect=replied,
    ),
    "helpdesk_case_attachment": Custom(kwargs=lambda w: {"pk": w["helpdesk.caseattachment"].obj.pk}),
}

# Patterns of a ModelAdmin that this matrix cannot call, with the reason. Keep it short: every entry is a
# page whose permission check nothing here proves.
NOT_EXERCISED: dict[str, str] = {}

# The admin site's own pages (not of a model), by URL name, or "unnamed <pattern>" for a pattern without a
# name; checked by their own tests below.
SITE_PAGES = {
    "index",
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "autocomplete",
    "jsi18n",
    "view_on_site",
    "app_list",
    "unnamed (?P<url>.*)$",  # the catch-all that answers unknown admin URLs
}


# --- Collecting the patterns ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AdminPattern:
    """One URL pattern of a ModelAdmin: its URL name, the model, and which view it is."""

    name: str
    label: str  # "app_label.model_name"
    kind: str  # one of STANDARD, or "custom"
    model_admin: admin.ModelAdmin = field(compare=False, repr=False)

    @property
    def url_name(self) -> str:
        return self.name or f"{self.label.replace('.', '_')}_"


def model_patterns() -> list[AdminPattern]:
    """Every pattern of every ModelAdmin of the site, standard and custom, nested includes walked."""
    found = []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        for _route, pattern in _walk(model_admin.get_urls()):
            name = pattern.name or ""
            suffix = name.removeprefix(prefix) if name.startswith(prefix) else None
            if name == "" and str(pattern.pattern) == "<path:object_id>/":
                kind = ""  # Django's redirect to the change page
            elif name == "":
                name, kind = f"unnamed {prefix}{pattern.pattern}", "custom"
            elif suffix in STANDARD:
                kind = suffix
            else:
                kind = "custom"
            found.append(AdminPattern(name=name, label=label, kind=kind, model_admin=model_admin))
    return found


def site_pattern_keys() -> set[str]:
    """The admin site's own patterns (everything but the models' includes): the name, or the pattern itself."""
    return {p.name or f"unnamed {p.pattern}" for p in admin.site.get_urls() if isinstance(p, URLPattern)}


def backoffice_routes() -> tuple[set[str], set[str]]:
    """Routes under the back office in the project's URLconf: all of them, and those the admin site makes."""
    prefix = reverse("admin:index").lstrip("/")
    mounted = {route for route, _pattern in _walk(get_resolver().url_patterns) if route.startswith(prefix)}
    made = {prefix + route for route, _pattern in _walk(admin.site.get_urls())}
    return mounted, made


def _walk(patterns, prefix=""):
    """(route, pattern) of every URL pattern, includes walked."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, route)
        else:
            yield route, pattern


PATTERNS = model_patterns()
EXERCISED = [p for p in PATTERNS if p.kind != "custom" or p.name in CUSTOM]


def test_every_admin_pattern_is_exercised_or_listed():
    unknown = [p.name for p in PATTERNS if p.kind == "custom" and p.name not in CUSTOM and p.name not in NOT_EXERCISED]
    assert unknown == [], f"add these admin views to CUSTOM (or, with a reason, to NOT_EXERCISED): {unknown}"
    assert site_pattern_keys() <= SITE_PAGES, f"new admin site pages: {site_pattern_keys() - SITE_PAGES}"
    mounted, made = backoffice_routes()
    assert mounted == made, f"back-office URLs outside the admin site (give them a ModelAdmin): {mounted - made}"


def test_the_lists_name_no_pattern_that_does_not_exist():
    names = {p.name for p in PATTERNS}
    assert set(CUSTOM) - names == set()
    assert set(NOT_EXERCISED) - names == set()
    assert not set(CUSTOM) & set(NOT_EXERCISED)
    assert SITE_PAGES - site_pattern_keys() == set()


def test_the_walk_sees_the_custom_views_of_the_back_office():
    custom = {p.name for p in PATTERNS if p.kind == "custom"}
    assert {"helpdesk_case_reply", "knowledge_article_preview", "portal_portalsettings_preview"} <= custom
    assert {p.label for p in PATTERNS} == {m._meta.label_lower for m in admin.site._registry}
    mounted, _made = backoffice_routes()
    assert "backoffice/helpdesk/case/<int:pk>/reply/" in mounted


# --- The people -----------------------------------------------------------------------------------------


def staff_with(permissions, email: str):
    """An active staff member holding exactly these permissions (no group, not a superuser)."""
    user = StaffFactory(email=email)
    user.user_permissions.set(permissions)
    return user


def sign_in(client, user) -> None:
    """Sign the user in with the session's clocks already started, so only the request under test writes to it."""
    client.force_login(user)
    session = client.session
    session[SESSION_STARTED] = session[SESSION_SEEN] = int(time.time())
    session.save()


def model_permissions(label: str):
    app_label, model_name = label.split(".")
    return Permission.objects.filter(content_type__app_label=app_label, content_type__model=model_name)


def named_permissions(names):
    query = models.Q(pk__in=[])
    for name in names:
        app_label, codename = name.split(".")
        query |= models.Q(content_type__app_label=app_label, codename=codename)
    return Permission.objects.filter(query)


def extra_perms_of(pattern: AdminPattern) -> tuple[str, ...]:
    return CUSTOM[pattern.name].extra_perms if pattern.kind == "custom" else ()


def personas(pattern: AdminPattern) -> dict[str, list[Permission]]:
    """The staff members of the matrix for one pattern, by what they are, with their permissions."""
    own = list(model_permissions(pattern.label))
    extra = list(named_permissions(extra_perms_of(pattern)))
    assert len(extra) == len(extra_perms_of(pattern)), f"unknown permission in {extra_perms_of(pattern)}"
    view = [p for p in own if p.codename == f"view_{pattern.label.split('.')[1]}"]
    found = {
        "without": list(Permission.objects.exclude(pk__in=[p.pk for p in own])),
        "view-only": [*view, *extra],
        "with": [*own, *extra],
    }
    if extra:
        found["without extra"] = [p for p in own if p not in extra]
    return found


# --- The requests ---------------------------------------------------------------------------------------


def request_of(pattern: AdminPattern, world: dict[str, Sample]) -> tuple[str, str, dict]:
    """The method, URL and data of one request to a pattern."""
    if pattern.kind == "custom":
        custom = CUSTOM[pattern.name]
        return custom.method, reverse(f"admin:{pattern.name}", kwargs=custom.kwargs(world)), custom.data(world)
    if pattern.kind in WITH_OBJECT:
        pk = world[pattern.label].obj.pk
        if pattern.kind == "":
            change = reverse(f"admin:{pattern.label.replace('.', '_')}_change", args=[pk])
            return "get", change.removesuffix("change/"), {}
        return "get", reverse(f"admin:{pattern.name}", args=[pk]), {}
    return "get", reverse(f"admin:{pattern.name}"), {}


def send(client, method: str, url: str, data: dict):
    response = getattr(client, method)(url, data)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body.decode(errors="replace")


def follow_to_refusal(client, response, body: str) -> tuple[int, str]:
    """Follow the redirects of a refused request (a few hops, inside the back office) to where they end.

    A redirect is a refusal only when it ends refused: at 403 or 404, or at the admin's index page, which
    shows a staff member only the models they may use.
    """
    texts = [body]
    for _hop in range(3):
        if response.status_code not in (301, 302):
            break
        location = response["Location"]
        assert location.startswith(reverse("admin:index")), f"refused staff sent out of the back office: {location}"
        if location == reverse("admin:index"):
            return 403, "".join(texts)
        response, body = send(client, "get", location, {})
        texts.append(body)
    return response.status_code, "".join(texts)


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table: the world is small, and a refused request must leave all of it as it was."""
    return {
        model._meta.label_lower: list(model._base_manager.order_by("pk").values_list())
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def changed_since(before: dict[str, list[tuple]]) -> list[str]:
    after = snapshot()
    return sorted(label for label, rows in before.items() if after[label] != rows)


def writes(pattern: AdminPattern) -> bool:
    """Whether the view changes records: the standard add and delete pages, a custom view that needs "change"."""
    if pattern.kind == "custom":
        return CUSTOM[pattern.name].needs == "change"
    return pattern.kind in ("add", "delete")


def marker_of(pattern: AdminPattern, world: dict[str, Sample]) -> str:
    if pattern.kind == "custom":
        key = CUSTOM[pattern.name].marker
        return world[key].marker if key else ""
    return world[pattern.label].marker if pattern.kind in WITH_OBJECT else ""


def permitted_statuses(pattern: AdminPattern, user) -> tuple[int, ...]:
    """What staff with the model's permissions get: the page, unless the admin refuses the view to everyone."""
    if pattern.kind == "custom":
        return CUSTOM[pattern.name].permitted
    if pattern.kind == "":
        return (301, 302)  # "<pk>/" redirects to "<pk>/change/"
    request = type("Request", (), {"user": user, "GET": {}, "POST": {}, "method": "GET"})()
    model_admin = pattern.model_admin
    allowed = {
        "changelist": model_admin.has_view_or_change_permission(request),
        "add": model_admin.has_add_permission(request),
        "history": model_admin.has_view_or_change_permission(request),
        "change": model_admin.has_view_or_change_permission(request),
        "delete": model_admin.has_delete_permission(request),
    }[pattern.kind]
    if not allowed:
        return (403,)
    if isinstance(model_admin, SingletonAdmin) and pattern.kind == "changelist":
        return (302,)  # a singleton has no list: it opens its one record
    return (200,)


@pytest.fixture
def world(db, private_media):
    return build_world()


def assert_refused(client, pattern: AdminPattern, world: dict[str, Sample], who: str, method: str = "") -> None:
    """The request is refused, shows nothing of the record and changes nothing.

    A custom view, or any POST, must refuse by itself (403 or 404); only a standard page asked with GET may
    refuse by a redirect that ends refused.
    """
    own_method, url, data = request_of(pattern, world)
    method = method or own_method
    before = snapshot()
    response, body = send(client, method, url, data)
    if method == "get" and pattern.kind != "custom":
        status, body = follow_to_refusal(client, response, body)
    else:
        status = response.status_code
    request = f"{method.upper()} {url}"
    assert status in (403, 404), f"{who} got {status} from {request}"
    marker = marker_of(pattern, world)
    assert not marker or marker not in body, f"{who} saw {marker!r} at {request}"
    assert changed_since(before) == [], f"{who} was refused {request}, which still changed these tables"


def assert_permitted(client, pattern: AdminPattern, world: dict[str, Sample], who: str, user) -> None:
    """The request gets the page, and a custom view did its work (or, when it is not for writing, wrote nothing)."""
    method, url, data = request_of(pattern, world)
    before = snapshot()
    response, body = send(client, method, url, data)
    request = f"{method.upper()} {url}"
    assert response.status_code in permitted_statuses(pattern, user), f"{who} got {response.status_code} from {request}"
    marker = marker_of(pattern, world)
    if marker and response.status_code == 200 and pattern.kind in ("change", "custom"):
        assert marker in body  # the marker is real text of the page: its absence elsewhere means something
    if pattern.kind == "custom":
        effect = CUSTOM[pattern.name].effect
        if effect is None:
            assert changed_since(before) == [], f"{request} is not for writing, but it changed these tables"
        else:
            assert effect(world, user, client), f"{who} got {response.status_code} from {request}, but nothing done"


@pytest.mark.parametrize("pattern", EXERCISED, ids=[p.url_name for p in EXERCISED])
def test_each_admin_page_asks_for_the_models_permission(client, world, pattern):
    method, url, data = request_of(pattern, world)
    before = snapshot()
    response, _body = send(client, method, url, data)
    assert response.status_code == 302, f"anonymous got {response.status_code} from {url}"
    assert response["Location"].startswith(reverse("admin:login")), f"anonymous sent to {response['Location']}"
    assert changed_since(before) == [], f"anonymous was refused {url}, which still changed these tables"

    people = personas(pattern)
    sign_in(client, staff_with(people["without"], "without@portico.example"))
    assert_refused(client, pattern, world, f"staff without {pattern.label} permissions")

    if "without extra" in people:
        sign_in(client, staff_with(people["without extra"], "without-extra@portico.example"))
        assert_refused(client, pattern, world, f"staff without {', '.join(extra_perms_of(pattern))}")

    viewer = staff_with(people["view-only"], "viewer@portico.example")
    sign_in(client, viewer)
    if writes(pattern):
        assert_refused(client, pattern, world, f"view-only staff of {pattern.label}")
    else:
        assert_permitted(client, pattern, world, f"view-only staff of {pattern.label}", viewer)
    if pattern.kind == "change":
        assert_refused(client, pattern, world, f"view-only staff of {pattern.label} saving", method="post")

    permitted = staff_with(people["with"], "with@portico.example")
    sign_in(client, permitted)
    assert_permitted(client, pattern, world, f"staff with {pattern.label} permissions", permitted)


def test_view_only_staff_are_offered_no_action(rf, world):
    """Every action of the back office writes (assign, close, publish, revoke, delete…); one declared without
    `permissions=` is offered to, and run for, staff who may only view."""
    offered = {}
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        request = rf.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        request.user = staff_with(
            model_permissions(meta.label_lower).filter(codename=f"view_{meta.model_name}"),
            f"viewer.{meta.app_label}.{meta.model_name}@portico.example",
        )
        if actions := list(model_admin.get_actions(request)):
            offered[meta.label_lower] = actions
    assert offered == {}, f"actions offered to view-only staff (give them permissions=[...]): {offered}"
    request = rf.get(reverse("admin:helpdesk_case_changelist"))
    request.user = staff_with(model_permissions("helpdesk.case"), "case.editor@portico.example")
    assert "mark_closed" in admin.site._registry[Case].get_actions(request)  # the check above sees actions


# --- The admin site's own pages -------------------------------------------------------------------------


def test_the_site_pages_send_anonymous_visitors_to_sign_in(client, world):
    login = reverse("admin:login")
    for url in (
        reverse("admin:index"),
        reverse("admin:password_change"),
        reverse("admin:password_change_done"),
        reverse("admin:autocomplete"),
        reverse("admin:jsi18n"),
        reverse("admin:app_list", args=["helpdesk"]),
        reverse(
            "admin:view_on_site",
            args=[ContentType.objects.get_for_model(world["crm.account"].obj).pk, world["crm.account"].obj.pk],
        ),
        reverse("admin:index") + "no-such-page/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(login), url
    assert client.get(login).status_code == 200
    for response in (client.get(reverse("admin:logout")), client.post(reverse("admin:logout"))):
        assert response.status_code in (200, 302, 405)
        assert response.status_code != 302 or response["Location"] in (reverse("admin:index"), login)


def test_staff_without_permissions_see_no_record_on_the_site_pages(client, world):
    sign_in(client, staff_with([], "nothing@portico.example"))
    pages = [
        client.get(reverse("admin:index")),
        client.get(reverse("admin:app_list", args=["crm"])),
        client.get(reverse("admin:app_list", args=["helpdesk"])),
        client.get(
            reverse("admin:autocomplete"),
            {"app_label": "helpdesk", "model_name": "case", "field_name": "contact", "term": "Vexmoor"},
        ),
    ]
    assert pages[0].status_code == 200
    assert all(page.status_code in (403, 404) for page in pages[1:]), [page.status_code for page in pages]
    for page in pages:
        text = page.content.decode()
        assert not any(sample.marker and sample.marker in text for sample in world.values())
