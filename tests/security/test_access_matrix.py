"""The access matrix: every portal URL × every persona, and a guard that no portal URL is left out of it.

`MATRIX` is the declaration: for each URL name under /portal/, what each persona gets from a GET (and,
for URLs that write, from a POST). `test_every_portal_url_is_in_the_matrix` walks the URLconf, so a new
portal URL fails the suite until someone decides, here, who may reach it.

Personas (all present in the database at once, so a leak would have something to leak):

- anonymous: nobody signed in.
- alice: Acme, company admin; edits her details and Acme's address and phone (the permitted persona).
- bob: Acme; edits his details, sees Acme read-only: the edit page of My company is 403 for him.
- rita: Acme; sees her details and Acme read-only: both edit pages are 403.
- dave: Acme; his profile lacks My company, so its pages do not exist for him: 404.
- carol: Globex, another company; may edit Globex. She must never see a byte of Acme's data.
- erin: Acme; her portal access ended yesterday. She is signed out at her next portal request.
- sam: staff (back-office superuser) without portal access: the portal refuses him with 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from portico.access.models import PortalAccess
from portico.access.tests.factories import TEST_PASSWORD, PortalAccessFactory, ProfileFactory, grants
from portico.access.tokens import make_invitation_token
from portico.core.audit import log_action
from portico.core.models import AuditEntry, OutboxMessage
from portico.crm.models import Account, Contact
from portico.crm.tests.factories import AccountFactory, ContactFactory
from portico.helpdesk.models import Case, CaseDeflection, CaseMessage
from portico.users.models import User

PERSONAS = ("anonymous", "alice", "bob", "rita", "dave", "carol", "erin", "sam")

# Strings that exist only in one company's records: a page shown to anyone outside it must not contain them.
ACME_MARKERS = ("Acme Oy", "Acmekatu 7", "FI-ACME-VAT", "acme.example", "+358 9 777 0000")
GLOBEX_MARKERS = ("Globex AB", "Globexgatan 3", "SE-GLOBEX-VAT", "globex.example", "+46 8 555 0000")
COMPANY_OF = {"alice": "acme", "bob": "acme", "rita": "acme", "dave": "acme", "erin": "acme", "carol": "globex"}


# --- Expectations ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    """What one persona gets from one request: a status, and for redirects the URL name it points to.

    `writes` marks the outcomes that may legitimately change the persona's own records (a saved edit, a
    language switch); every other outcome must leave the database exactly as it was.
    """

    status: int
    to: str | None = None
    to_kwargs: dict = field(default_factory=dict)
    writes: bool = False

    def __str__(self) -> str:
        return f"{self.status} → {self.to}" if self.to else str(self.status)


OK = Expect(200)
FORBIDDEN = Expect(403)
NOT_FOUND = Expect(404)
NOT_ALLOWED = Expect(405)
LOGIN = Expect(302, "account_login")


def redirect(name: str, writes: bool = False, **kwargs) -> Expect:
    return Expect(302, name, kwargs, writes)


def personas(default: Expect, **overrides: Expect) -> dict[str, Expect]:
    """Expectations for every persona: `default`, except where named."""
    unknown = set(overrides) - set(PERSONAS)
    assert not unknown, f"unknown personas {unknown}"
    return {persona: overrides.get(persona, default) for persona in PERSONAS}


def signed_in(default: Expect, **overrides: Expect) -> dict[str, Expect]:
    """A page that needs a login: anonymous goes to the login page, everyone signed in gets `default`."""
    return personas(default, **{"anonymous": LOGIN, **overrides})


def portal_page(**expectations: Expect) -> dict[str, Expect]:
    """A page of the signed-in portal: anonymous and erin (access ended) go to login, staff get 403."""
    return {"anonymous": LOGIN, "erin": LOGIN, "sam": FORBIDDEN, **expectations}


@dataclass(frozen=True)
class Row:
    """One URL of the portal: how to build it, what a GET gives each persona, and (if it writes) a POST."""

    get: dict[str, Expect]
    url: Callable[[World], str] | None = None
    post: dict[str, Expect] | None = None
    post_data: Callable[[World], dict] | None = None
    note: str = ""


# --- The world the matrix runs in -------------------------------------------------------------------------


@dataclass
class World:
    acme: Account
    globex: Account
    accesses: dict[str, PortalAccess]
    sam: User
    invitee: PortalAccess  # a pending invitation at a third company, Initech

    def user(self, persona: str) -> User | None:
        if persona == "anonymous":
            return None
        if persona == "sam":
            return self.sam
        return self.accesses[persona].user


def _persona(account, first, profile_grants, **access):
    contact = ContactFactory(
        first_name=first,
        last_name="Persona",
        account=account,
        email=f"{first}@{account.name.split()[0]}.example".lower(),
        phone="",
    )
    profile = ProfileFactory(name=f"{first}'s matrix profile", grants=profile_grants)
    return PortalAccessFactory(contact=contact, profile=profile, **access)


@pytest.fixture
def world(alice, bob, dave, carol, sam, acme, globex):
    Account.objects.filter(pk=acme.pk).update(
        street_address="Acmekatu 7", vat_number="FI-ACME-VAT", phone="+358 9 777 0000", email="info@acme.example"
    )
    Account.objects.filter(pk=globex.pk).update(
        street_address="Globexgatan 3", vat_number="SE-GLOBEX-VAT", phone="+46 8 555 0000", email="info@globex.example"
    )
    rita = _persona(acme, "Rita", grants(my_details="read", my_company="read"))
    yesterday = timezone.localdate() - timedelta(days=1)
    erin = _persona(acme, "Erin", grants(), support_start=yesterday - timedelta(days=30), portal_end=yesterday)
    initech = AccountFactory(name="Initech LLC", country="US")
    ian = PortalAccessFactory(
        contact=ContactFactory(first_name="Ian", last_name="Invitee", account=initech, email="ian@initech.test"),
        invitation_accepted_at=None,
    )
    ian.user.set_unusable_password()
    ian.user.save()
    accesses = {"alice": alice, "bob": bob, "rita": rita, "dave": dave, "carol": carol, "erin": erin}
    _grant_activity_and_log_a_globex_change(accesses)
    acme.refresh_from_db()
    globex.refresh_from_db()
    return World(acme=acme, globex=globex, accesses=accesses, sam=sam, invitee=ian)


def _grant_activity_and_log_a_globex_change(accesses: dict[str, PortalAccess]) -> None:
    """Every profile grants Activity, yet only company admins get it; Globex's activity holds a Globex marker."""
    for access in accesses.values():
        access.profile.grants["activity"] = {"view": True, "scope": "company"}
        access.profile.save(update_fields=["grants"])
    carol = accesses["carol"].contact
    log_action(
        action="my_company.updated",
        actor=accesses["carol"].user,
        actor_contact=carol,
        target=carol.account,
        changes={"phone": ["", "+46 8 555 0000"]},
        source="portal",
        account_id=carol.account_id,
    )


