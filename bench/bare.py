"""Bare twins of the measured portal pages: what a plain Django project does for the same page.

A bare twin is an ordinary function view behind Django's default middleware (the list `startproject`
writes), `login_required` where the portal page needs a sign-in, that runs the same SQL as the portal page,
written with the ORM the way a Django developer writes it, and renders what it fetched with a plain template
of the byte size of the real page. docs/adr/0002-bench-baseline.md says why this is the reference.

The first request for a page in each server process checks the claim: it requests the real portal page and
the bare twin in-process, records every SQL statement of both, and answers 500 with the difference when the
two lists differ (a timestamp parameter may differ, nothing else). Then it fits the bare page to the size of
the real one (columns left out, or filler text added).
"""

import datetime
import threading
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Exists, Model, OuterRef, Prefetch, Q
from django.forms.renderers import DjangoTemplates
from django.http import Http404, HttpResponse, HttpResponseServerError
from django.template.loader import render_to_string
from django.test import Client
from django.test.client import ClientHandler
from django.test.utils import override_settings
from django.utils import timezone

from portico.access.models import PortalAccess
from portico.core.models import AuditEntry
from portico.crm.models import Contact
from portico.helpdesk.models import (
    ACTIVE_STATUSES,
    PUBLIC_KINDS,
    Case,
    CaseAttachment,
    CaseMessage,
    CaseStatusChange,
    HelpdeskSettings,
)
from portico.knowledge.models import Article
from portico.portal.models import CACHE_KEY as PORTAL_SETTINGS_KEY
from portico.portal.models import ExternalLink

PAGES = {
    "login": "/portal/account/login/",
    "dashboard": "/portal/",
    "colleagues": "/portal/colleagues/",
    "cases": "/portal/cases/",
    "case": "/portal/cases/{case}/",  # one case of the company, chosen by bench/run.py
}
# Django's default middleware, as `django-admin startproject` writes it.
BARE_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
FILLER = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore. "
# Transaction bookkeeping is not a query of the page.
TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT")
CHECK_HEADER = "HTTP_X_BENCH_CHECK"  # marks the in-process request of the check, which must not check again
COLLEAGUES_PAGE_SIZE = 25
CASES_PAGE_SIZE = 25

# Plain Django draws forms with its default renderer (the product's FORM_RENDERER is part of what is measured).
DJANGO_FORM_RENDERER = DjangoTemplates()


def portal_path(page: str, case: int = 0) -> str:
    """The URL of a measured portal page (the case page names the case)."""
    return PAGES[page].format(case=case)


def bare_path(page: str, case: int = 0) -> str:
    """The URL of a page's bare twin (the case page's twin gets the same case in the query string)."""
    return f"/bench/bare/{page}/" + (f"?case={case}" if "{case}" in PAGES[page] else "")


# --- The queries of each page, written with the ORM ----------------------------------------------------------


def login_queries(request) -> list:
    """The sign-in page reads the portal settings (name, logo, colour) from the cache; Django's sign-in form."""
    cache.get(PORTAL_SETTINGS_KEY)
    request.bare_form = AuthenticationForm(request, renderer=DJANGO_FORM_RENDERER)
    return []


def _current_access(request) -> PortalAccess:
    """The login's valid portal accesses with contact, company and profile; the one the session chose."""
    today = timezone.localdate()
    accesses = list(
        PortalAccess.objects.filter(
            user=request.user,
            is_active=True,
            support_start__lte=today,
            portal_end__gte=today,
            contact__account__is_active=True,
            profile__isnull=False,
        )
        .select_related("contact__account", "profile")
        .order_by("contact__account__name", "pk")
    )
    chosen = request.session.get("portico_contact_id")
    return next((a for a in accesses if a.contact_id == chosen), accesses[0])


