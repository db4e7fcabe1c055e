"""Browser journey through a case: suggestions while typing, a case with a file, answers without reloading,
rating and closing. The HTMX parts (suggestions, the opened-article beacon, the live conversation) run in a
real browser here; everything else is tested without one in portico/helpdesk/tests/.
"""

import importlib
from pathlib import Path

import pytest
from django.apps import apps
from django.core.cache import cache
from playwright.sync_api import Page, expect

from tests.e2e.test_journey import VIEWPORT, assert_accessible, shoot

EMAIL, PASSWORD = "ella.esimerkki@acme.example", "quiet harbour lantern 2026"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser_context_args(viewport=VIEWPORT, locale="en-US"),
]


@pytest.fixture
def ella(live_server, settings, tmp_path, monkeypatch):
    """A portal user at Acme with Cases and the knowledge base; one article about paper jams; SLA policies."""
    from django.contrib.auth.hashers import make_password

    from portico.access.tests.factories import PortalAccessFactory, UserFactory
    from portico.crm.tests.factories import AccountFactory, ContactFactory
    from portico.helpdesk.portal import views
    from portico.helpdesk.tests.factories import give_cases
    from portico.knowledge.tests.factories import ArticleFactory, grant_knowledge

    settings.SITE_URL = live_server.url
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    monkeypatch.setattr(views, "POLL_SECONDS", 1)
    cache.clear()
    importlib.import_module("portico.helpdesk.migrations.0002_default_sla_policies").create(apps, None)
    contact = ContactFactory(
        first_name="Ella", last_name="Esimerkki", email=EMAIL, account=AccountFactory(name="Acme Oy")
    )
    access = PortalAccessFactory(contact=contact, user=UserFactory(email=EMAIL, password=make_password(PASSWORD)))
    give_cases(access, scope="own")
    grant_knowledge(access)
    ArticleFactory(slug="paper-jams", title="Clearing printer paper jams", body="Open tray two and pull gently.")
    yield access
    cache.clear()


def sign_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/portal/account/login/")
    page.fill("input[name=login]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base_url}/portal/")


def test_a_customer_reads_a_suggestion_opens_a_case_and_sees_the_answer_without_reloading(
    page: Page, live_server, ella, tmp_path
):
    from portico.helpdesk import services
    from portico.helpdesk.models import Case, CaseDeflection, Status
    from portico.helpdesk.tests.factories import StaffFactory, png_bytes

    base = live_server.url
    sign_in(page, base)
    page.goto(f"{base}/portal/cases/new/")
    page.get_by_label("Subject").press_sequentially("printer paper jam", delay=20)
    suggestion = page.locator("#kb-suggestions").get_by_role("link", name="Clearing printer paper jams")
    expect(suggestion).to_be_visible()
    assert_accessible(page)
    shoot(page, "portal-case-new.png")

    suggestion.click()
    expect(page.get_by_role("heading", name="Clearing printer paper jams")).to_be_visible()
    _wait_for(lambda: CaseDeflection.objects.filter(article_slug="paper-jams").exists())  # the click's beacon

    page.go_back()
    page.get_by_label("Subject").fill("Printer still jams after tray two")
    page.get_by_label("Description").fill("I followed the article; the paper still jams.")
    screenshot = Path(tmp_path / "jam.png")
    screenshot.write_bytes(png_bytes((40, 30)))
    page.get_by_label("Attachments").set_input_files(str(screenshot))
    page.get_by_role("button", name="Send case").click()
    expect(page.locator("h1")).to_contain_text("Printer still jams after tray two")
    expect(page.locator(".attachments img")).to_be_visible()
    assert_accessible(page)
    case = Case.objects.get()
    assert CaseDeflection.objects.get().case == case

    agent = StaffFactory(first_name="Aku")
    services.add_staff_reply(case=case, user=agent, body="Please send a photo of tray two.")
    expect(page.locator("#conversation")).to_contain_text("Please send a photo of tray two.", timeout=10_000)
    shoot(page, "portal-case.png", full_page=True)

    services.change_status(case=case, status=Status.RESOLVED, actor=agent)
    expect(page.locator("#case-live")).to_contain_text("Resolved", timeout=10_000)
    page.reload()
    page.get_by_label("5").check()
    page.get_by_label("Comment (optional)").fill("Fast and friendly.")
    page.get_by_role("button", name="Send rating").click()
    expect(page.locator(".messages, .msg").first).to_contain_text("Thank you for rating our help.")
    page.get_by_role("button", name="Mark as closed").click()
    expect(page.get_by_role("heading", name="This case is closed")).to_be_visible()
    expect(page.locator("form[action$='/reply/']")).to_have_count(0)
    case.refresh_from_db()
    assert (case.status, case.rating, case.rating_comment) == (Status.CLOSED, 5, "Fast and friendly.")


def _wait_for(condition, seconds: float = 5.0) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)