def _invitation_url(world: World) -> str:
    return reverse("portal:accept_invitation", kwargs={"token": make_invitation_token(world.invitee)})


def _branding_url(world: World) -> str:
    from portico.portal.tests.factories import set_branding_image

    set_branding_image("logo")
    return reverse("portal:branding", kwargs={"kind": "logo"})


def _password_reset_key_url(world: World) -> str:
    user = world.invitee.user
    key = default_token_generator.make_token(user)
    return reverse("account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": key})


def _email_confirmation_url(world: World) -> str:
    return reverse("account_confirm_email", kwargs={"key": "not-a-real-confirmation-key"})


def _hostile_contact_edit(world: World) -> dict:
    return {
        "first_name": "Mallory",
        "last_name": "Mallet",
        "language": "fi",
        "email": "mallory@evil.test",  # never editable
        "account": world.globex.pk,  # not a field of the module at all
    }


def _hostile_company_edit(world: World) -> dict:
    return {
        "street_address": "Evil street 1",
        "city": "Evilton",
        "phone": "+1 666 666",
        "name": "Hijacked Ltd",  # read-only for everyone
        "vat_number": "HIJACKED",  # hidden
        "business_id": "HIJACKED",  # never editable
        "parent": world.globex.pk,  # not a field of the module
    }


def _knowledge(world: World) -> int:
    """Alice, Bob and Carol read the knowledge base (Rita and Dave do not); one article, with an image, is for
    Alice's profile only. Returns that image's id."""
    from portico.knowledge.tests.factories import ArticleFactory, add_image, grant_knowledge

    grant_knowledge(*(world.accesses[persona] for persona in ("alice", "bob", "carol")))
    ArticleFactory(slug="kb-everyone", title="Printer help for every portal user")
    restricted = ArticleFactory(slug="kb-alice", visibility="profiles", title="Printer help for key contacts")
    restricted.profiles.add(world.accesses["alice"].profile)
    return add_image(restricted).pk


def _kb_url(name: str, *, slug: str | None = None, image: bool = False, query: str = "") -> Callable[[World], str]:
    def url(world: World) -> str:
        image_pk = _knowledge(world)
        kwargs = {"slug": slug} if slug else {}
        if image:
            kwargs["pk"] = image_pk
        return reverse(name, kwargs=kwargs) + query

    return url


