"""One login, several companies: the person switches the company they act for."""

import pytest
from django.urls import reverse

from portico.access.tests.factories import PortalAccessFactory, ProfileFactory, grants
from portico.crm.tests.factories import AccountFactory, ContactFactory


@pytest.fixture
def mia(acme, globex):
    """One person, contact at Acme (acted for first) and at Globex, one login."""
    at_acme = PortalAccessFactory(
        contact=ContactFactory(first_name="Mia", last_name="Two", account=acme, email="mia@consulting.example"),
        profile=ProfileFactory(grants=grants()),
    )
    at_globex = PortalAccessFactory(
        contact=ContactFactory(first_name="Mia", last_name="Two", account=globex, email="mia@consulting.example"),
        profile=ProfileFactory(grants=grants(my_company="edit")),
        is_company_admin=True,
    )
    assert at_acme.user_id == at_globex.user_id
    return at_acme, at_globex


def test_a_person_in_two_companies_sees_one_company_at_a_time(client, mia):
    at_acme, at_globex = mia
    client.force_login(at_acme.user)
    page = client.get(reverse("portal:my_company")).content.decode()
    assert "Acme Oy" in page
    assert 'id="company-select"' in page
    assert "Globex AB" in page  # only as a choice in the switcher
    assert page.count("Globex AB") == 1


def test_switching_company_changes_everything_on_screen(client, mia):
    at_acme, at_globex = mia
    client.force_login(at_acme.user)
    response = client.post(
        reverse("portal:switch_company"), {"contact": at_globex.contact_id, "next": "/portal/company/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/portal/company/"
    page = client.get(reverse("portal:my_company")).content.decode()
    assert "Globex AB" in page
    assert "Acme Oy" in page  # now only in the switcher
    assert page.count("Acme Oy") == 1
    # Globex's profile lets her edit the company; Acme's did not.
    assert client.get(reverse("portal:my_company_edit")).status_code == 200


def test_a_person_cannot_switch_to_a_company_they_are_not_a_contact_of(client, mia):
    at_acme, _ = mia
    stranger = ContactFactory(account=AccountFactory(name="Initech"))
    client.force_login(at_acme.user)
    response = client.post(reverse("portal:switch_company"), {"contact": stranger.pk}, follow=True)
    assert "You cannot act for that company." in response.content.decode()
    assert "Acme Oy" in client.get(reverse("portal:my_company")).content.decode()


def test_switching_to_a_company_whose_access_ended_is_refused(client, mia):
    from datetime import timedelta

    from django.utils import timezone

    at_acme, at_globex = mia
    at_globex.support_start = timezone.localdate() - timedelta(days=10)
    at_globex.portal_end = timezone.localdate() - timedelta(days=1)
    at_globex.save()
    client.force_login(at_acme.user)
    assert 'id="company-select"' not in client.get(reverse("portal:home")).content.decode()
    client.post(reverse("portal:switch_company"), {"contact": at_globex.contact_id})
    assert "Acme Oy" in client.get(reverse("portal:my_company")).content.decode()


def test_switch_redirects_only_to_this_site(client, mia):
    at_acme, at_globex = mia
    client.force_login(at_acme.user)
    response = client.post(
        reverse("portal:switch_company"), {"contact": at_globex.contact_id, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("portal:home")
