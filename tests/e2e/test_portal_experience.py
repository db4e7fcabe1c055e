"""Browser journey through the portal experience: colleagues, company switching and portal settings.

A company admin adds a colleague and gives them portal access, the colleague accepts the invitation, a
person who is a contact at two companies switches between them, and staff rename and recolour the portal.
Each page on the way is checked with axe-core; screenshots for the guides are saved in docs/images/.
"""

import importlib
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.e2e.test_journey import STAFF_EMAIL, STAFF_PASSWORD, VIEWPORT, assert_accessible, invitation_link, shoot

ADMIN_EMAIL, ADMIN_PASSWORD = "anna.avain@acme.example", "copper kettle morning 2026"
COLLEAGUE_EMAIL, COLLEAGUE_PASSWORD = "olli.opas@acme.example", "seven paper boats 2026"
TWO_COMPANY_EMAIL, TWO_COMPANY_PASSWORD = "mia.moni@consulting.example", "bright winter orchard 2026"
NEW_PORTAL_NAME, NEW_BRAND_COLOUR, NEW_COMPANY_LABEL = "Acme Customer Service", "#5b2a86", "Our company"

# The data migrations that set up the starting profiles, each with the function it runs.
PROFILE_MIGRATIONS = (
    ("0002_default_profiles", "create_profiles"),  # "Standard user" and "Key contact"
    ("0004_standard_user_assignable", "mark"),  # company admins may hand out "Standard user"
    ("0005_key_contact_colleagues", "grant"),  # key contacts get Colleagues
    ("0008_key_contact_activity", "grant"),  # and Activity
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser_context_args(viewport=VIEWPORT, locale="en-US"),
]


@pytest.fixture
def default_profiles(db):
    """The starting profiles of the data migrations; a transactional test's flush removes them."""
    for module, function in PROFILE_MIGRATIONS:
        getattr(importlib.import_module(f"portico.access.migrations.{module}"), function)(apps, None)


@pytest.fixture
def fresh_settings_cache(db):
    """Portal settings are cached outside the flushed tables: start and end with the built-in settings."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def portal_site(live_server, settings, fresh_settings_cache):
    """The live server, with emailed links pointing at it."""
    settings.SITE_URL = live_server.url
    return live_server


@pytest.fixture
def people(default_profiles):
    """Acme's company admin, a person who is a contact at Acme and at Globex, and a staff administrator."""
    from portico.access.models import PortalProfile
    from portico.access.tests.factories import PortalAccessFactory
    from portico.crm.tests.factories import AccountFactory, ContactFactory
    from portico.users.models import User

    acme = AccountFactory(name="Acme Oy", city="Tampere")
    globex = AccountFactory(name="Globex AB", city="Malmö", country="SE")
    key_contact = PortalProfile.objects.get(name="Key contact")
    window = {
        "support_start": timezone.localdate() - timedelta(days=30),
        "portal_end": timezone.localdate() + timedelta(days=400),
    }

    def portal_user(account, first, last, email, password):
        if not User.objects.filter(email=email).exists():
            User.objects.create_user(email=email, password=password)
        contact = ContactFactory(first_name=first, last_name=last, email=email, account=account, job_title="Purchasing")
        return PortalAccessFactory(contact=contact, profile=key_contact, is_company_admin=True, **window)

    admin = portal_user(acme, "Anna", "Avain", ADMIN_EMAIL, ADMIN_PASSWORD)
    ContactFactory(first_name="Pekka", last_name="Puhelin", email="pekka.puhelin@acme.example", account=acme)
    # Company admin at both companies: the Colleagues module exists for her whichever company she acts for.
    at_acme = portal_user(acme, "Mia", "Moni", TWO_COMPANY_EMAIL, TWO_COMPANY_PASSWORD)
    at_globex = portal_user(globex, "Mia", "Moni", TWO_COMPANY_EMAIL, TWO_COMPANY_PASSWORD)
    assert at_acme.user_id == at_globex.user_id
    User.objects.create_superuser(email=STAFF_EMAIL, password=STAFF_PASSWORD)
    return {"admin": admin, "acme": acme, "globex": globex}


def sign_in_to_portal(page: Page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/portal/account/login/")
    page.fill("#id_login", email)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base_url}/portal/")


def menu(page: Page):
    return page.get_by_role("navigation", name="Portal sections")