KB_READERS = {"alice": OK, "bob": OK, "rita": NOT_FOUND, "dave": NOT_FOUND, "carol": OK}
KB_ALICE_ONLY = {"alice": OK, "bob": NOT_FOUND, "rita": NOT_FOUND, "dave": NOT_FOUND, "carol": NOT_FOUND}
KB_VOTED = redirect("portal:kb_article", writes=True, slug="kb-everyone")


def _cases(world: World) -> dict[str, int]:
    """Cases for the matrix: alice sees Acme's, bob his own, rita Acme's read-only (no create, edit or actions),
    carol Globex's; dave has no Cases module. Bob's case has a screenshot on his message and a file on an
    internal note; a second case of his is resolved. Returns the ids the rows need."""
    from portico.helpdesk import services
    from portico.helpdesk.tests.factories import give_cases, open_case, png_upload, text_upload

    accesses = world.accesses
    give_cases(accesses["alice"], scope="company")
    give_cases(accesses["bob"], scope="own")
    give_cases(accesses["rita"], scope="company", create=False, edit=False, actions=False)
    give_cases(accesses["carol"], scope="company")
    case = open_case(accesses["bob"], subject="Matrix printer case", attachments=[png_upload()])
    note = services.add_staff_reply(
        case=case, user=world.sam, body="Internal: Globex had this too", internal=True, attachments=[text_upload()]
    )
    resolved = open_case(accesses["bob"], subject="Matrix resolved case")
    services.change_status(case=resolved, status="resolved", actor=world.sam)
    open_case(accesses["carol"], subject="Globex matrix case")
    return {
        "case": case.pk,
        "resolved": resolved.pk,
        "attachment": case.messages.get(kind="customer").attachments.get().pk,
        "note_attachment": note.attachments.get().pk,
    }


def _case_url(name: str, which: str | None = "case", query: str = "") -> Callable[[World], str]:
    def url(world: World) -> str:
        ids = _cases(world)
        return reverse(name, args=[ids[which]] if which else []) + query

    return url


def _hostile_case(world: World) -> dict:
    return {
        "subject": "Matrix case <script>alert(1)</script>",
        "description": "Sent by the matrix.",
        "priority": "4",
        "contact": world.accesses["carol"].contact_id,  # never a field: the server sets the contact
        "account": world.globex.pk,  # never a field: the server sets the account
        "status": "closed",  # never a field
        "number": "CS-999999",  # never a field
    }


CASE_READERS = {"alice": OK, "bob": OK, "rita": OK, "dave": NOT_FOUND, "carol": OK}
BOBS_CASE = {"alice": OK, "bob": OK, "rita": OK, "dave": NOT_FOUND, "carol": NOT_FOUND}
POST_ONLY = {"alice": NOT_ALLOWED, "bob": NOT_ALLOWED, "rita": NOT_ALLOWED, "dave": NOT_ALLOWED, "carol": NOT_ALLOWED}
ON_BOBS_CASE = {"rita": FORBIDDEN, "dave": NOT_FOUND, "carol": NOT_FOUND}


SAVED_DETAILS = redirect("portal:my_details", writes=True)
SAVED_COMPANY = redirect("portal:my_company", writes=True)
LANGUAGE_SWITCHED = redirect("portal:home", writes=True)


# --- The matrix -------------------------------------------------------------------------------------------

