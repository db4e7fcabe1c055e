"""Browser journeys: staff grants portal access, the customer accepts and uses the portal.

Each page on the way is checked with axe-core and photographed into docs/images/ for the guides.
"""

import gettext
import importlib
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.apps import apps
from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "docs" / "images"
FINNISH_MO = ROOT / "portico" / "locale" / "fi" / "LC_MESSAGES" / "django.mo"
VIEWPORT = {"width": 1280, "height": 800}
STAFF_EMAIL, STAFF_PASSWORD = "sam@portico.example", "sam-password-2026"
CUSTOMER_EMAIL, CUSTOMER_PASSWORD = "ella.esimerkki@acme.example", "quiet harbour lantern 2026"
BLOCKING_IMPACTS = {"serious", "critical"}

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser_context_args(viewport=VIEWPORT, locale="en-US"),
]


@pytest.fixture
def default_profiles(db):
    """The starting profiles of the data migration; a transactional test's flush removes them."""
    migration = importlib.import_module("portico.access.migrations.0002_default_profiles")
    migration.create_profiles(apps, None)


@pytest.fixture
def portal_site(live_server, settings):
    """The live server, with emailed links pointing at it."""
    settings.SITE_URL = live_server.url
    return live_server


@pytest.fixture
def ella(default_profiles):
    """A contact at Acme without portal access yet; staff will grant it in the journey."""
    from portico.crm.tests.factories import AccountFactory, ContactFactory

    account = AccountFactory(name="Acme Oy")
    return ContactFactory(first_name="Ella", last_name="Esimerkki", email=CUSTOMER_EMAIL, account=account)


def shoot(page: Page, name: str, *, full_page: bool = False) -> None:
    """Save a screenshot for the guides (regenerated on every run)."""
    IMAGES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=IMAGES / name, full_page=full_page, animations="disabled", caret="hide")


def assert_accessible(page: Page) -> None:
    """Fail on any axe-core violation of serious or critical impact, listing them all."""
    violations = Axe().run(page).response["violations"]
    for v in violations:  # shown with -s, and in the report of a failing test
        print(f"axe {page.url}: {v['id']} ({v['impact']}) x{len(v['nodes'])}")
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}" for v in blocking
    )
    assert not blocking, f"axe violations on {page.url}:\n{report}"


def finnish(msgid: str) -> str | None:
    """Return the Finnish translation of a message, or None while no compiled Finnish catalogue exists."""
    if not FINNISH_MO.exists():
        return None
    with FINNISH_MO.open("rb") as fh:
        translated = gettext.GNUTranslations(fh).gettext(msgid)
    return translated if translated != msgid else None


def staff_grants_portal_access(page: Page, base_url: str, contact) -> None:
    """Sign in to the back office, open the contact and turn on its Portal section."""
    page.goto(f"{base_url}/backoffice/")
    page.fill("#id_username", STAFF_EMAIL)
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_contain_text(STAFF_EMAIL)

    page.goto(f"{base_url}/backoffice/crm/contact/")
    page.get_by_role("link", name=contact.full_name, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/backoffice/crm/contact/{contact.pk}/change/$"))

    page.check("#id_portal_access-0-is_active")
    page.select_option("#id_portal_access-0-profile", label="Standard user")
    page.locator("#portal_access-group").scroll_into_view_if_needed()
    shoot(page, "backoffice-contact-portal-section.png")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text(f"an invitation was sent to {contact.email}")


def staff_opens_profile_editor(page: Page, base_url: str) -> None:
    """Open the portal profile list and the one-screen editor of the Standard user profile."""
    page.goto(f"{base_url}/backoffice/access/portalprofile/")
    page.get_by_role("link", name="Standard user", exact=True).click()
    expect(page.locator("#id_name")).to_have_value("Standard user")
    shoot(page, "backoffice-profile-editor.png", full_page=True)


def invitation_link(contact) -> str:
    """Return the link from the invitation in the outbox."""
    from portico.core.models import OutboxMessage

    message = OutboxMessage.objects.get(to=contact.email, kind="invitation")
    match = re.search(r"https?://\S+/portal/invitation/\S+/", message.body_text)
    assert match, message.body_text
    return match.group(0)


def test_staff_invites_contact_who_uses_portal_and_signs_out(page: Page, new_context, portal_site, ella):
    from portico.users.models import User

    User.objects.create_superuser(email=STAFF_EMAIL, password=STAFF_PASSWORD)
    base_url = portal_site.url

    staff_grants_portal_access(page, base_url, ella)
    staff_opens_profile_editor(page, base_url)
    link = invitation_link(ella)
    assert link.startswith(base_url)

    customer = new_context().new_page()
    customer.goto(link)
    expect(customer.get_by_role("heading", level=1)).to_have_text("Choose your password")
    expect(customer.locator("main")).to_contain_text(CUSTOMER_EMAIL)
    shoot(customer, "portal-accept-invitation.png")
    assert_accessible(customer)
    customer.fill("#id_new_password1", CUSTOMER_PASSWORD)
    customer.fill("#id_new_password2", CUSTOMER_PASSWORD)
    customer.get_by_role("button", name="Set password and sign in").click()

    expect(customer).to_have_url(f"{base_url}/portal/")
    expect(customer.get_by_role("heading", level=1)).to_have_text("Welcome, Ella")
    expect(customer.locator(".messages")).to_contain_text("Welcome! Your password is set.")
    shoot(customer, "portal-home.png")
    assert_accessible(customer)

    customer.get_by_role("navigation", name="Portal sections").get_by_role("link", name="My details").click()
    expect(customer).to_have_url(f"{base_url}/portal/me/")
    customer.get_by_role("link", name="Edit", exact=True).click()
    expect(customer.get_by_role("heading", level=1)).to_have_text("Edit: My details")
    customer.fill("#id_job_title", "Head of Procurement")
    shoot(customer, "portal-my-details-edit.png")
    assert_accessible(customer)
    customer.get_by_role("button", name="Save", exact=True).click()

    expect(customer).to_have_url(f"{base_url}/portal/me/")
    expect(customer.locator(".msg.success")).to_have_text("Your changes were saved.")
    expect(customer.locator("dl.record")).to_contain_text("Head of Procurement")
    ella.refresh_from_db()
    assert ella.job_title == "Head of Procurement"

    customer.select_option("#lang-select", "fi")
    customer.locator("form.lang button[type=submit]").click()
    expect(customer.locator("html")).to_have_attribute("lang", "fi")
    assert User.objects.get(email=CUSTOMER_EMAIL).language == "fi"
    sign_out = customer.locator("header form[action='/portal/account/logout/']")
    if kirjaudu_ulos := finnish("Sign out"):
        expect(sign_out.get_by_role("button")).to_have_text(kirjaudu_ulos)

    sign_out.get_by_role("button").click()
    expect(customer).to_have_url(f"{base_url}/portal/account/login/")
    expect(customer.locator("#id_login")).to_be_visible()
    expect(customer.locator("header form[action$='/logout/']")).to_have_count(0)
    expect(customer.locator("html")).to_have_attribute("lang", "fi")
    assert_accessible(customer)


def test_sign_in_and_password_reset_pages_are_accessible(page: Page, portal_site):
    base_url = portal_site.url

    page.goto(f"{base_url}/portal/")
    expect(page).to_have_url(re.compile(r"/portal/account/login/\?next=/portal/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    shoot(page, "portal-login.png")
    assert_accessible(page)

    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
    shoot(page, "portal-password-reset.png")
    assert_accessible(page)
