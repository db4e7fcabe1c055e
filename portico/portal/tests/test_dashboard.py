"""The dashboard: a widget per module the principal may use, a banner before access ends, shortcuts."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from portico.crm.tests.factories import ContactFactory


def test_dashboard_has_a_widget_per_module_the_principal_may_use(portal_client, alice, bob):
    page = portal_client(alice).get(reverse("portal:home")).content.decode()
    for key in ("my_details", "my_company", "colleagues"):
        assert f'id="w-{key}"' in page
    assert "2 colleagues, 2 with portal access" in " ".join(page.split())


def test_a_plain_user_gets_no_company_admin_widgets(portal_client, bob):
    page = portal_client(bob).get(reverse("portal:home")).content.decode()
    assert 'id="w-my_details"' in page
    assert 'id="w-colleagues"' not in page and 'id="w-activity"' not in page


def test_dave_without_my_company_has_no_company_widget(portal_client, dave):
    page = portal_client(dave).get(reverse("portal:home")).content.decode()
    assert 'id="w-my_company"' not in page


def test_colleagues_widget_lists_the_latest_added_of_the_own_company_only(portal_client, alice, acme, globex):
    ContactFactory(first_name="Newest", last_name="Hire", account=acme)
    ContactFactory(first_name="Foreign", last_name="Person", account=globex)
    page = portal_client(alice).get(reverse("portal:home")).content.decode()
    assert "Newest Hire" in page
    assert "Foreign" not in page


def test_banner_shows_when_access_ends_within_the_configured_days(portal_client, bob):
    bob.portal_end = timezone.localdate() + timedelta(days=5)
    bob.save()
    page = portal_client(bob).get(reverse("portal:home")).content.decode()
    assert "Your portal access ends on" in page and "in 5 days" in " ".join(page.split())


def test_no_banner_when_access_ends_later(portal_client, bob):
    bob.portal_end = timezone.localdate() + timedelta(days=200)
    bob.save()
    page = portal_client(bob).get(reverse("portal:home")).content.decode()
    assert "Your portal access ends" not in page


def test_banner_on_the_last_day(portal_client, bob):
    bob.portal_end = timezone.localdate()
    bob.save()
    page = portal_client(bob).get(reverse("portal:home")).content.decode()
    assert "Your portal access ends today" in page


def test_shortcuts_follow_the_grants(portal_client, alice, bob):
    assert reverse("portal:colleague_add") in portal_client(alice).get(reverse("portal:home")).content.decode()
    bob_page = portal_client(bob).get(reverse("portal:home")).content.decode()
    assert reverse("portal:colleague_add") not in bob_page
    assert reverse("portal:my_details_edit") in bob_page


def test_external_links_show_to_everyone_or_to_the_chosen_profiles(portal_client, alice, bob):
    from portico.portal.models import ExternalLink

    everyone = ExternalLink.objects.create(title="Service status", url="https://status.example.com/")
    for_alice = ExternalLink.objects.create(title="Price list", url="https://example.com/prices")
    for_alice.profiles.add(alice.profile)
    alice_page = portal_client(alice).get(reverse("portal:home")).content.decode()
    assert everyone.title in alice_page and for_alice.title in alice_page
    assert 'rel="noopener noreferrer"' in alice_page
    bob_page = portal_client(bob).get(reverse("portal:home")).content.decode()
    assert everyone.title in bob_page and for_alice.title not in bob_page


def test_a_link_with_a_script_address_is_refused(db):
    from django.core.exceptions import ValidationError

    from portico.portal.models import ExternalLink

    link = ExternalLink(title="Bad", url="javascript:alert(1)")
    try:
        link.full_clean()
    except ValidationError as exc:
        assert "url" in exc.message_dict
    else:
        raise AssertionError("a javascript: address was accepted")