MATRIX: dict[str, Row] = {
    # The portal's own pages.
    "portal:home": Row(
        get=portal_page(alice=OK, bob=OK, rita=OK, dave=OK, carol=OK),
        note="always on: every principal has a start page, listing only its granted modules",
    ),
    "portal:my_details": Row(get=portal_page(alice=OK, bob=OK, rita=OK, dave=OK, carol=OK)),
    "portal:my_details_edit": Row(
        get=portal_page(alice=OK, bob=OK, rita=FORBIDDEN, dave=OK, carol=OK),
        post=portal_page(
            alice=SAVED_DETAILS, bob=SAVED_DETAILS, rita=FORBIDDEN, dave=SAVED_DETAILS, carol=SAVED_DETAILS
        ),
        post_data=_hostile_contact_edit,
        note="rita sees her details read-only: the edit page exists for her but the action is 403",
    ),
    "portal:my_company": Row(get=portal_page(alice=OK, bob=OK, rita=OK, dave=NOT_FOUND, carol=OK)),
    "portal:my_company_edit": Row(
        get=portal_page(alice=OK, bob=FORBIDDEN, rita=FORBIDDEN, dave=NOT_FOUND, carol=OK),
        post=portal_page(alice=SAVED_COMPANY, bob=FORBIDDEN, rita=FORBIDDEN, dave=NOT_FOUND, carol=SAVED_COMPANY),
        post_data=_hostile_company_edit,
        note="dave's profile lacks My company: 404, as if it did not exist; carol edits Globex, never Acme",
    ),
    # Colleagues: company admins only (alice); for everyone else the module does not exist.
    "portal:colleagues": Row(get=portal_page(alice=OK, bob=NOT_FOUND, rita=NOT_FOUND, dave=NOT_FOUND, carol=NOT_FOUND)),
    "portal:colleague_add": Row(
        get=portal_page(alice=OK, bob=NOT_FOUND, rita=NOT_FOUND, dave=NOT_FOUND, carol=NOT_FOUND),
        post=portal_page(
            alice=redirect("portal:colleague", writes=True),
            bob=NOT_FOUND,
            rita=NOT_FOUND,
            dave=NOT_FOUND,
            carol=NOT_FOUND,
        ),
        post_data=lambda world: {
            "first_name": "Newt",
            "last_name": "Hire",
            "email": "newt@acme.example",
            "language": "en",
        },
        note="the server sets the company: a colleague is always added to the admin's own company",
    ),
    "portal:colleague": Row(
        url=lambda world: reverse("portal:colleague", args=[world.accesses["bob"].contact_id]),
        get=portal_page(alice=OK, bob=NOT_FOUND, rita=NOT_FOUND, dave=NOT_FOUND, carol=NOT_FOUND),
        post=portal_page(
            alice=redirect("portal:colleague", writes=True),
            bob=NOT_FOUND,
            rita=NOT_FOUND,
            dave=NOT_FOUND,
            carol=NOT_FOUND,
        ),
        post_data=lambda world: {
            "first_name": "Robert",
            "last_name": "Persona",
            "email": "bob@acme.example",
            "language": "en",
        },
        note="bob's contact: alice (Acme's company admin) edits it; carol, at Globex, gets 404 as if it did not exist",
    ),
    "portal:colleague_access": Row(
        url=lambda world: reverse("portal:colleague_access", args=[world.accesses["rita"].contact_id]),
        get=portal_page(alice=NOT_ALLOWED, bob=NOT_ALLOWED, rita=NOT_ALLOWED, dave=NOT_ALLOWED, carol=NOT_ALLOWED)
        | {"anonymous": NOT_ALLOWED},
        post=portal_page(
            alice=redirect("portal:colleague", writes=True),
            bob=NOT_FOUND,
            rita=NOT_FOUND,
            dave=NOT_FOUND,
            carol=NOT_FOUND,
        )
        | {"anonymous": LOGIN},
        post_data=lambda world: {"action": "revoke"},
        note="POST only: alice ends rita's access; nobody else reaches Acme's colleagues",
    ),
    # Activity: the company's portal audit, for company admins only; Sign-ins and sessions: one's own login.
    "portal:activity": Row(
        get=portal_page(alice=OK, bob=NOT_FOUND, rita=NOT_FOUND, dave=NOT_FOUND, carol=NOT_FOUND),
        note="every matrix profile grants Activity: only alice is a company admin; carol's Globex entry never shows",
    ),
    "portal:security": Row(
        get=portal_page(alice=OK, bob=OK, rita=OK, dave=OK, carol=OK),
        post=portal_page(
            alice=redirect("portal:security", writes=True),
            bob=redirect("portal:security", writes=True),
            rita=redirect("portal:security", writes=True),
            dave=redirect("portal:security", writes=True),
            carol=redirect("portal:security", writes=True),
        ),
        post_data=lambda world: {},
        note="always on, whatever the profile; the POST ends the login's other sessions (audited when any)",
    ),
    "portal:set_language": Row(
        get=portal_page(alice=NOT_ALLOWED, bob=NOT_ALLOWED, rita=NOT_ALLOWED, dave=NOT_ALLOWED, carol=NOT_ALLOWED)
        | {"anonymous": NOT_ALLOWED},
        post=portal_page(
            alice=LANGUAGE_SWITCHED,
            bob=LANGUAGE_SWITCHED,
            rita=LANGUAGE_SWITCHED,
            dave=LANGUAGE_SWITCHED,
            carol=LANGUAGE_SWITCHED,
        )
        | {"anonymous": redirect("portal:home")},
        post_data=lambda world: {"language": "fi", "next": "/portal/"},
        note="POST only; public, so the sign-in page can switch language too",
    ),
    "portal:switch_company": Row(
        get=portal_page(alice=NOT_ALLOWED, bob=NOT_ALLOWED, rita=NOT_ALLOWED, dave=NOT_ALLOWED, carol=NOT_ALLOWED)
        | {"anonymous": NOT_ALLOWED},
        post=portal_page(
            alice=redirect("portal:home"),
            bob=redirect("portal:home"),
            rita=redirect("portal:home"),
            dave=redirect("portal:home"),
            carol=redirect("portal:home"),
        )
        | {"anonymous": LOGIN},
        post_data=lambda world: {"contact": str(world.accesses["carol"].contact_id), "next": "/portal/"},
        note="POST only; a persona can switch only to a company it is a contact of: carol's Globex is refused",
    ),
    "portal:view_as_end": Row(
        get=portal_page(alice=NOT_ALLOWED, bob=NOT_ALLOWED, rita=NOT_ALLOWED, dave=NOT_ALLOWED, carol=NOT_ALLOWED)
        | {"anonymous": NOT_ALLOWED},
        post=portal_page(
            alice=redirect("portal:home"),
            bob=redirect("portal:home"),
            rita=redirect("portal:home"),
            dave=redirect("portal:home"),
            carol=redirect("portal:home"),
        )
        | {"anonymous": LOGIN},
        post_data=lambda world: {},
        note="POST only; ends staff viewing the portal as a contact (tested in access/tests/test_view_as.py)",
    ),
    "portal:accept_invitation": Row(
        url=_invitation_url,
        get=personas(OK),
        note="a public token link: the signed token is the credential, whoever holds it",
    ),
    "portal:branding": Row(
        url=_branding_url,
        get=personas(OK),
        note="public branding: the logo, once staff set one, for everyone (404 when none: test_settings.py)",
    ),
    # Knowledge base: its grant opens it (alice, bob, carol); each article's visibility narrows it further.
    "portal:kb": Row(
        url=_kb_url("portal:kb"),
        get=portal_page(**KB_READERS),
        note="rita's and dave's profiles lack the knowledge base: it does not exist for them",
    ),
    "portal:kb_suggest": Row(
        url=_kb_url("portal:kb_suggest", query="?q=printer+help"),
        get=portal_page(**KB_READERS),
        note="the HTMX partial behind case deflection",
    ),
    "portal:kb_article": Row(
        url=_kb_url("portal:kb_article", slug="kb-alice"),
        get=portal_page(**KB_ALICE_ONLY),
        note="an article for Alice's profile only: bob and carol read the knowledge base, yet get 404 as if missing",
    ),
    "portal:kb_image": Row(
        url=_kb_url("portal:kb_image", slug="kb-alice", image=True),
        get=portal_page(**KB_ALICE_ONLY),
        note="the image of the article for Alice's profile: the article's visibility applies to it",
    ),
    "portal:kb_vote": Row(
        url=_kb_url("portal:kb_vote", slug="kb-everyone"),
        get=portal_page(alice=NOT_ALLOWED, bob=NOT_ALLOWED, rita=NOT_FOUND, dave=NOT_FOUND, carol=NOT_ALLOWED),
        post=portal_page(alice=KB_VOTED, bob=KB_VOTED, rita=NOT_FOUND, dave=NOT_FOUND, carol=KB_VOTED),
        post_data=lambda world: {"helpful": "yes"},
        note="POST only; one vote per contact, recorded for the contact the persona acts as",
    ),
    # Cases: alice sees Acme's, bob his own, rita Acme's read-only, carol Globex's; dave lacks the module.
    "portal:cases": Row(url=_case_url("portal:cases", None), get=portal_page(**CASE_READERS)),
    "portal:cases_export": Row(
        url=_case_url("portal:cases_export", None),
        get=portal_page(**CASE_READERS),
        note="CSV of the list: the same scope; carol's Globex export never holds an Acme case",
    ),
    "portal:case_create": Row(
        url=_case_url("portal:case_create", None),
        get=portal_page(alice=OK, bob=OK, rita=FORBIDDEN, dave=NOT_FOUND, carol=OK),
        post=portal_page(
            alice=redirect("portal:case", writes=True),
            bob=redirect("portal:case", writes=True),
            rita=FORBIDDEN,
            dave=NOT_FOUND,
            carol=redirect("portal:case", writes=True),
        ),
        post_data=_hostile_case,
        note="the server sets contact and account: carol's id and Globex posted by an Acme persona are ignored",
    ),
    "portal:case_deflection": Row(
        url=lambda world: (_knowledge(world), _case_url("portal:case_deflection", None)(world))[1],
        get=portal_page(**POST_ONLY) | {"anonymous": NOT_ALLOWED},
        post=portal_page(
            alice=Expect(204, writes=True),
            bob=Expect(204, writes=True),
            rita=FORBIDDEN,
            dave=NOT_FOUND,
            carol=Expect(204, writes=True),
        )
        | {"anonymous": LOGIN},
        post_data=lambda world: {"article": "/portal/kb/kb-everyone/?from=case", "q": "printer"},
        note="POST only, from the new-case form: notes that a suggested article the persona may read was opened",
    ),
    "portal:case": Row(
        url=_case_url("portal:case"),
        get=portal_page(**BOBS_CASE),
        note="bob's case: alice and rita see Acme's cases; carol gets 404 as if it did not exist",
    ),
    "portal:case_updates": Row(
        url=_case_url("portal:case_updates", query="?since=0"),
        get=portal_page(**BOBS_CASE),
        note="the HTMX poll of the case page",
    ),
    "portal:case_reply": Row(
        url=_case_url("portal:case_reply"),
        get=portal_page(**POST_ONLY) | {"anonymous": NOT_ALLOWED},
        post=portal_page(
            alice=redirect("portal:case", writes=True), bob=redirect("portal:case", writes=True), **ON_BOBS_CASE
        )
        | {"anonymous": LOGIN},
        post_data=lambda world: {"body": "Still broken <b>here</b>", "contact": world.accesses["carol"].contact_id},
        note="POST only; rita may read but not write",
    ),
    "portal:case_close": Row(
        url=_case_url("portal:case_close"),
        get=portal_page(**POST_ONLY) | {"anonymous": NOT_ALLOWED},
        post=portal_page(
            alice=redirect("portal:case", writes=True), bob=redirect("portal:case", writes=True), **ON_BOBS_CASE
        )
        | {"anonymous": LOGIN},
        post_data=lambda world: {},
        note="POST only: mark as closed",
    ),
    "portal:case_reopen": Row(
        url=_case_url("portal:case_reopen", "resolved"),
        get=portal_page(**POST_ONLY) | {"anonymous": NOT_ALLOWED},
        post=portal_page(
            alice=redirect("portal:case", writes=True), bob=redirect("portal:case", writes=True), **ON_BOBS_CASE
        )
        | {"anonymous": LOGIN},
        post_data=lambda world: {},
        note="POST only: bob's resolved case, within the reopen window",
    ),
    "portal:case_rate": Row(
        url=_case_url("portal:case_rate", "resolved"),
        get=portal_page(**POST_ONLY) | {"anonymous": NOT_ALLOWED},
        post=portal_page(
            alice=redirect("portal:case", writes=True), bob=redirect("portal:case", writes=True), **ON_BOBS_CASE
        )
        | {"anonymous": LOGIN},
        post_data=lambda world: {"rating": "4", "comment": "Fine"},
        note="POST only: bob's resolved case",
    ),
    "portal:case_edit": Row(
        url=_case_url("portal:case_edit"),
        get=portal_page(alice=OK, bob=OK, **ON_BOBS_CASE),
        post=portal_page(
            alice=redirect("portal:case", writes=True), bob=redirect("portal:case", writes=True), **ON_BOBS_CASE
        ),
        post_data=lambda world: {"priority": "3", "subject": "Hijacked", "contact": world.accesses["carol"].contact_id},
        note="only category and priority are editable: the subject and contact posted are ignored",
    ),
    "portal:case_attachment": Row(
        url=_case_url("portal:case_attachment", "attachment"),
        get=portal_page(**BOBS_CASE),
        note="a file of bob's message: the case's scope applies (files of internal notes: test_security.py)",
    ),
    # allauth, mounted at /portal/account/: public entrance pages, and a few pages of one's own login.
    "account_login": Row(get=signed_in(redirect("portal:home"), anonymous=OK)),
    "account_logout": Row(get=signed_in(OK, anonymous=LOGIN), note="GET asks to confirm; POST signs out"),
    "account_inactive": Row(get=personas(OK)),
    "account_signup": Row(
        get=signed_in(redirect("portal:home"), anonymous=OK), note="sign-up is closed: a page saying so"
    ),
    "account_reauthenticate": Row(get=signed_in(OK)),
    "account_email": Row(
        get=personas(redirect("portal:my_details")),
        post=personas(redirect("portal:my_details")),
        post_data=lambda world: {"email": "mallory@evil.test", "action_add": ""},
        note="our redirect shadows allauth's email management: a login's address is staff's to change",
    ),
    "account_email_verification_sent": Row(get=personas(OK)),
    "account_confirm_email": Row(
        url=_email_confirmation_url, get=personas(OK), note="unknown key: an invalid-link page"
    ),
    "account_change_password": Row(get=signed_in(OK)),
    "account_set_password": Row(
        get=signed_in(redirect("account_change_password")),
        note="every persona here has a password, so allauth sends them to change it",
    ),
    "account_reset_password": Row(get=personas(OK)),
    "account_reset_password_done": Row(get=personas(OK)),
    "account_reset_password_from_key": Row(
        url=_password_reset_key_url,
        get=personas(redirect("account_reset_password_from_key", uidb36=None, key="set-password")),
        note="a valid key is moved into the session and the URL replaced, so it does not leak via Referer",
    ),
    "account_reset_password_from_key_done": Row(get=personas(OK)),
    "account_confirm_login_code": Row(
        get=signed_in(redirect("portal:home"), anonymous=LOGIN), note="login by code is off: nothing to confirm"
    ),
    "usersessions_list": Row(get=signed_in(OK), note="one's own sessions only"),
}