def dashboard_queries(request) -> list:
    access = _current_access(request)
    cache.get(PORTAL_SETTINGS_KEY)
    account_id = access.contact.account_id
    contacts = Contact.objects.filter(account_id=account_id)
    counts = contacts.aggregate(total=Count("pk"), with_access=Count("pk", filter=Q(portal_access__is_active=True)))
    latest = contacts.select_related("account", "portal_access__profile").order_by("-created_at", "-pk")[:5]
    activity = (
        AuditEntry.objects.filter(source="portal")
        .filter(account_id=account_id)
        .select_related("actor_contact")
        .order_by("-created_at", "-pk")[:5]
    )
    contact_rows, activity_rows = list(latest), list(activity)
    company_cases = Case.objects.select_related("category", "contact").filter(account_id=account_id)
    open_cases = company_cases.aggregate(open=Count("pk", filter=Q(status__in=ACTIVE_STATUSES)))
    latest_cases = company_cases.order_by("-public_updated_at", "-pk")[:5]
    chosen = Article.profiles.through.objects.filter(article=OuterRef("pk"), portalprofile=access.profile)
    articles = Article.objects.filter(status=Article.Status.PUBLISHED).filter(
        Q(visibility__in=[Article.Visibility.PUBLIC, Article.Visibility.PORTAL])
        | Q(visibility=Article.Visibility.PROFILES) & Exists(chosen)
    )
    latest_articles = articles.order_by("-published_at", "-pk")[:5]
    helpful = articles.filter(helpful_count__gt=0)
    helpful = helpful.order_by("-helpful_count", "not_helpful_count", "-published_at", "-pk")
    links = ExternalLink.objects.filter(Q(profiles=None) | Q(profiles=access.profile)).distinct()
    return [
        [access],
        [counts],
        contact_rows,
        activity_rows,
        [open_cases],
        list(latest_cases),
        list(latest_articles),
        list(helpful[:5]),
        list(links),
    ]


def colleagues_queries(request) -> list:
    access = _current_access(request)
    cache.get(PORTAL_SETTINGS_KEY)
    contacts = (
        Contact.objects.filter(account_id=access.contact.account_id)
        .select_related("account", "portal_access__profile")
        .order_by("last_name", "first_name", "pk")
    )
    page = Paginator(contacts, COLLEAGUES_PAGE_SIZE).get_page(1)
    return [[access], list(page.object_list)]


def cases_queries(request) -> list:
    """The company's cases, latest update first, the first page of 25."""
    access = _current_access(request)
    cache.get(PORTAL_SETTINGS_KEY)
    cases = (
        Case.objects.select_related("category", "contact")
        .filter(account_id=access.contact.account_id)
        .order_by("-public_updated_at", "-pk")
    )
    page = Paginator(cases, CASES_PAGE_SIZE).get_page(1)
    return [[access], list(page.object_list)]


def case_queries(request) -> list:
    """One case of the company with its public messages (and their files) and its status history."""
    access = _current_access(request)
    helpdesk_settings = (
        HelpdeskSettings.objects.select_related("default_assignee", "default_team")
        .filter(pk=HelpdeskSettings.SINGLETON)
        .first()
    )
    cache.get(PORTAL_SETTINGS_KEY)
    case = (
        Case.objects.select_related("category", "contact")
        .filter(account_id=access.contact.account_id)
        .get(pk=int(request.GET["case"]))
    )
    conversation = (
        CaseMessage.objects.filter(kind__in=PUBLIC_KINDS)
        .filter(case=case)
        .order_by("created_at", "pk")
        .select_related("author_user", "author_contact")
        .prefetch_related(Prefetch("attachments", queryset=CaseAttachment.objects.order_by("pk")))
    )
    history = CaseStatusChange.objects.filter(case=case).select_related("actor", "actor_contact")
    settings_rows = [helpdesk_settings] if helpdesk_settings else []  # no row until staff first save settings
    return [[access, *settings_rows], [case], list(conversation), list(history.order_by("created_at", "pk"))]


QUERIES = {
    "login": login_queries,
    "dashboard": login_required(dashboard_queries),
    "colleagues": login_required(colleagues_queries),
    "cases": login_required(cases_queries),
    "case": login_required(case_queries),
}


# --- Fitting the page to the real one's size ------------------------------------------------------------------


@dataclass
class Fit:
    size: int
    columns: int | None = None
    padding: str = ""


_fits: dict[str, Fit] = {}
_lock = threading.Lock()


def _values(item, seen: set[int] | None = None) -> list[str]:
    """An object's column values as text, with those of the related objects fetched alongside it."""
    if isinstance(item, dict):
        return [str(value) for value in item.values()]
    seen = seen if seen is not None else set()
    seen.add(id(item))
    values = [str(item.__dict__.get(field.attname)) for field in item._meta.concrete_fields]
    for related in item._state.fields_cache.values():
        if isinstance(related, Model) and id(related) not in seen:
            values.extend(_values(related, seen))
    return values


def _cells(tables: list[list], columns: int | None) -> list[list[list[str]]]:
    return [[_values(item)[:columns] for item in items] for items in tables]


def _render(request, page: str, tables, padding: str) -> str:
    context = {"page": page, "tables": tables, "padding": padding, "form": getattr(request, "bare_form", None)}
    return render_to_string("bench/bare.html", context, request=request, using="bare")


