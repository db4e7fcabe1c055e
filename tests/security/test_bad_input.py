"""Bad input at every portal form: never a 500, a clear message, nothing changed, hostile text escaped.

Each form gets oversized values (past max_length, 1 MB), malformed ones (email, URL, country, language,
dates inside signed links), unicode (emoji, right-to-left, combining marks, NUL) and hostile ones
(HTML/script, SQL-ish strings, CRLF header injection, a `next` pointing to another host). A case either
names the message the person must see (and then the database must not change at all), or is acceptable
input (unicode names, passphrases) that must round-trip and be escaped wherever it is shown.

The Django test client re-raises any exception a view lets escape, so a 500 fails these tests loudly.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
import time_machine
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.urls import reverse

from portico.access.models import PortalAccess
from portico.access.tests.factories import (
    ACCOUNT_FIELDS,
    TEST_PASSWORD,
    PortalAccessFactory,
    ProfileFactory,
    grants,
)
from portico.access.tokens import make_invitation_token
from portico.core.models import AuditEntry, OutboxMessage
from portico.crm.models import Account, Contact
from portico.crm.tests.factories import ContactFactory
from portico.users.models import User

MB = "x" * 1_000_000  # a one-megabyte value: well under DATA_UPLOAD_MAX_MEMORY_SIZE, far over every field
SCRIPT = "<script>alert(1)</script>"
EVIL_HOSTS = ("https://evil.example/", "//evil.example/", "/\\evil.example", "\\\\evil.example", "javascript:alert(1)")

INVALID_EMAIL = "Enter a valid email address."
NULL_CHARS = "Null characters are not allowed."
TOO_LONG = "Ensure this value has at most"
NOT_A_CHOICE = "Select a valid choice."
REQUIRED = "This field is required."
BAD_LOGIN = "The email address and/or password you specified are not correct."


@dataclass(frozen=True)
class Case:
    """One value for one field, and the message it must produce (None: the value is acceptable)."""

    id: str
    value: str
    error: str | None = None

    @property
    def param(self):
        return pytest.param(self, id=self.id)


def params(cases: list[Case]):
    return [case.param for case in cases]


# --- Shared checks ----------------------------------------------------------------------------------------


def db_state() -> dict:
    """Everything a form post could change."""
    return {
        "accounts": list(Account.objects.order_by("pk").values()),
        "contacts": list(Contact.objects.order_by("pk").values()),
        "users": list(User.objects.order_by("pk").values("pk", "email", "password", "language", "is_active")),
        "emails": list(EmailAddress.objects.order_by("pk").values()),
        "accesses": list(PortalAccess.objects.order_by("pk").values("pk", "invitation_accepted_at", "is_active")),
        # A sign-in is audited; it is not a change a form post made.
        "audit": AuditEntry.objects.exclude(action="signed_in").count(),
        "outbox": OutboxMessage.objects.count(),
    }


def text_of(response) -> str:
    return html.unescape(response.content.decode(errors="replace"))


def assert_escaped(response, *values: str) -> None:
    """No value holding markup comes back raw: the template escaped it (or did not echo it at all)."""
    raw = response.content.decode(errors="replace")
    for value in values:
        if "<" in value or ">" in value or '"' in value:
            assert value not in raw, f"{value!r} was shown unescaped"


def assert_refused(response, case: Case, before: dict, statuses=(200, 400)) -> None:
    assert response.status_code in statuses, response.status_code
    assert case.error in text_of(response), f"{case.error!r} not shown for {case.id}"
    assert_escaped(response, case.value)
    assert db_state() == before, f"{case.id} changed the database"


def assert_no_injected_headers(response) -> None:
    for header, value in response.headers.items():
        assert "\n" not in value and "\r" not in value, header
        assert "evil" not in header.lower() and header.lower() != "bcc"
    assert "a" not in response.cookies  # from "Set-Cookie: a=b" attempts


# --- Personas ---------------------------------------------------------------------------------------------


@pytest.fixture
def bob(bob):
    """Bob as after accepting his invitation: his address is a verified, primary allauth EmailAddress.

    (Without it allauth creates the row the first time it checks a reset key, which is not a change of ours.)
    """
    EmailAddress.objects.create(user=bob.user, email=bob.user.email, verified=True, primary=True)
    return bob


@pytest.fixture
def editor(acme):
    """A company admin at Acme whose profile makes every field of My company editable that may ever be."""
    contact = ContactFactory(first_name="Ed", last_name="Editor", account=acme, email="ed@acme.example")
    profile = ProfileFactory(name="Ed's profile", grants=grants(my_company="edit", company_editable=ACCOUNT_FIELDS))
    return PortalAccessFactory(contact=contact, profile=profile, is_company_admin=True)


@pytest.fixture
def invitee(acme):
    """A contact invited to the portal who has not yet chosen a password."""
    contact = ContactFactory(first_name="Ines", last_name="Invited", account=acme, email="ines@acme.example")
    access = PortalAccessFactory(contact=contact, invitation_accepted_at=None)
    access.user.set_unusable_password()
    access.user.save()
    return access


# --- Sign in ----------------------------------------------------------------------------------------------

LOGIN_CASES = [
    Case("over-max-length", "a" * 320 + "@acme.example", TOO_LONG),
    Case("one-megabyte", MB, TOO_LONG),
    Case("not-an-email", "not-an-email", INVALID_EMAIL),
    Case("no-domain", "bob@", INVALID_EMAIL),
    Case("emoji", "😀😀😀@acme.example", INVALID_EMAIL),
    Case("right-to-left", "\u202ebob@acme.example", INVALID_EMAIL),
    Case("combining-marks", "bo\u0301\u0302b@acme.example", INVALID_EMAIL),
    Case("nul-byte", "bob\x00@acme.example", NULL_CHARS),
    Case("script", SCRIPT, INVALID_EMAIL),
    Case("sql-injection", "bob@acme.example' OR '1'='1", INVALID_EMAIL),
    Case("sql-comment", "' OR 1=1 --", INVALID_EMAIL),
    Case("crlf-bcc", "bob@acme.example\r\nBcc: evil@evil.example", INVALID_EMAIL),
    Case("empty", "", REQUIRED),
]


@pytest.mark.parametrize("case", params(LOGIN_CASES))
def test_sign_in_refuses_a_bad_email_clearly(client, bob, case):
    before = db_state()
    response = client.post(reverse("account_login"), {"login": case.value, "password": TEST_PASSWORD})
    assert_refused(response, case, before)
    assert "_auth_user_id" not in client.session
    assert_no_injected_headers(response)


PASSWORD_AT_LOGIN = [
    Case("one-megabyte-password", MB, BAD_LOGIN),
    Case("nul-in-password", TEST_PASSWORD + "\x00", NULL_CHARS),
    Case("sql-password", "' OR '1'='1' --", BAD_LOGIN),
    Case("empty-password", "", REQUIRED),
]


@pytest.mark.parametrize("case", params(PASSWORD_AT_LOGIN))
def test_sign_in_refuses_a_bad_password_clearly(client, bob, case):
    before = db_state()
    response = client.post(reverse("account_login"), {"login": bob.user.email, "password": case.value})
    assert_refused(response, case, before)
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("target", EVIL_HOSTS)
def test_sign_in_never_redirects_to_another_host(client, bob, target):
    page = client.get(reverse("account_login"), {"next": target})
    assert page.status_code == 200
    response = client.post(
        reverse("account_login"), {"login": bob.user.email, "password": TEST_PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")


def test_sign_in_escapes_a_hostile_next_parameter(client, db):
    response = client.get(reverse("account_login"), {"next": '/portal/"><script>alert(1)</script>'})
    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.content


# --- Password reset request -------------------------------------------------------------------------------

RESET_REQUEST_CASES = LOGIN_CASES


@pytest.mark.parametrize("case", params(RESET_REQUEST_CASES))
def test_password_reset_request_refuses_a_bad_email_and_sends_nothing(client, bob, case):
    before = db_state()
    response = client.post(reverse("account_reset_password"), {"email": case.value})
    assert_refused(response, case, before)
    assert_no_injected_headers(response)


def test_password_reset_request_for_a_known_address_sends_one_email_to_that_address_only(client, bob):
    response = client.post(reverse("account_reset_password"), {"email": "BOB@acme.example"})
    assert response.status_code == 302
    assert list(OutboxMessage.objects.values_list("to", flat=True)) == ["bob@acme.example"]


# --- Choosing a password: reset from key, change, invitation ----------------------------------------------

PASSWORD_CASES = [
    Case("over-max-length", "a long passphrase " * 15, "This password is too long."),
    Case("one-megabyte", MB, "This password is too long."),
    Case("too-short", "kissa", "This password is too short."),
    Case("too-common", "password123", "This password is too common."),
    Case("product-name", "Portico2026!", "This password is too easy to guess."),
    Case("nul-byte", "correct horse\x00battery", NULL_CHARS),
    Case("empty", "", REQUIRED),
    # Acceptable passphrases: they must be saved exactly as typed.
    Case("emoji", "🦄🌈 sateenkaari yksisarvinen 🦄"),
    Case("right-to-left", "كلمة مرور طويلة وآمنة جدا"),
    Case("combining-marks", "e\u0301e\u0301 combining passphrase"),
    Case("script", SCRIPT + " and more words"),
    Case("sql", "'; DROP TABLE users_user; -- words"),
    Case("crlf", "two\r\nlines of passphrase"),
]
MISMATCH = Case("mismatch", "one long passphrase here", None)


def _reset_form_url(client, user) -> str:
    key = default_token_generator.make_token(user)
    url = reverse("account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": key})
    response = client.get(url)
    assert response.status_code == 302
    return response["Location"]


def _assert_password_outcome(response, case: Case, before: dict, user: User, success_statuses=(302,)) -> None:
    if case.error:
        assert_refused(response, case, before)
        user.refresh_from_db()
        assert not user.check_password(case.value)
    else:
        assert response.status_code in success_statuses, text_of(response)[:2000]
        user.refresh_from_db()
        assert user.check_password(case.value)


@pytest.mark.parametrize("case", params(PASSWORD_CASES))
def test_password_reset_from_key_refuses_bad_passwords_and_keeps_good_ones_exactly(client, bob, case):
    url = _reset_form_url(client, bob.user)
    before = db_state()
    response = client.post(url, {"password1": case.value, "password2": case.value})
    _assert_password_outcome(response, case, before, bob.user)


@pytest.mark.parametrize("case", params(PASSWORD_CASES))
def test_password_change_refuses_bad_passwords_and_keeps_good_ones_exactly(client, bob, case):
    client.force_login(bob.user)
    before = db_state()
    data = {"oldpassword": TEST_PASSWORD, "password1": case.value, "password2": case.value}
    response = client.post(reverse("account_change_password"), data)
    _assert_password_outcome(response, case, before, bob.user)


@pytest.mark.parametrize("case", params(PASSWORD_CASES))
def test_invitation_refuses_bad_passwords_and_keeps_good_ones_exactly(client, invitee, case):
    url = reverse("portal:accept_invitation", kwargs={"token": make_invitation_token(invitee)})
    before = db_state()
    response = client.post(url, {"new_password1": case.value, "new_password2": case.value})
    _assert_password_outcome(response, case, before, invitee.user)


def test_mismatched_passwords_are_refused_on_every_password_form(client, bob, invitee):
    first, second = "one long passphrase here", "another long passphrase"
    forms = [
        (_reset_form_url(client, bob.user), {"password1": first, "password2": second}),
        (
            reverse("portal:accept_invitation", kwargs={"token": make_invitation_token(invitee)}),
            {"new_password1": first, "new_password2": second},
        ),
    ]
    before = db_state()
    for url, data in forms:
        response = client.post(url, data)
        assert response.status_code in (200, 400)
        assert "same password" in text_of(response) or "didn’t match" in text_of(response)
    client.force_login(bob.user)
    response = client.post(
        reverse("account_change_password"), {"oldpassword": TEST_PASSWORD, "password1": first, "password2": second}
    )
    assert "same password" in text_of(response)
    assert db_state() == before


@pytest.mark.parametrize("old", ["wrong password", MB, SCRIPT, "x\x00y"], ids=["wrong", "1mb", "script", "nul"])
def test_password_change_with_a_bad_current_password_changes_nothing(client, bob, old):
    client.force_login(bob.user)
    before = db_state()
    data = {"oldpassword": old, "password1": "a fresh long passphrase", "password2": "a fresh long passphrase"}
    response = client.post(reverse("account_change_password"), data)
    assert response.status_code == 200
    assert "current password" in text_of(response).lower() or NULL_CHARS in text_of(response)
    assert_escaped(response, old)
    assert db_state() == before


# --- Signed links with bad dates and forged parts ---------------------------------------------------------


def _reset_keys(user) -> list[tuple[str, str, str]]:
    timestamp, signature = default_token_generator.make_token(user).split("-")
    uid = user_pk_to_url_str(user)
    return [
        ("timestamp-overflow", uid, "zzzzzzzzzzzzzzzzzzzzzz-" + signature),
        ("timestamp-zero", uid, "0-" + signature),
        ("timestamp-empty", uid, "-" + signature),
        ("timestamp-in-the-future", uid, "zzzzzz-" + signature),
        ("no-separator", uid, "abc"),
        ("huge-key", uid, "1" * 5000),
        ("unknown-user", "zzzzzzzzzzzzzzzzzzzz", f"{timestamp}-{signature}"),
        ("forged-signature", uid, f"{timestamp}-{'0' * len(signature)}"),
    ]


def test_a_password_reset_link_with_a_bad_date_or_forged_key_is_refused_clearly(client, bob):
    before = db_state()
    for label, uid, key in _reset_keys(bob.user):
        url = reverse("account_reset_password_from_key", kwargs={"uidb36": uid, "key": key})
        response = client.get(url)
        assert response.status_code == 200, label
        assert "This link is no longer valid" in text_of(response), label
        response = client.post(url, {"password1": "a fresh long passphrase", "password2": "a fresh long passphrase"})
        assert response.status_code == 200, label
        assert "This link is no longer valid" in text_of(response), label
    assert db_state() == before


def test_an_expired_password_reset_link_is_refused_clearly(client, bob):
    later = time.time() + settings.PASSWORD_RESET_TIMEOUT + 60  # a timestamp: immune to time-zone confusion
    key = default_token_generator.make_token(bob.user)
    url = reverse("account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(bob.user), "key": key})
    with time_machine.travel(later):
        response = client.get(url, follow=True)
    assert response.status_code == 200
    assert "This link is no longer valid" in text_of(response)


def _invitation_tokens(access) -> list[tuple[str, str]]:
    value, timestamp, signature = make_invitation_token(access).rsplit(":", 2)
    return [
        ("timestamp-overflow", f"{value}:zzzzzzzzzzzzzzzzzzzz:{signature}"),
        ("timestamp-zero", f"{value}:0:{signature}"),
        ("timestamp-empty", f"{value}::{signature}"),
        ("timestamp-negative", f"{value}:-1:{signature}"),
        ("huge", "a" * 5000),
        ("only-separators", ":::"),
        ("other-access", f"99999.{value.split('.', 1)[1]}:{timestamp}:{signature}"),
        ("nul", f"{value}:{timestamp}:{signature}\x00"),
    ]


def test_an_invitation_link_with_a_bad_date_or_forged_parts_is_a_clear_404(client, invitee):
    before = db_state()
    for label, token in _invitation_tokens(invitee):
        url = reverse("portal:accept_invitation", kwargs={"token": token})
        for response in (client.get(url), client.post(url, {"new_password1": "x" * 12, "new_password2": "x" * 12})):
            assert response.status_code == 404, label
            assert "ines@acme.example" not in text_of(response), label
    assert db_state() == before


def test_an_expired_invitation_link_is_a_404(client, invitee):
    url = reverse("portal:accept_invitation", kwargs={"token": make_invitation_token(invitee)})
    with time_machine.travel(time.time() + settings.PORTAL_INVITATION_TIMEOUT + 60):
        assert client.get(url).status_code == 404


# --- My details -------------------------------------------------------------------------------------------

SINGLE_LINE = "Use a single line of plain text."
DETAILS_CASES = [
    Case("first-name-over-max-length", "a" * 101, TOO_LONG),
    Case("job-title-one-megabyte", MB, TOO_LONG),
    Case("phone-over-max-length", "1" * 41, TOO_LONG),
    Case("phone-letters", "call me maybe", "Enter a phone number"),
    Case("phone-script", SCRIPT, "Enter a phone number"),
    Case("language-unknown", "xx", NOT_A_CHOICE),
    Case("language-uppercase", "EN", NOT_A_CHOICE),
    Case("language-one-megabyte", MB, NOT_A_CHOICE),
    Case("language-nul", "en\x00", NOT_A_CHOICE),
    Case("first-name-nul", "Bo\x00b", NULL_CHARS),
    Case("first-name-empty", "", REQUIRED),
    Case("first-name-only-spaces", "   ", REQUIRED),
    # Acceptable values: saved verbatim, escaped when shown.
    Case("first-name-emoji", "Bob 😀🎉"),
    Case("first-name-right-to-left", "بوب"),
    Case("first-name-combining-marks", "Bo\u0301\u0302\u0303b"),
    Case("first-name-script", SCRIPT),
    Case("last-name-sql", "'; DROP TABLE crm_contact; --"),
    # One-line text refuses line breaks, control characters and bidirectional overrides.
    Case("first-name-rtl-override", "\u202ebob", SINGLE_LINE),
    Case("job-title-crlf", "Buyer\r\nSet-Cookie: a=b", SINGLE_LINE),
    Case("last-name-tab-bell", "Basic\t\x07", SINGLE_LINE),
]
DETAILS_FIELD = {
    "first-name": "first_name",
    "last-name": "last_name",
    "job-title": "job_title",
    "phone": "phone",
    "language": "language",
}


def _field_of(case: Case) -> str:
    return next(field for prefix, field in DETAILS_FIELD.items() if case.id.startswith(prefix))


@pytest.mark.parametrize("case", params(DETAILS_CASES))
def test_my_details_edit_refuses_bad_values_and_escapes_accepted_ones(portal_client, bob, case):
    client = portal_client(bob)
    field = _field_of(case)
    before = db_state()
    data = {"first_name": "Bob", "last_name": "Basic", "language": "en", field: case.value}
    response = client.post(reverse("portal:my_details_edit"), data)
    assert_no_injected_headers(response)
    if case.error:
        assert_refused(response, case, before, statuses=(400,))
        return
    assert response.status_code == 302
    contact = Contact.objects.get(pk=bob.contact_id)
    assert getattr(contact, field) == case.value.strip()
    for url in (reverse("portal:my_details"), reverse("portal:my_details_edit"), reverse("portal:home")):
        page = client.get(url)
        assert page.status_code == 200
        assert_escaped(page, case.value)


def test_my_details_edit_ignores_fields_the_profile_does_not_allow(portal_client, bob, globex):
    before = Contact.objects.filter(pk=bob.contact_id).values().get()
    response = portal_client(bob).post(
        reverse("portal:my_details_edit"),
        {
            "first_name": "Bob",
            "last_name": "Basic",
            "language": "en",
            "email": "attacker@evil.example",  # never editable: the login
            "account": globex.pk,  # not a field of the module
            "owner": User.objects.create_superuser(email="boss@portico.example").pk,
            "id": 999,
            "created_at": "2000-01-01T00:00:00Z",
        },
    )
    assert response.status_code == 302
    after = Contact.objects.filter(pk=bob.contact_id).values().get()
    for name in ("email", "account_id", "owner_id", "id", "created_at"):
        assert after[name] == before[name], name


def test_read_only_details_ignore_every_posted_field(portal_client, acme):
    contact = ContactFactory(first_name="Rita", last_name="Reader", account=acme, email="rita@acme.example")
    rita = PortalAccessFactory(contact=contact, profile=ProfileFactory(grants=grants(my_details="read")))
    before = db_state()
    response = portal_client(rita).post(reverse("portal:my_details_edit"), {"first_name": "Hacked", "language": "fi"})
    assert response.status_code == 403
    assert db_state() == before


# --- My company -------------------------------------------------------------------------------------------

COMPANY_CASES = [
    Case("website-javascript", "javascript:alert(1)", "Enter a valid URL."),
    Case("website-not-a-url", "not a url", "Enter a valid URL."),
    Case("website-over-max-length", "https://" + "a" * 300 + ".example", TOO_LONG),
    Case("website-crlf", "https://acme.example/\r\nSet-Cookie: a=b", "Enter a valid URL."),
    Case("country-unknown", "XX", NOT_A_CHOICE),
    Case("country-lowercase", "fi", NOT_A_CHOICE),
    Case("country-three-letters", "FIN", NOT_A_CHOICE),
    Case("country-nul", "F\x00", NOT_A_CHOICE),
    Case("email-malformed", "info(at)acme", INVALID_EMAIL),
    Case("email-crlf-bcc", "info@acme.example\r\nBcc: evil@evil.example", INVALID_EMAIL),
    Case("email-script", SCRIPT, INVALID_EMAIL),
    Case("postal-code-over-max-length", "1" * 21, TOO_LONG),
    Case("street-address-one-megabyte", MB, TOO_LONG),
    Case("phone-sql", "1; DROP TABLE crm_account", "Enter a phone number"),
    Case("name-empty", "", REQUIRED),
    Case("city-nul", "Hel\x00sinki", NULL_CHARS),
    # Acceptable values: saved verbatim, escaped when shown.
    Case("city-script", '<img src=x onerror="alert(1)">'),
    Case("street-address-emoji", "Ankkalinnantie 1 🦆"),
    Case("street-address-right-to-left", "شارع الملك فهد"),
    Case("name-combining-marks", "Acme\u0301 Oy"),
    Case("name-sql", "Acme'; DROP TABLE crm_account; --"),
]
COMPANY_FIELD = {
    "website": "website",
    "country": "country",
    "email": "email",
    "postal-code": "postal_code",
    "street-address": "street_address",
    "phone": "phone",
    "name": "name",
    "city": "city",
}


@pytest.mark.parametrize("case", params(COMPANY_CASES))
def test_my_company_edit_refuses_bad_values_and_escapes_accepted_ones(portal_client, editor, case):
    client = portal_client(editor)
    field = next(field for prefix, field in COMPANY_FIELD.items() if case.id.startswith(prefix))
    before = db_state()
    data = {"name": "Acme Oy", "country": "FI", field: case.value}
    response = client.post(reverse("portal:my_company_edit"), data)
    assert_no_injected_headers(response)
    if case.error:
        assert_refused(response, case, before, statuses=(400,))
        return
    assert response.status_code == 302
    account = Account.objects.get(pk=editor.contact.account_id)
    assert getattr(account, field) == case.value
    for url in (reverse("portal:my_company"), reverse("portal:my_company_edit"), reverse("portal:home")):
        page = client.get(url)
        assert page.status_code == 200
        assert_escaped(page, case.value)


def test_my_company_edit_ignores_fields_the_profile_does_not_allow(portal_client, alice, globex):
    account = alice.contact.account
    before = Account.objects.filter(pk=account.pk).values().get()
    response = portal_client(alice).post(
        reverse("portal:my_company_edit"),
        {
            "street_address": "Uusi katu 1",
            "name": "Hijacked Ltd",  # read-only for alice
            "vat_number": "HIJACKED",  # hidden from alice
            "business_id": "HIJACKED",  # never editable
            "country": "SE",  # read-only
            "website": "https://evil.example/",  # read-only
            "parent": globex.pk,  # not a field of the module
            "is_active": "",  # not a field of the module
            "owner": User.objects.create_superuser(email="boss@portico.example").pk,
        },
    )
    assert response.status_code == 302
    after = Account.objects.filter(pk=account.pk).values().get()
    assert after["street_address"] == "Uusi katu 1"
    for name in ("name", "vat_number", "business_id", "country", "website", "parent_id", "is_active", "owner_id"):
        assert after[name] == before[name], name


def test_business_id_stays_read_only_even_for_a_profile_that_edits_everything(portal_client, editor):
    account = editor.contact.account
    response = portal_client(editor).post(
        reverse("portal:my_company_edit"), {"name": "Acme Oy", "country": "FI", "business_id": "HIJACKED"}
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.business_id != "HIJACKED"


# --- Language switch --------------------------------------------------------------------------------------

LANGUAGE_CASES = [
    Case("unknown", "xx", "That language is not available."),
    Case("uppercase", "FI", "That language is not available."),
    Case("region", "en-us", "That language is not available."),
    Case("empty", "", "That language is not available."),
    Case("one-megabyte", MB, "That language is not available."),
    Case("nul", "fi\x00", "That language is not available."),
    Case("emoji", "😀", "That language is not available."),
    Case("script", SCRIPT, "That language is not available."),
    Case("sql", "fi'; DROP TABLE users_user; --", "That language is not available."),
    Case("crlf-cookie", "fi\r\nSet-Cookie: a=b", "That language is not available."),
]


@pytest.mark.parametrize("case", params(LANGUAGE_CASES))
@pytest.mark.parametrize("signed_in", [True, False], ids=["signed-in", "anonymous"])
def test_language_switch_refuses_unknown_languages_clearly(client, bob, case, signed_in):
    if signed_in:
        client.force_login(bob.user)
    before = db_state()
    response = client.post(reverse("portal:set_language"), {"language": case.value, "next": "/portal/me/"})
    assert response.status_code == 302
    assert response["Location"] == "/portal/me/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert_no_injected_headers(response)
    assert db_state() == before
    shown = client.get(reverse("account_login") if not signed_in else "/portal/me/")
    assert case.error in text_of(shown)


@pytest.mark.parametrize("target", [*EVIL_HOSTS, "/portal/\r\nSet-Cookie: a=b", "https://testserver.evil.example/"])
def test_language_switch_never_redirects_to_another_host(portal_client, bob, target):
    response = portal_client(bob).post(reverse("portal:set_language"), {"language": "fi", "next": target})
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/portal/") and not urlsplit(location).netloc, location
    assert_no_injected_headers(response)
    bob.user.refresh_from_db()
    assert bob.user.language == "fi"


# --- Whole requests ---------------------------------------------------------------------------------------


def _all_form_urls(client, bob, invitee):
    return [
        reverse("account_login"),
        reverse("account_reset_password"),
        _reset_form_url(client, bob.user),
        reverse("portal:accept_invitation", kwargs={"token": make_invitation_token(invitee)}),
        reverse("portal:set_language"),
    ]


def test_a_body_over_the_upload_limit_is_a_400_everywhere(client, alice, invitee):
    body = {"first_name": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}
    urls = _all_form_urls(client, alice, invitee)
    client.force_login(alice.user)
    before = db_state()
    urls += [reverse("portal:my_details_edit"), reverse("portal:my_company_edit"), reverse("account_change_password")]
    for url in urls:
        assert client.post(url, body).status_code == 400, url
    assert db_state() == before


def test_an_empty_or_repeated_field_post_is_never_a_500(client, alice, invitee):
    urls = _all_form_urls(client, alice, invitee)
    client.force_login(alice.user)
    urls += [reverse("portal:my_details_edit"), reverse("portal:my_company_edit"), reverse("account_change_password")]
    for url in urls:
        for data in ({}, {"first_name": ["A", "B"], "language": ["fi", "xx"], "country": ["FI", "SE"]}):
            response = client.post(url, data)
            assert response.status_code in (200, 302, 400), (url, response.status_code)