# --- Walking the URLconf ----------------------------------------------------------------------------------


def portal_url_names() -> set[str]:
    """Every URL name (with its namespace) whose pattern lies under /portal/; unnamed ones by their route."""
    found: set[str] = set()

    def walk(patterns, prefix: str, namespace: str | None) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern.url_patterns, route, inner)
            elif isinstance(pattern, URLPattern) and route.startswith("portal/"):
                if pattern.name:
                    found.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
                else:
                    found.add(f"unnamed URL /{route}")

    walk(get_resolver().url_patterns, "", None)
    return found


def test_every_portal_url_is_in_the_matrix():
    missing = portal_url_names() - set(MATRIX)
    assert not missing, f"Portal URLs missing from the access matrix (add them to MATRIX): {sorted(missing)}"


def test_the_matrix_names_no_url_that_does_not_exist():
    stale = set(MATRIX) - portal_url_names()
    assert not stale, f"MATRIX rows for URLs that no longer exist: {sorted(stale)}"


def test_the_walk_sees_the_allauth_and_session_urls():
    names = portal_url_names()
    assert {"account_login", "account_reset_password_from_key", "usersessions_list", "portal:home"} <= names


def test_every_row_of_the_matrix_names_every_persona():
    for name, row in MATRIX.items():
        for expectations in (row.get, row.post or {}):
            if expectations:
                assert set(expectations) == set(PERSONAS), f"{name}: {set(PERSONAS) ^ set(expectations)}"
        assert (row.post is None) == (row.post_data is None), name


