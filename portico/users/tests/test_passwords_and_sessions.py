"""Passwords (reset, change, rules, temporary, hashing) and sessions (rotation, timeouts, ending, rate limits)."""

import importlib
import re
from datetime import timedelta

import pytest
import time_machine
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth.hashers import identify_hasher, make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portico.access import services
from portico.access.tests.factories import TEST_PASSWORD
from portico.core.models import AuditEntry, OutboxMessage
from portico.users.models import User

NEW_PASSWORD = "velvet thunder under quiet harbour lights"
RESET_LINK = re.compile(r"/portal/account/password/reset/key/[^\s\"<]+/")


def frozen():
    """Stop the clock at the present moment; move it with the returned traveller's shift()."""
    return time_machine.travel(timezone.now(), tick=False)


@pytest.fixture(autouse=True)
def empty_cache(db):
    """allauth keeps its rate limits in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


def sign_in(client, email, password=TEST_PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def request_reset(client, email):
    return client.post(reverse("account_reset_password"), {"email": email})


def reset_link(email):
    message = OutboxMessage.objects.filter(to=email, kind="password_reset_key").latest("pk")
    return RESET_LINK.search(message.body_text).group(0)


def choose_new_password(client, link, password=NEW_PASSWORD):
    """Open a reset link and submit a new password; return the final response of the form post."""
    opened = client.get(link)
    if opened.status_code != 302:
        return opened
    return client.post(opened["Location"], {"password1": password, "password2": password})


def without_tokens(content):
    """Page content with per-request values (CSRF token, echoed input) blanked out."""
    return re.sub(rb'value="[^"]*"', b'value=""', content)


# ---------------------------------------------------------------- password reset


def test_password_reset_answers_the_same_whether_or_not_the_email_exists(client, bob):
    known = request_reset(client, "bob@acme.example")
    unknown = request_reset(client, "nobody@acme.example")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("account_reset_password_done")
    assert without_tokens(client.get(known["Location"]).content) == without_tokens(
        client.get(unknown["Location"]).content
    )
    assert not OutboxMessage.objects.filter(to="nobody@acme.example", kind="password_reset_key").exists()


def test_password_reset_mail_goes_to_the_outbox(client, bob):
    request_reset(client, "BOB@acme.example")
    message = OutboxMessage.objects.get(kind="password_reset_key")
    assert message.to == "bob@acme.example"
    assert message.status == "queued"
    assert RESET_LINK.search(message.body_text)


def test_password_reset_link_works_once(client, bob):
    request_reset(client, "bob@acme.example")
    link = reset_link("bob@acme.example")
    response = choose_new_password(client, link)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_from_key_done")
    bob.user.refresh_from_db()
    assert bob.user.check_password(NEW_PASSWORD)

    again = choose_new_password(Client(), link, "a different long passphrase")
    assert again.status_code == 200
    assert again.context["token_fail"]
    assert b"no longer valid" in again.content
    bob.user.refresh_from_db()
    assert bob.user.check_password(NEW_PASSWORD)
    assert sign_in(Client(), "bob@acme.example", NEW_PASSWORD).status_code == 302


def test_password_reset_link_works_just_under_one_hour(client, bob):
    with frozen() as traveller:
        request_reset(client, "bob@acme.example")
        traveller.shift(timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT - 60))
        assert choose_new_password(client, reset_link("bob@acme.example")).status_code == 302


def test_password_reset_link_is_refused_after_one_hour(client, bob):
    assert settings.PASSWORD_RESET_TIMEOUT == 3600
    with frozen() as traveller:
        request_reset(client, "bob@acme.example")
        traveller.shift(timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1))
        response = choose_new_password(client, reset_link("bob@acme.example"))
    assert response.status_code == 200
    assert response.context["token_fail"]
    bob.user.refresh_from_db()
    assert bob.user.check_password(TEST_PASSWORD)


# ---------------------------------------------------------------- password change and rules


def change_password(client, old, new):
    return client.post(reverse("account_change_password"), {"oldpassword": old, "password1": new, "password2": new})


def test_password_change_needs_the_current_password(client, bob):
    sign_in(client, "bob@acme.example")
    wrong = change_password(client, "not the current one", NEW_PASSWORD)
    assert wrong.status_code == 200
    assert wrong.context["form"].errors["oldpassword"]
    bob.user.refresh_from_db()
    assert bob.user.check_password(TEST_PASSWORD)

    right = change_password(client, TEST_PASSWORD, NEW_PASSWORD)
    assert right.status_code == 302
    bob.user.refresh_from_db()
    assert bob.user.check_password(NEW_PASSWORD)
    assert client.get(reverse("portal:home")).status_code == 200  # still signed in after the change


@pytest.mark.parametrize(
    "password",
    [
        "velvetthunderharbour",  # all lowercase, no digits or symbols: no composition rules
        "tulip omen",  # exactly the minimum of 10 characters
        "the quiet harbour lights " * 10 + "shine",  # a long passphrase: 255 characters
        "x" * 7 + "quiet harbour " * 17 + "lights",  # exactly 256 characters
    ],
)
def test_password_rules_accept_passphrases_without_composition_rules(bob, password):
    assert len(password) <= 256
    validate_password(password, user=bob.user)


@pytest.mark.parametrize(
    "password, code",
    [
        ("ninechars", "password_too_short"),
        ("quiet harbour " * 18 + "lights", "password_too_long"),  # 258 characters
        ("1234567890", "password_too_common"),
        ("qwertyuiop", "password_too_common"),
        ("basketball", "password_too_common"),
        ("Portico!!!!", "password_context"),
        ("PASSWORD-2026", "password_context"),
    ],
)
def test_password_rules_refuse_short_long_and_common_passwords(bob, password, code):
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user=bob.user)
    assert code in {error.code for error in refused.value.error_list}


def test_password_change_form_applies_the_password_rules(client, bob):
    sign_in(client, "bob@acme.example")
    response = change_password(client, TEST_PASSWORD, "1234567890")
    assert response.status_code == 200
    assert response.context["form"].errors["password1"]
    bob.user.refresh_from_db()
    assert bob.user.check_password(TEST_PASSWORD)


def test_argon2_is_the_first_password_hasher_in_production(settings):
    production = importlib.import_module("portico.config.settings")
    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    assert identify_hasher(make_password(NEW_PASSWORD)).algorithm == "argon2"


# ---------------------------------------------------------------- temporary passwords


def temporary_password_for(staff_client, access):
    response = staff_client.post(
        reverse("admin:crm_contact_changelist"),
        {"action": "temporary_password", "_selected_action": [access.contact.pk]},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    passwords = re.findall(r'<code class="temporary-password">([^<]+)</code>', response.content.decode())
    assert len(passwords) == 1
    return passwords[0]


def test_temporary_password_is_shown_once_to_staff_and_stored_only_hashed(admin_client, bob):
    password = temporary_password_for(admin_client, bob)
    assert len(password) >= 10
    bob.user.refresh_from_db()
    assert bob.user.must_change_password
    assert bob.user.check_password(password)
    assert password not in bob.user.password
    assert AuditEntry.objects.filter(action="portal_access.temporary_password").exists()
    assert all(password not in str(entry.changes) for entry in AuditEntry.objects.all())
    assert not OutboxMessage.objects.exists()
    changelist = admin_client.get(reverse("admin:crm_contact_changelist"))
    assert password.encode() not in changelist.content


def test_temporary_password_must_be_changed_at_first_login(admin_client, client, bob):
    password = temporary_password_for(admin_client, bob)
    assert sign_in(client, "bob@acme.example", TEST_PASSWORD).status_code == 200  # the old one is gone
    assert sign_in(client, "bob@acme.example", password).status_code == 302
    change_page = reverse("account_change_password")
    for page in ("portal:home", "portal:my_details", "portal:my_company"):
        response = client.get(reverse(page))
        assert response.status_code == 302
        assert response["Location"] == change_page
    assert b"temporary password" in client.get(change_page).content

    response = change_password(client, password, NEW_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    bob.user.refresh_from_db()
    assert not bob.user.must_change_password
    assert client.get(reverse("portal:home")).status_code == 200


def test_password_reset_also_clears_the_temporary_password_flag(admin_client, client, bob):
    temporary_password_for(admin_client, bob)
    request_reset(client, "bob@acme.example")
    assert choose_new_password(client, reset_link("bob@acme.example")).status_code == 302
    bob.user.refresh_from_db()
    assert not bob.user.must_change_password


# ---------------------------------------------------------------- sessions


def test_session_key_rotates_at_login(client, bob):
    before = client.session.session_key
    assert Session.objects.filter(session_key=before).exists()
    assert sign_in(client, "bob@acme.example").status_code == 302
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert client.session["_auth_user_id"] == str(bob.user.pk)


def test_idle_session_ends_after_the_idle_timeout(client, bob):
    idle = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert idle - timedelta(minutes=1) > timedelta(seconds=settings.SESSION_REFRESH_INTERVAL)
    with frozen() as traveller:
        sign_in(client, "bob@acme.example")
        for _ in range(3):  # activity keeps the session alive well past one idle period
            traveller.shift(idle - timedelta(minutes=1))
            assert client.get(reverse("portal:home")).status_code == 200
        traveller.shift(idle + timedelta(minutes=1))
        response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_active_session_ends_after_the_absolute_timeout(client, bob):
    absolute = timedelta(seconds=settings.SESSION_ABSOLUTE_TIMEOUT)
    step = timedelta(seconds=settings.SESSION_COOKIE_AGE) - timedelta(minutes=5)
    with frozen() as traveller:
        sign_in(client, "bob@acme.example")
        elapsed = timedelta(0)
        while elapsed + step <= absolute:
            traveller.shift(step)
            elapsed += step
            assert client.get(reverse("portal:home")).status_code == 200
        traveller.shift(absolute - elapsed + timedelta(minutes=1))
        response = client.get(reverse("portal:home"))
        assert response.status_code == 302
        assert response["Location"] == reverse("account_login")
        assert "_auth_user_id" not in client.session
        assert b"Your session has ended" in client.get(response["Location"]).content
        assert sign_in(client, "bob@acme.example").status_code == 302  # signing in again starts a new clock
        assert client.get(reverse("portal:home")).status_code == 200


def test_absolute_timeout_also_applies_to_the_back_office(client, sam):
    with frozen() as traveller:
        client.post(reverse("admin:login"), {"username": "sam@portico.example", "password": "sam-password-2026"})
        assert client.get(reverse("admin:index")).status_code == 200
        for _ in range(7):
            traveller.shift(timedelta(hours=1, minutes=50))
            client.get(reverse("admin:index"))
        response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_revoking_access_ends_every_session_of_the_login(bob, sam, django_capture_on_commit_callbacks):
    office, home = Client(), Client()
    for browser in (office, home):
        assert sign_in(browser, "bob@acme.example").status_code == 302
        assert browser.get(reverse("account_change_password")).status_code == 200
    assert UserSession.objects.filter(user=bob.user).count() == 2
    keys = [browser.cookies[settings.SESSION_COOKIE_NAME].value for browser in (office, home)]

    with django_capture_on_commit_callbacks(execute=True):
        services.revoke_access(access=bob, actor=sam)

    assert not Session.objects.filter(session_key__in=keys).exists()
    assert not UserSession.objects.filter(user=bob.user).exists()
    for browser in (office, home):
        # A page outside the portal's access check: only the ended session can sign him out here.
        response = browser.get(reverse("account_change_password"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


# ---------------------------------------------------------------- login rate limit and enumeration


def test_failed_logins_limit_the_account_briefly_then_a_correct_login_works(client, bob, alice):
    with frozen() as traveller:
        for _ in range(5):
            response = sign_in(client, "bob@acme.example", "wrong guess number")
            assert b"are not correct" in response.content
        limited = sign_in(client, "bob@acme.example")
        assert limited.status_code == 200
        assert b"Too many failed login attempts" in limited.content
        elsewhere = Client(REMOTE_ADDR="192.0.2.44")
        assert b"Too many failed login attempts" in sign_in(elsewhere, "bob@acme.example").content
        assert sign_in(Client(REMOTE_ADDR="192.0.2.45"), "alice@acme.example").status_code == 302

        traveller.shift(timedelta(minutes=5, seconds=1))
        assert sign_in(client, "bob@acme.example").status_code == 302
        assert client.get(reverse("portal:home")).status_code == 200


def test_successful_logins_do_not_count_towards_the_limit(bob):
    for _ in range(8):
        browser = Client()
        assert sign_in(browser, "bob@acme.example").status_code == 302


def test_failed_login_does_not_reveal_whether_the_email_exists(client, bob):
    known = sign_in(client, "bob@acme.example", "wrong guess number")
    unknown = sign_in(client, "nobody@acme.example", "wrong guess number")
    assert known.status_code == unknown.status_code == 200
    assert without_tokens(known.content) == without_tokens(unknown.content)
    for _ in range(5):
        known = sign_in(client, "bob@acme.example", "wrong guess number")
        unknown = sign_in(client, "nobody@acme.example", "wrong guess number")
    assert b"Too many failed login attempts" in known.content
    assert without_tokens(known.content) == without_tokens(unknown.content)


def test_refusal_reasons_need_the_correct_password(client, bob):
    services.revoke_access(access=bob, actor=User.objects.create_superuser(email="ops@portico.example"))
    wrong = sign_in(client, "bob@acme.example", "wrong guess number")
    assert b"no portal access" not in wrong.content.lower()
    right = sign_in(client, "bob@acme.example")
    assert right.status_code == 403
    assert b"This login has no portal access" in right.content
