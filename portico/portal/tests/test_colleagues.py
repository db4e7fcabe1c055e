"""Colleagues: company admins manage their own company's contacts and portal access, never more."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portico.access.models import PortalAccess, PortalProfile, Scope
from portico.access.tests.factories import PortalAccessFactory, ProfileFactory, grants
from portico.core.models import AuditEntry, OutboxMessage
from portico.crm.models import Contact
from portico.crm.tests.factories import AccountFactory, ContactFactory


@pytest.fixture
def handable(db):
    """A profile staff allow company admins to hand out."""
    return ProfileFactory(name="Colleague profile", grants=grants(), assignable_by_company_admin=True)


def access_data(profile, start=None, end=None, admin=False):
    today = timezone.localdate()
    data = {
        "action": "grant",
        "profile": profile.pk,
        "support_start": start or today,
        "portal_end": end or today + timedelta(days=20),
    }
    if admin:
        data["is_company_admin"] = "on"
    return data


def test_list_shows_only_the_own_company(portal_client, alice, bob, globex):
    ContactFactory(first_name="Gustav", last_name="Globex", account=globex)
    page = portal_client(alice).get(reverse("portal:colleagues")).content.decode()
    assert "Basic, Bob" in page
    assert "Gustav" not in page


def test_list_searches_and_answers_htmx_with_the_results_only(portal_client, alice, bob, acme):
    ContactFactory(first_name="Zed", last_name="Zulu", account=acme)
    response = portal_client(alice).get(reverse("portal:colleagues"), {"q": "zulu"}, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert "Zulu, Zed" in content and "Bob" not in content
    assert "<html" not in content


def test_list_query_count_does_not_grow_with_the_company(portal_client, alice, acme, django_assert_num_queries):
    client = portal_client(alice)
    client.get(reverse("portal:colleagues"))
    with django_assert_num_queries(6):  # session, login, principal, portal settings (cache), count, rows
        client.get(reverse("portal:colleagues"))
    for n in range(30):
        PortalAccessFactory(contact=ContactFactory(first_name=f"P{n}", account=acme))
    with django_assert_num_queries(6):  # session, login, principal, portal settings (cache), count, rows
        client.get(reverse("portal:colleagues"))


def test_adding_a_colleague_always_uses_the_admins_company(portal_client, alice, globex):
    response = portal_client(alice).post(
        reverse("portal:colleague_add"),
        {
            "first_name": "Nina",
            "last_name": "New",
            "email": "nina@acme.example",
            "language": "fi",
            "account": globex.pk,
        },
    )
    nina = Contact.objects.get(email="nina@acme.example")
    assert response["Location"] == reverse("portal:colleague", args=[nina.pk])
    assert nina.account_id == alice.contact.account_id
    entry = AuditEntry.objects.get(action="colleague.added")
    assert entry.actor_contact_id == alice.contact_id and entry.source == "portal"


def test_adding_a_duplicate_email_is_refused(portal_client, alice, bob):
    response = portal_client(alice).post(
        reverse("portal:colleague_add"),
        {"first_name": "B", "last_name": "Two", "email": "BOB@acme.example", "language": "en"},
    )
    assert response.status_code == 400
    assert "already exists" in response.content.decode()


def test_giving_access_invites_through_the_same_flow(portal_client, alice, acme, handable):
    nina = ContactFactory(first_name="Nina", account=acme, language="fi")
    response = portal_client(alice).post(reverse("portal:colleague_access", args=[nina.pk]), access_data(handable))
    assert response.status_code == 302
    access = PortalAccess.objects.get(contact=nina)
    assert access.is_active and access.profile == handable and not access.is_company_admin
    message = OutboxMessage.objects.get(to=nina.email)
    assert message.kind == "invitation" and message.language == "fi"
    entry = AuditEntry.objects.get(action="portal_access.granted")
    assert entry.actor_contact_id == alice.contact_id


def test_a_profile_staff_did_not_allow_cannot_be_given(portal_client, alice, acme):
    key = PortalProfile.objects.get(name="Key contact")
    nina = ContactFactory(account=acme)
    response = portal_client(alice).post(reverse("portal:colleague_access", args=[nina.pk]), access_data(key))
    assert response.status_code == 400
    assert not PortalAccess.objects.filter(contact=nina).exists()
    assert not OutboxMessage.objects.exists()


def test_dates_outside_the_admins_own_window_are_refused(portal_client, alice, acme, handable):
    nina = ContactFactory(account=acme)
    late = alice.portal_end + timedelta(days=1)
    response = portal_client(alice).post(
        reverse("portal:colleague_access", args=[nina.pk]), access_data(handable, end=late)
    )
    assert response.status_code == 400
    assert "inside your own portal access" in response.content.decode()
    assert not PortalAccess.objects.filter(contact=nina).exists()


def test_an_admin_cannot_change_their_own_access(portal_client, alice, handable):
    response = portal_client(alice).post(
        reverse("portal:colleague_access", args=[alice.contact_id]), access_data(handable, admin=True)
    )
    assert response.status_code == 400
    alice.refresh_from_db()
    assert alice.profile != handable


def test_the_last_company_admin_cannot_remove_themselves(portal_client, alice):
    client = portal_client(alice)
    response = client.post(
        reverse("portal:colleague_access", args=[alice.contact_id]), {"action": "revoke"}, follow=True
    )
    assert "at least one company admin" in response.content.decode()
    alice.refresh_from_db()
    assert alice.is_active


def test_with_another_admin_an_admin_may_leave(portal_client, alice, bob):
    bob.is_company_admin = True
    bob.save()
    client = portal_client(alice)
    client.post(reverse("portal:colleague_access", args=[alice.contact_id]), {"action": "revoke"})
    alice.refresh_from_db()
    assert not alice.is_active
    assert client.get(reverse("portal:home"))["Location"].startswith(reverse("account_login"))


def test_revoking_a_colleague_ends_their_access(portal_client, alice, bob, client):
    portal_client(alice).post(reverse("portal:colleague_access", args=[bob.contact_id]), {"action": "revoke"})
    bob.refresh_from_db()
    assert not bob.is_active
    assert AuditEntry.objects.get(action="portal_access.revoked").actor_contact_id == alice.contact_id


def test_changing_a_portal_users_email_reinvites_the_new_address(portal_client, alice, bob):
    portal_client(alice).post(
        reverse("portal:colleague", args=[bob.contact_id]),
        {"first_name": "Bob", "last_name": "Basic", "email": "robert@acme.example", "language": "en"},
    )
    bob = PortalAccess.objects.select_related("user").get(pk=bob.pk)
    assert bob.user.email == "robert@acme.example"
    assert OutboxMessage.objects.filter(to="robert@acme.example", kind="invitation").count() == 1


def test_an_admin_of_another_company_gets_404(portal_client, carol, bob):
    carol.is_company_admin = True
    carol.save()
    response = portal_client(carol).get(reverse("portal:colleague", args=[bob.contact_id]))
    assert response.status_code == 404


def test_a_link_to_a_colleague_of_the_other_company_asks_to_switch(client, acme, globex):
    at_acme = PortalAccessFactory(
        contact=ContactFactory(first_name="Mia", account=acme, email="mia@consulting.example"),
        profile=ProfileFactory(grants=grants(colleagues="manage")),
        is_company_admin=True,
    )
    PortalAccessFactory(
        contact=ContactFactory(first_name="Mia", account=globex, email="mia@consulting.example"),
        profile=ProfileFactory(grants=grants(colleagues="manage")),
        is_company_admin=True,
    )
    gus = ContactFactory(first_name="Gus", account=globex)
    client.force_login(at_acme.user)
    response = client.get(reverse("portal:colleague", args=[gus.pk]))
    assert response.status_code == 409
    content = response.content.decode()
    assert "Switch to Globex AB" in content and "Gus" not in content
    ContactFactory(account=AccountFactory(name="Initech"))  # a third company's record stays a plain 404
    assert client.get(reverse("portal:colleague", args=[Contact.objects.latest("pk").pk])).status_code == 404


def test_access_dates_are_offered_in_the_browsers_date_format(portal_client, alice, bob):
    page = portal_client(alice).get(reverse("portal:colleague", args=[bob.contact_id])).content.decode()
    assert f'value="{bob.portal_end.isoformat()}"' in page


def test_a_link_to_a_module_only_the_other_company_grants_asks_to_switch(client, acme, globex):
    at_acme = PortalAccessFactory(
        contact=ContactFactory(first_name="Mia", account=acme, email="mia@consulting.example"),
        profile=ProfileFactory(grants=grants()),
    )
    PortalAccessFactory(
        contact=ContactFactory(first_name="Mia", account=globex, email="mia@consulting.example"),
        profile=ProfileFactory(grants=grants(colleagues="manage")),
        is_company_admin=True,
    )
    gus = ContactFactory(first_name="Gus", account=globex)
    client.force_login(at_acme.user)
    response = client.get(reverse("portal:colleague", args=[gus.pk]))
    assert response.status_code == 409
    assert "Switch to Globex AB" in response.content.decode()
    assert client.get(reverse("portal:colleagues")).status_code == 409
    stranger = ContactFactory(account=AccountFactory(name="Initech"))
    assert client.get(reverse("portal:colleague", args=[stranger.pk])).status_code == 404


def test_an_email_address_used_at_another_company_may_be_added(portal_client, alice, carol):
    response = portal_client(alice).post(
        reverse("portal:colleague_add"),
        {"first_name": "C", "last_name": "Twin", "email": carol.contact.email.upper(), "language": "en"},
    )
    assert response.status_code == 302
    assert Contact.objects.filter(account=alice.contact.account, email=carol.contact.email).exists()


def test_keeping_ones_own_email_is_no_duplicate_but_a_colleagues_is(portal_client, alice, bob):
    client = portal_client(alice)
    url = reverse("portal:colleague", args=[bob.contact_id])
    data = {"first_name": "Bob", "last_name": "Basic", "email": "bob@acme.example", "language": "en"}
    assert client.post(url, data).status_code == 302
    assert client.post(url, {**data, "email": "ALICE@acme.example"}).status_code == 400


def test_the_duplicate_email_check_costs_one_query(portal_client, alice, bob, globex, django_assert_num_queries):
    client = portal_client(alice)
    data = {"first_name": "B", "last_name": "Two", "email": "bob@acme.example", "language": "en"}
    client.post(reverse("portal:colleague_add"), data)
    with django_assert_num_queries(DUPLICATE_REFUSED):
        assert client.post(reverse("portal:colleague_add"), data).status_code == 400
    ContactFactory.create_batch(5, account=alice.contact.account)
    ContactFactory.create_batch(5, account=globex, email="bob@acme.example")
    with django_assert_num_queries(DUPLICATE_REFUSED):
        assert client.post(reverse("portal:colleague_add"), data).status_code == 400


# session, login, principal, portal settings (cache), the duplicate check
DUPLICATE_REFUSED = 5


def test_an_email_is_unique_within_the_colleagues_own_company_also_in_a_subsidiary(portal_client, alice, acme):
    """An admin whose scope reaches subsidiaries edits a subsidiary's contact: its own company's rule holds."""
    profile = alice.profile
    profile.grants["colleagues"]["scope"] = Scope.COMPANY_AND_SUBSIDIARIES
    profile.save()
    sub = AccountFactory(name="Acme Sub Oy", parent=acme)
    sven = ContactFactory(first_name="Sven", last_name="Sub", account=sub, email="sven@acmesub.example")
    ContactFactory(first_name="Siv", last_name="Sub", account=sub, email="siv@acmesub.example")
    url = reverse("portal:colleague", args=[sven.pk])
    client = portal_client(alice)
    taken = client.post(
        url, {"first_name": "Sven", "last_name": "Sub", "email": "SIV@acmesub.example", "language": "en"}
    )
    assert taken.status_code == 400 and "already exists" in taken.content.decode()
    # An address of the parent company is another company's: the subsidiary's contact may have it too.
    parent = client.post(
        url, {"first_name": "Sven", "last_name": "Sub", "email": alice.contact.email, "language": "en"}
    )
    assert parent.status_code == 302
    assert Contact.objects.get(pk=sven.pk).email == alice.contact.email