# --- Running it -------------------------------------------------------------------------------------------


def _url(name: str, row: Row, world: World) -> str:
    return row.url(world) if row.url else reverse(name)


def _sign_in(client, world: World, persona: str):
    user = world.user(persona)
    if user is not None:
        client.force_login(user)
    return client


def _assert_outcome(response, expect: Expect, context: str) -> None:
    assert response.status_code == expect.status, f"{context}: expected {expect}, got {response.status_code}"
    if expect.to:
        match = resolve(response["Location"].split("?", 1)[0])
        assert match.view_name == expect.to, f"{context}: redirected to {response['Location']}, not {expect.to}"
        for key, value in expect.to_kwargs.items():
            if value is not None:
                assert match.kwargs.get(key) == value, f"{context}: {match.kwargs}"


def _assert_no_foreign_data(response, persona: str, context: str) -> None:
    """A persona sees only its own company's data; anonymous and staff without portal access see none."""
    body = b"".join(response.streaming_content) if response.streaming else response.content  # downloads stream
    content = body.decode(errors="replace")
    own = {"acme": ACME_MARKERS, "globex": GLOBEX_MARKERS}.get(COMPANY_OF.get(persona, ""), ())
    foreign = [marker for marker in (*ACME_MARKERS, *GLOBEX_MARKERS) if marker not in own]
    leaked = [marker for marker in foreign if marker in content]
    assert not leaked, f"{context}: {persona} was shown {leaked}"


