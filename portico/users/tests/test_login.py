"""Signing in to the portal: email and password, refusal reasons after a correct password only."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from portico.access.tests.factories import TEST_PASSWORD


def login(client, email, password=TEST_PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_login_with_email_and_password_reaches_home(client, bob):
    response = login(client, "BOB@acme.example")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    bob.refresh_from_db()
    assert client.get(reverse("portal:home")).status_code == 200


def test_ended_access_is_explained_after_a_correct_password_only(client, bob):
    bob.support_start = timezone.localdate() - timedelta(days=60)
    bob.portal_end = timezone.localdate() - timedelta(days=1)
    bob.save()
    wrong = login(client, bob.user.email, "wrong password here")
    assert b"ended on" not in wrong.content
    right = login(client, bob.user.email)
    assert right.status_code == 403
    assert b"Your portal access ended on" in right.content
    assert "_auth_user_id" not in client.session


def test_future_access_says_when_it_starts(client, bob):
    bob.support_start = timezone.localdate() + timedelta(days=3)
    bob.save()
    response = login(client, bob.user.email)
    assert b"Your portal access starts on" in response.content


def test_access_window_is_checked_at_every_request(client, bob):
    login(client, bob.user.email)
    bob.portal_end = timezone.localdate() - timedelta(days=1)
    bob.support_start = timezone.localdate() - timedelta(days=5)
    bob.save()
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