def _padding(length: int) -> str:
    """ASCII text of exactly this many bytes (none when the bare page is already as large as the real one)."""
    return (FILLER * (length // len(FILLER) + 1))[: max(length, 0)]


def _fit(request, page: str, tables: list[list], size: int) -> Fit:
    """Keep as many columns as fit in the real page's size, then pad the rest to exactly that size."""
    fit = Fit(size=size)

    def rendered(columns: int | None) -> int:
        return len(_render(request, page, _cells(tables, columns), "").encode())

    if rendered(None) > size:
        low, high = 0, max((len(_values(item)) for items in tables for item in items), default=0)
        while low < high:  # the most columns per row that still fit
            middle = (low + high + 1) // 2
            low, high = (middle, high) if rendered(middle) <= size else (low, middle - 1)
        fit.columns = low
    fit.padding = _padding(size - rendered(fit.columns))
    return fit


# --- The check: the same SQL as the real page -----------------------------------------------------------------


class BareClientHandler(ClientHandler):
    """The test client's handler with the bare middleware, to request a bare twin in-process."""

    def load_middleware(self, is_async=False):
        with override_settings(MIDDLEWARE=BARE_MIDDLEWARE):
            super().load_middleware(is_async)


def record_sql(client: Client, url: str, **headers) -> tuple[list[tuple[str, tuple]], bytes]:
    """Request a URL in-process; return its SQL statements (transaction control left out) and body."""
    statements: list[tuple[str, tuple]] = []

    def record(execute, sql, params, many, context):
        if not sql.lstrip().upper().startswith(TRANSACTION_CONTROL):
            statements.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.get(url, **headers)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}, not 200")
    return statements, response.content


def _client(cookies: dict[str, str], handler=None) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    if handler is not None:
        client.handler = handler
    for name, value in cookies.items():
        client.cookies[name] = value
    return client


def _same(portal: tuple[str, tuple], bare: tuple[str, tuple]) -> bool:
    """The same statement with the same parameters; a timestamp (the session's expiry check) may differ."""
    (portal_sql, portal_params), (bare_sql, bare_params) = portal, bare
    if portal_sql != bare_sql or len(portal_params) != len(bare_params):
        return False
    for a, b in zip(portal_params, bare_params, strict=True):
        moment = (datetime.datetime, str)
        if a != b and not (isinstance(a, moment) and isinstance(b, moment) and _is_timestamp(a) and _is_timestamp(b)):
            return False
    return True


def _is_timestamp(value) -> bool:
    if isinstance(value, datetime.datetime):
        return True
    try:
        return " " in value and isinstance(datetime.datetime.fromisoformat(value), datetime.datetime)
    except ValueError:
        return False


def compare_sql(page: str, cookies: dict[str, str], case: int = 0) -> tuple[list, list, int]:
    """Record the SQL of the real page and of its bare twin; return both lists and the real page's size."""
    portal_client = _client(cookies)
    portal_client.get(portal_path(page, case))  # a first visit may write the session; later ones find it settled
    portal_sql, body = record_sql(portal_client, portal_path(page, case))
    bare_client = _client(cookies, BareClientHandler())
    bare_sql, _body = record_sql(bare_client, bare_path(page, case), **{CHECK_HEADER: "1"})
    return portal_sql, bare_sql, len(body)


def _check_and_fit(request, page: str, tables: list[list]) -> Fit | HttpResponse:
    fit = _fits.get(page)
    if fit is not None:
        return fit
    with _lock:
        fit = _fits.get(page)
        if fit is None:
            case = int(request.GET.get("case", 0))
            portal_sql, bare_sql, size = compare_sql(page, request.COOKIES, case)
            if len(portal_sql) != len(bare_sql) or not all(map(_same, portal_sql, bare_sql)):
                lines = [f"{page}: the bare twin does not run the portal page's SQL", "", "portal:"]
                lines += [f"  {sql} {params}" for sql, params in portal_sql] + ["", "bare:"]
                lines += [f"  {sql} {params}" for sql, params in bare_sql]
                return HttpResponseServerError("\n".join(lines), content_type="text/plain")
            fit = _fits[page] = _fit(request, page, tables, size)
    return fit


# --- Views ------------------------------------------------------------------------------------------------------


def bare_page(request, page: str) -> HttpResponse:
    """The bare twin of a portal page: the same SQL through the ORM, a plain template, as many bytes."""
    if page not in QUERIES:
        raise Http404
    tables = QUERIES[page](request)
    if isinstance(tables, HttpResponse):  # login_required's redirect
        return tables
    if CHECK_HEADER in request.META:
        return HttpResponse(_render(request, page, _cells(tables, None), ""))
    fit = _check_and_fit(request, page, tables)
    if isinstance(fit, HttpResponse):
        return fit
    return HttpResponse(_render(request, page, _cells(tables, fit.columns), fit.padding))


def empty(request) -> HttpResponse:
    """An empty page: no query, no template (bench/breakdown.py measures the fixed cost of a portal request)."""
    return HttpResponse(b"")