def company_admin_adds_colleague_and_gives_access(page: Page, base_url: str) -> int:
    """Dashboard → Colleagues → Add colleague → give portal access; return the new colleague's id."""
    sign_in_to_portal(page, base_url, ADMIN_EMAIL, ADMIN_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Anna")
    colleagues_widget = page.locator("section.widget", has=page.locator("#w-colleagues"))
    expect(colleagues_widget).to_contain_text("3 colleagues, 2 with portal access")
    shoot(page, "portal-dashboard.png")
    assert_accessible(page)

    menu(page).get_by_role("link", name="Colleagues").click()
    expect(page).to_have_url(f"{base_url}/portal/colleagues/")
    expect(page.locator("#results tbody tr")).to_have_count(3)
    shoot(page, "portal-colleagues.png")
    assert_accessible(page)

    page.get_by_role("link", name="Add colleague").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add colleague")
    page.fill("#id_first_name", "Olli")
    page.fill("#id_last_name", "Opas")
    page.fill("#id_email", COLLEAGUE_EMAIL)
    page.fill("#id_job_title", "Service Engineer")
    assert_accessible(page)
    page.locator("main form").get_by_role("button", name="Add colleague").click()

    expect(page).to_have_url(re.compile(r"/portal/colleagues/\d+/$"))
    expect(page.locator(".msg.success")).to_have_text("Olli Opas was added.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Olli Opas")
    expect(page.locator("#id_support_start")).to_have_value(timezone.localdate().isoformat())
    expect(page.locator("#id_portal_end")).not_to_have_value("")
    page.select_option("#id_profile", label="Standard user")
    page.locator("#access").scroll_into_view_if_needed()
    shoot(page, "portal-colleague-detail.png")
    assert_accessible(page)
    page.get_by_role("button", name="Give portal access and send invitation").click()

    expect(page.locator(".msg.success")).to_have_text(
        f"Portal access was given and an invitation was sent to {COLLEAGUE_EMAIL}."
    )
    expect(page.locator("#access + .panel")).to_contain_text("Invited, not yet accepted")
    return int(re.search(r"/colleagues/(\d+)/$", page.url).group(1))


def colleague_accepts_invitation(page: Page, base_url: str, colleague) -> None:
    """Open the emailed link, choose a password, see the dashboard and sign out."""
    link = invitation_link(colleague)
    assert link.startswith(base_url)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose your password")
    expect(page.locator("main")).to_contain_text(COLLEAGUE_EMAIL)
    assert_accessible(page)
    page.fill("#id_new_password1", COLLEAGUE_PASSWORD)
    page.fill("#id_new_password2", COLLEAGUE_PASSWORD)
    page.get_by_role("button", name="Set password and sign in").click()

    expect(page).to_have_url(f"{base_url}/portal/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Olli")
    expect(page.locator(".lead")).to_have_text("You are signed in for Acme Oy.")
    expect(menu(page).get_by_role("link", name="Colleagues")).to_have_count(0)  # a Standard user is no admin

    page.locator("header").get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{base_url}/portal/account/login/")


def person_switches_between_companies(page: Page, base_url: str, acme_colleague_id: int) -> None:
    """Switch to Globex in the header, then follow a link to an Acme record and switch back to see it."""
    sign_in_to_portal(page, base_url, TWO_COMPANY_EMAIL, TWO_COMPANY_PASSWORD)
    expect(page.locator(".lead")).to_have_text("You are signed in for Acme Oy.")

    page.select_option("#company-select", label="Globex AB")
    page.locator("form.switch").get_by_role("button", name="Switch").click()
    expect(page.locator(".msg.success")).to_have_text("You are now acting for Globex AB.")
    menu(page).get_by_role("link", name="My company").click()
    expect(page).to_have_url(f"{base_url}/portal/company/")
    expect(page.locator("dl.record")).to_contain_text("Globex AB")
    expect(page.locator("dl.record")).not_to_contain_text("Acme Oy")
    expect(page.locator("#company-select option:checked")).to_have_text("Globex AB")
    shoot(page, "portal-company-switch.png")
    assert_accessible(page)

    response = page.goto(f"{base_url}/portal/colleagues/{acme_colleague_id}/")
    assert response.status == 409
    expect(page.get_by_role("heading", level=1)).to_have_text("Switch company to continue")
    expect(page.locator("main")).to_contain_text("You are acting for Globex AB. This page belongs to Acme Oy.")
    expect(page.locator("main")).not_to_contain_text("Olli")
    assert_accessible(page)
    page.get_by_role("button", name="Switch to Acme Oy").click()

    expect(page).to_have_url(f"{base_url}/portal/colleagues/{acme_colleague_id}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Olli Opas")
    expect(page.locator("#company-select option:checked")).to_have_text("Acme Oy")


def staff_change_portal_settings(page: Page, base_url: str) -> None:
    """Rename the portal, change its colour and relabel My company in English on the one settings screen."""
    page.goto(f"{base_url}/backoffice/")
    page.fill("#id_username", STAFF_EMAIL)
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_contain_text(STAFF_EMAIL)

    page.goto(f"{base_url}/backoffice/portal/portalsettings/")
    expect(page).to_have_url(re.compile(r"/backoffice/portal/portalsettings/\d+/change/$"))
    page.fill("#id_portal_name", NEW_PORTAL_NAME)
    page.fill("#id_brand_colour", NEW_BRAND_COLOUR)
    company_row = page.locator("tr.form-row", has=page.locator("td.original", has_text="My company"))
    expect(company_row).to_have_count(1)
    company_row.locator("input[name$='-label_en']").fill(NEW_COMPANY_LABEL)
    shoot(page, "backoffice-portal-settings.png", full_page=True)
    page.locator("input[name=_save]").first.click()
    expect(page.locator(".messagelist")).to_contain_text("The portal settings were saved.")
    expect(page.locator("#id_portal_name")).to_have_value(NEW_PORTAL_NAME)


def test_admin_invites_colleague_person_switches_company_and_staff_rebrand_portal(
    page: Page, new_context, portal_site, people
):
    from portico.crm.models import Contact

    base_url = portal_site.url

    colleague_id = company_admin_adds_colleague_and_gives_access(page, base_url)
    colleague = Contact.objects.get(pk=colleague_id)
    assert colleague.account == people["acme"] and colleague.email == COLLEAGUE_EMAIL
    assert colleague.portal_access.profile.name == "Standard user"

    colleague_accepts_invitation(new_context().new_page(), base_url, colleague)
    person_switches_between_companies(new_context().new_page(), base_url, colleague_id)
    staff_change_portal_settings(new_context().new_page(), base_url)

    page.goto(f"{base_url}/portal/")
    expect(page.locator("header a.brand")).to_have_text(NEW_PORTAL_NAME)
    expect(page).to_have_title(f"Home · {NEW_PORTAL_NAME}")
    expect(menu(page).get_by_role("link", name=NEW_COMPANY_LABEL)).to_be_visible()
    expect(menu(page).get_by_role("link", name="My company")).to_have_count(0)
    brand = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()")
    assert brand == NEW_BRAND_COLOUR
    assert_accessible(page)
