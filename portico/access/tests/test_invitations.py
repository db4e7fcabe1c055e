"""The invitation lifecycle: grant, email, choose a password through a single-use, expiring link."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from portico.access import services
from portico.access.models import PortalAccess
from portico.access.tests.factories import TEST_PASSWORD
from portico.core.models import OutboxMessage
from portico.crm.tests.factories import ContactFactory
from portico.users.models import User

NEW_PASSWORD = "lantern meadow quietly orbit"
LINK = re.compile(r"/portal/invitation/[^/\s\"<]+/")


def invitation_link(email):
    """Return the path of the newest invitation link emailed to an address."""
    message = OutboxMessage.objects.filter(to=email, kind="invitation").latest("pk")
    links = set(LINK.findall(message.body_text))
    assert len(links) == 1
    assert links == set(LINK.findall(message.body_html))
    return links.pop()


def choose_password(client, link, password=NEW_PASSWORD):
    return client.post(link, {"new_password1": password, "new_password2": password})


def sign_in(client, email, password=NEW_PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


@pytest.fixture
def newcomer(acme):
    """A contact at Acme with no portal access yet."""
    return ContactFactory(first_name="Nina", last_name="New", email="nina@acme.example", account=acme)


@pytest.fixture
def invited(newcomer, sam):
    """The newcomer after staff granted access: an invitation is waiting in the outbox."""
    return services.grant_access(contact=newcomer, actor=sam)


def test_grant_access_creates_the_login_and_queues_exactly_one_invitation(newcomer, sam):
    access = services.grant_access(contact=newcomer, actor=sam)
    assert access.is_active
    assert access.user.email == "nina@acme.example"
    assert not access.user.has_usable_password()
    assert access.invitation_sent_at is not None
    message = OutboxMessage.objects.get()
    assert (message.to, message.kind, message.status) == ("nina@acme.example", "invitation", "queued")
    assert "Acme Oy" in message.subject


def test_granting_twice_before_acceptance_does_not_create_a_second_login(invited, sam):
    services.grant_access(contact=invited.contact, actor=sam)
    assert User.objects.filter(email="nina@acme.example").count() == 1


def test_invitation_is_written_in_the_contacts_language(acme, sam):
    contact = ContactFactory(first_name="Aino", email="aino@acme.example", account=acme, language="fi")
    services.grant_access(contact=contact, actor=sam)
    message = OutboxMessage.objects.get()
    assert message.language == "fi"
    with translation.override("fi"):
        finnish_subject = gettext("Your portal access for %(company)s") % {"company": "Acme Oy"}
    if finnish_subject != "Your portal access for Acme Oy":  # once the Finnish catalog is compiled
        assert message.subject == finnish_subject
        assert "Open the link below to choose your password" not in message.body_text
        assert "Hello Aino" not in message.body_text


def test_invitation_link_sets_a_password_and_signs_in(client, invited):
    link = invitation_link(invited.contact.email)
    page = client.get(link)
    assert page.status_code == 200
    assert b"nina@acme.example" in page.content
    response = choose_password(client, link)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    assert client.get(reverse("portal:home")).status_code == 200
    user = User.objects.get(email="nina@acme.example")
    assert user.check_password(NEW_PASSWORD)
    invited.refresh_from_db()
    assert invited.invitation_accepted_at is not None


def test_invitation_link_refuses_a_weak_password_and_stays_usable(client, invited):
    link = invitation_link(invited.contact.email)
    response = choose_password(client, link, "short")
    assert response.status_code == 400
    assert not User.objects.get(email="nina@acme.example").has_usable_password()
    assert choose_password(client, link).status_code == 302


def test_reused_invitation_link_is_refused(client, invited):
    link = invitation_link(invited.contact.email)
    choose_password(client, link)
    client.logout()
    for response in (client.get(link), choose_password(client, link, "another long passphrase")):
        assert response.status_code == 404
        assert b"no longer valid" in response.content
    assert User.objects.get(email="nina@acme.example").check_password(NEW_PASSWORD)


def test_tampered_invitation_link_is_refused(client, invited):
    link = invitation_link(invited.contact.email)
    response = client.get(link[:-3] + "xx/")
    assert response.status_code == 404
    assert b"no longer valid" in response.content


def test_invitation_link_works_until_just_under_72_hours(client, newcomer, sam):
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False) as traveller:
        services.grant_access(contact=newcomer, actor=sam)
        link = invitation_link(newcomer.email)
        traveller.shift(timedelta(hours=72) - timedelta(minutes=1))
        assert client.get(link).status_code == 200
        assert choose_password(client, link).status_code == 302


def test_invitation_link_older_than_72_hours_is_refused(client, newcomer, sam):
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False) as traveller:
        services.grant_access(contact=newcomer, actor=sam)
        link = invitation_link(newcomer.email)
        traveller.shift(timedelta(hours=72, seconds=1))
        response = client.get(link)
        assert response.status_code == 404
        assert b"no longer valid" in response.content
        assert choose_password(client, link).status_code == 404
    assert not User.objects.get(email=newcomer.email).has_usable_password()


def test_resent_invitation_kills_the_previous_link(client, invited, sam):
    first = invitation_link(invited.contact.email)
    services.send_invitation(access=invited, actor=sam)
    second = invitation_link(invited.contact.email)
    assert first != second
    assert OutboxMessage.objects.filter(kind="invitation").count() == 2
    assert client.get(first).status_code == 404
    assert choose_password(client, first).status_code == 404
    assert choose_password(client, second).status_code == 302


def test_revoked_access_kills_the_invitation_link(client, invited, sam, django_capture_on_commit_callbacks):
    link = invitation_link(invited.contact.email)
    with django_capture_on_commit_callbacks(execute=True):
        services.revoke_access(access=invited, actor=sam)
    response = client.get(link)
    assert response.status_code == 404
    assert b"no longer valid" in response.content


def test_regranting_after_revocation_sends_a_working_link(client, invited, sam):
    services.revoke_access(access=invited, actor=sam)
    services.grant_access(contact=invited.contact, actor=sam)
    assert choose_password(client, invitation_link(invited.contact.email)).status_code == 302


def _change_form_data(response):
    """POST data that resubmits an admin change form (with its inline formsets) exactly as rendered."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms += [formset.management_form, *formset.forms]
    for form in forms:
        for bound in form:
            value = bound.value()
            if value is None or value is False:
                continue
            data[bound.html_name] = "on" if value is True else str(value)
            if bound.field.show_hidden_initial:
                data[bound.html_initial_name] = data[bound.html_name]
    return data