def _snapshot() -> dict:
    """Everything a portal request could wrongly change."""
    return {
        "accounts": list(Account.objects.order_by("pk").values()),
        "contacts": list(Contact.objects.order_by("pk").values()),
        "users": list(User.objects.order_by("pk").values("pk", "email", "password", "language", "is_active")),
        "emails": list(EmailAddress.objects.order_by("pk").values()),
        "accesses": list(PortalAccess.objects.order_by("pk").values()),
        "audit": AuditEntry.objects.count(),
        "outbox": OutboxMessage.objects.count(),
        "cases": list(Case.objects.order_by("pk").values()),
        "case_messages": CaseMessage.objects.count(),
        "deflections": CaseDeflection.objects.count(),
    }


def _others_snapshot(world: World, persona: str) -> dict:
    """The records of every company but the persona's own: they never change, even after a permitted write."""
    own = {"acme": world.acme.pk, "globex": world.globex.pk}.get(COMPANY_OF.get(persona, ""))
    return {
        "accounts": list(Account.objects.exclude(pk=own).order_by("pk").values()),
        "contacts": list(Contact.objects.exclude(account_id=own).order_by("pk").values()),
    }


GET_CASES = [(name, persona) for name, row in MATRIX.items() for persona in row.get]
POST_CASES = [(name, persona) for name, row in MATRIX.items() if row.post for persona in row.post]


@pytest.mark.parametrize(("name", "persona"), GET_CASES, ids=[f"GET {n} as {p}" for n, p in GET_CASES])
def test_each_persona_gets_what_the_matrix_says(client, world, name, persona):
    row = MATRIX[name]
    url = _url(name, row, world)
    response = _sign_in(client, world, persona).get(url)
    context = f"GET {url} as {persona}"
    _assert_outcome(response, row.get[persona], context)
    _assert_no_foreign_data(response, persona, context)


@pytest.mark.parametrize(("name", "persona"), POST_CASES, ids=[f"POST {n} as {p}" for n, p in POST_CASES])
def test_a_post_changes_nothing_unless_the_matrix_allows_it(client, world, name, persona):
    row = MATRIX[name]
    assert row.post is not None and row.post_data is not None
    url = _url(name, row, world)
    client = _sign_in(client, world, persona)
    before, others_before = _snapshot(), _others_snapshot(world, persona)
    response = client.post(url, row.post_data(world))
    expect = row.post[persona]
    context = f"POST {url} as {persona}"
    _assert_outcome(response, expect, context)
    _assert_no_foreign_data(response, persona, context)
    assert _others_snapshot(world, persona) == others_before, f"{context} changed another company's records"
    if not expect.writes:
        assert _snapshot() == before, f"{context} changed the database"


def test_the_edits_the_matrix_allows_write_only_editable_fields_of_ones_own_records(client, world):
    client.force_login(world.user("carol"))
    client.post(reverse("portal:my_company_edit"), _hostile_company_edit(world))
    client.post(reverse("portal:my_details_edit"), _hostile_contact_edit(world))
    globex = Account.objects.get(pk=world.globex.pk)
    assert (globex.street_address, globex.city) == ("Evil street 1", "Evilton")
    assert (globex.name, globex.vat_number, globex.business_id, globex.parent_id) == (
        world.globex.name,
        "SE-GLOBEX-VAT",
        world.globex.business_id,
        None,
    )
    carol = Contact.objects.get(pk=world.accesses["carol"].contact_id)
    assert (carol.first_name, carol.email, carol.account_id) == ("Mallory", "carol@globex.example", world.globex.pk)


def test_an_ended_access_is_signed_out_at_its_next_portal_request(client, world):
    client.force_login(world.user("erin"))
    response = client.get(reverse("portal:my_details"))
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_email_management_never_adds_an_address(client, world):
    client.force_login(world.user("bob"))
    before = EmailAddress.objects.count()
    for data in ({"email": "second@evil.test", "action_add": ""}, {"email": "bob@acme.example", "action_remove": ""}):
        response = client.post(reverse("account_email"), data, follow=True)
        assert response.redirect_chain[0][0] == reverse("portal:my_details")
    assert EmailAddress.objects.count() == before
    assert not EmailAddress.objects.filter(email="second@evil.test").exists()


def test_the_sessions_page_lists_only_ones_own_sessions(world):
    from django.test import Client

    def sign_in(persona, browser):
        client = Client(HTTP_USER_AGENT=browser)
        email = world.user(persona).email
        assert client.post(reverse("account_login"), {"login": email, "password": TEST_PASSWORD}).status_code == 302
        return client

    sign_in("bob", "BobsSecretBrowser/1.0")
    response = sign_in("carol", "CarolsBrowser/2.0").get(reverse("usersessions_list"))
    assert response.status_code == 200
    assert b"CarolsBrowser" in response.content
    assert b"BobsSecretBrowser" not in response.content


def test_a_forged_or_tampered_invitation_link_is_a_404_for_everyone(client, world):
    token = make_invitation_token(world.invitee)
    for forged in ("forged", token[:-2] + "xx", token.replace(str(world.invitee.pk), "99999", 1)):
        response = client.get(reverse("portal:accept_invitation", kwargs={"token": forged}))
        assert response.status_code == 404
        assert b"ian@initech.test" not in response.content


def test_home_shows_a_persona_only_its_granted_modules(client, world):
    client.force_login(world.user("dave"))
    content = client.get(reverse("portal:home")).content
    assert reverse("portal:my_details").encode() in content
    assert reverse("portal:my_company").encode() not in content