def test_email_changed_in_the_back_office_reinvites_the_new_address(
    client, sam, bob, django_capture_on_commit_callbacks
):
    """Staff change Bob's email: a new invitation goes out, the old address and old link stop working."""
    services.send_invitation(access=bob, actor=sam)  # an invitation to the old address, not used yet
    old_link = invitation_link("bob@acme.example")
    assert client.get(old_link).status_code == 200
    portal = Client()
    assert sign_in(portal, "bob@acme.example", TEST_PASSWORD).status_code == 302
    staff = Client()
    staff.force_login(sam)
    url = reverse("admin:crm_contact_change", args=[bob.contact.pk])
    data = _change_form_data(staff.get(url))
    assert data["portal_access-TOTAL_FORMS"] == "1"
    assert data["portal_access-0-is_active"] == "on"
    data["email"] = "robert@acme.example"
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]

    assert OutboxMessage.objects.filter(kind="invitation").latest("pk").to == "robert@acme.example"
    refused = sign_in(client, "bob@acme.example", TEST_PASSWORD)
    assert refused.status_code == 200
    assert b"are not correct" in refused.content
    assert "_auth_user_id" not in client.session
    assert portal.get(reverse("account_change_password")).status_code == 302  # Bob's open session ended
    assert "_auth_user_id" not in portal.session
    assert client.get(old_link).status_code == 404
    assert choose_password(client, invitation_link("robert@acme.example")).status_code == 302
    assert User.objects.get(email="robert@acme.example").check_password(NEW_PASSWORD)
    assert not User.objects.filter(email="bob@acme.example").exists()


def test_no_password_ever_appears_in_an_email(client, invited, sam, bob):
    choose_password(client, invitation_link(invited.contact.email))
    temporary = services.set_temporary_password(access=bob, actor=sam)
    client.logout()
    client.post(reverse("account_reset_password"), {"email": "nina@acme.example"})
    client.post(reverse("account_reset_password"), {"email": "bob@acme.example"})
    messages = list(OutboxMessage.objects.all())
    assert {m.kind for m in messages} >= {"invitation", "password_reset_key"}
    for message in messages:
        for password in (NEW_PASSWORD, temporary, TEST_PASSWORD):
            assert password not in message.subject
            assert password not in message.body_text
            assert password not in message.body_html


def test_access_without_email_cannot_be_granted(acme, sam):
    from django.core.exceptions import ValidationError

    contact = ContactFactory(email="", account=acme)
    with pytest.raises(ValidationError):
        services.grant_access(contact=contact, actor=sam)
    assert not PortalAccess.objects.filter(contact=contact).exists()
    assert not OutboxMessage.objects.exists()


def test_email_change_of_a_login_shared_by_two_companies_moves_only_that_contact(
    client, acme, globex, sam, django_capture_on_commit_callbacks
):
    """Maria is a contact at Acme and at Globex with one login; Acme's record gets her new address."""
    from portico.access.tests.factories import PortalAccessFactory

    at_acme = PortalAccessFactory(contact=ContactFactory(email="maria@consulting.example", account=acme))
    at_globex = PortalAccessFactory(contact=ContactFactory(email="maria@consulting.example", account=globex))
    maria = at_acme.user
    assert at_globex.user == maria
    contact = at_acme.contact
    contact.email = "maria@acme.example"
    contact.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.contact_email_changed(contact=contact, old_email="maria@consulting.example", actor=sam)

    at_acme.refresh_from_db()
    at_globex.refresh_from_db()
    assert at_acme.user.email == "maria@acme.example"
    assert at_globex.user == maria
    maria.refresh_from_db()
    assert maria.email == "maria@consulting.example"
    assert OutboxMessage.objects.get(kind="invitation").to == "maria@acme.example"
    assert sign_in(client, "maria@consulting.example", TEST_PASSWORD).status_code == 302
    client.logout()
    assert choose_password(client, invitation_link("maria@acme.example")).status_code == 302
