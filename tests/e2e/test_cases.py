"""Browser journey through a case, from the knowledge base to the rating, with staff in the back office.

The customer searches the knowledge base, still opens a case with a screenshot, sees staff's back-office reply
appear without reloading, answers it by email (fed to the intake as the mail server's pipe would), and rates and
closes the case after staff resolve it. The HTMX parts (search, suggestions, the opened-article beacon, the live
conversation) run in a real browser here; everything else is tested without one in portico/helpdesk/tests/.
Each portal page is checked with axe-core; screenshots for the guides are saved in docs/images/.

The live case page asks for news every 15 seconds (portico.helpdesk.portal.views.POLL_SECONDS). The customer's
browser runs on Playwright's clock, so the journey moves the page's time on by one interval instead of waiting.
"""

import importlib
import re
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from django.apps import apps
from django.core import mail
from django.core.cache import cache
from playwright.sync_api import Page, expect

from tests.e2e.test_journey import STAFF_EMAIL, STAFF_PASSWORD, VIEWPORT, assert_accessible, shoot

EMAIL, PASSWORD = "ella.esimerkki@acme.example", "quiet harbour lantern 2026"
SUBJECT = "Printer still jams after tray two"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser_context_args(viewport=VIEWPORT, locale="en-US"),
]


@pytest.fixture
def ella(live_server, settings, tmp_path):
    """A portal user at Acme with Cases and the knowledge base; two articles; SLA policies; a staff member."""
    from django.contrib.auth.hashers import make_password

    from portico.access.tests.factories import PortalAccessFactory, UserFactory
    from portico.crm.tests.factories import AccountFactory, ContactFactory
    from portico.helpdesk.tests.factories import give_cases
    from portico.knowledge.tests.factories import ArticleFactory, grant_knowledge
    from portico.users.models import User

    settings.SITE_URL = live_server.url
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    cache.clear()
    importlib.import_module("portico.helpdesk.migrations.0002_default_sla_policies").create(apps, None)
    contact = ContactFactory(
        first_name="Ella", last_name="Esimerkki", email=EMAIL, account=AccountFactory(name="Acme Oy")
    )
    access = PortalAccessFactory(contact=contact, user=UserFactory(email=EMAIL, password=make_password(PASSWORD)))
    give_cases(access, scope="own")
    grant_knowledge(access)
    ArticleFactory(slug="paper-jams", title="Clearing printer paper jams", body="Open tray two and pull gently.")
    ArticleFactory(slug="toner", title="Changing the toner cartridge", body="Lift the lid and slide it out.")
    User.objects.create_superuser(email=STAFF_EMAIL, password=STAFF_PASSWORD, first_name="Sam")
    yield access
    cache.clear()


def sign_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/portal/account/login/")
    page.fill("input[name=login]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base_url}/portal/")


def next_poll(page: Page) -> None:
    """Move the page's clock on by one poll interval, so the live case page asks the server for news."""
    from portico.helpdesk.portal.views import POLL_SECONDS

    page.clock.fast_forward(POLL_SECONDS * 1000)


def test_a_customer_searches_opens_a_case_follows_the_answer_replies_by_email_rates_and_closes(
    page: Page, new_context, live_server, ella, tmp_path
):
    from portico.helpdesk.intake.models import Outcome
    from portico.helpdesk.intake.services import receive_email
    from portico.helpdesk.models import Case, CaseDeflection, MessageKind, Source, Status
    from portico.helpdesk.tests.factories import png_bytes

    base = live_server.url
    page.clock.install()  # real time flows; next_poll() skips the wait for the page's next poll
    sign_in(page, base)

    # 1. The knowledge base: search, results while typing, an article.
    sections = page.get_by_role("navigation", name="Portal sections")
    sections.get_by_role("link", name="Knowledge base").click()
    page.get_by_label("Search").first.press_sequentially("paper jam", delay=20)
    expect(page.locator("#results .count")).to_have_text("1 article found for “paper jam”")
    expect(page.locator("#results")).not_to_contain_text("Changing the toner cartridge")
    assert_accessible(page)
    shoot(page, "portal-kb-search.png")
    page.locator("#results").get_by_role("link", name="Clearing printer paper jams").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clearing printer paper jams")
    expect(page.locator("main")).to_contain_text("Open tray two and pull gently.")
    assert_accessible(page)

    # 2. A new case: suggestions while typing the subject; one is opened, the case is still sent, with a file.
    sections.get_by_role("link", name="Cases").click()
    page.get_by_role("link", name="New case").click()
    page.get_by_label("Subject").press_sequentially("printer paper jam", delay=20)
    suggestion = page.locator("#kb-suggestions").get_by_role("link", name="Clearing printer paper jams")
    expect(suggestion).to_be_visible()
    assert_accessible(page)
    shoot(page, "portal-case-new.png")
    suggestion.click()
    expect(page.get_by_role("heading", name="Clearing printer paper jams")).to_be_visible()
    wait_for(lambda: CaseDeflection.objects.filter(article_slug="paper-jams").exists())  # the click's beacon
    page.go_back()
    page.get_by_label("Subject").fill(SUBJECT)
    page.get_by_label("Description").fill("I followed the article; the paper still jams.")
    screenshot = Path(tmp_path / "jam.png")
    screenshot.write_bytes(png_bytes((40, 30)))
    page.get_by_label("Attachments").set_input_files(str(screenshot))
    page.get_by_role("button", name="Send case").click()
    expect(page.locator("h1")).to_contain_text(SUBJECT)
    expect(page.locator(".attachments img")).to_be_visible()
    expect(page.locator("#case-live .status")).to_have_text("New")
    assert_accessible(page)
    case = Case.objects.get()
    assert CaseDeflection.objects.get().case == case

    # 3. Staff find the case in the back-office queue and send a public reply.
    staff = new_context().new_page()
    staff.goto(f"{base}/backoffice/")
    staff.fill("#id_username", STAFF_EMAIL)
    staff.fill("#id_password", STAFF_PASSWORD)
    staff.click("input[type=submit]")
    expect(staff.locator("#user-tools")).to_contain_text("Welcome, Sam")
    staff.locator("#content-main").get_by_role("link", name="Cases", exact=True).click()
    staff.get_by_role("link", name=case.number).click()
    expect(staff.locator(".case-conversation")).to_contain_text("I followed the article; the paper still jams.")
    staff.get_by_label("Public reply to the customer").check()
    staff.get_by_label("Message").fill("Please check the roller behind tray two and send a photo of it.")
    shoot(staff, "backoffice-case-reply.png", full_page=True)
    staff.locator(".case-reply").get_by_role("button", name="Send").click()
    expect(staff.locator(".messagelist")).to_contain_text("The reply was sent.")

    # 4. The customer's open page shows the reply at its next poll, without a reload.
    next_poll(page)
    expect(page.locator("#conversation")).to_contain_text("Please check the roller behind tray two")
    expect(page.locator("#case-live .status")).to_have_text("Open")
    assert_accessible(page)
    shoot(page, "portal-case-answered.png", full_page=True)

    # 5. The customer answers the reply email; the mail server pipes the answer to the intake.
    received = staff_reply_email(case)
    assert received["To"] == EMAIL and f"[{case.number}]" in received["Subject"]
    answer_email = customer_answer(received, "The roller was worn; with a new one it works.")
    result = receive_email(answer_email, envelope_sender=EMAIL)  # as the mail server's pipe delivers it
    assert result.outcome == Outcome.ACCEPTED, result.detail
    assert result.case == case and result.message.source == Source.EMAIL
    assert result.message.body == "The roller was worn; with a new one it works."
    next_poll(page)
    answer = page.locator(f"#message-{result.message.pk}")
    expect(answer).to_contain_text("The roller was worn; with a new one it works.")
    expect(answer).to_contain_text("Ella Esimerkki")

    # 6. Staff resolve the case from the queue.
    staff.goto(f"{base}/backoffice/helpdesk/case/")
    staff.get_by_role("row", name=re.compile(case.number)).get_by_role("checkbox").check()
    staff.select_option("select[name=action]", label="Mark as resolved")
    staff.get_by_role("button", name="Go").click()
    expect(staff.locator(".messagelist")).to_contain_text("1 case changed.")

    # 7. The customer sees it resolved, rates the help and closes the case; no reply box is left.
    next_poll(page)
    expect(page.locator("#case-live .status")).to_have_text("Resolved")
    page.reload()
    page.get_by_label("5").check()
    page.get_by_label("Comment (optional)").fill("Fast and friendly.")
    page.get_by_role("button", name="Send rating").click()
    expect(page.locator(".messages, .msg").first).to_contain_text("Thank you for rating our help.")
    assert_accessible(page)
    page.get_by_role("button", name="Mark as closed").click()
    expect(page.get_by_role("heading", name="This case is closed")).to_be_visible()
    expect(page.locator("form[action$='/reply/']")).to_have_count(0)
    expect(page.locator("textarea")).to_have_count(0)
    expect(page.locator(".case-rating")).to_contain_text("Fast and friendly.")
    assert_accessible(page)
    shoot(page, "portal-case-closed.png", full_page=True)
    case.refresh_from_db()
    assert (case.status, case.rating, case.rating_comment) == (Status.CLOSED, 5, "Fast and friendly.")
    kinds = list(case.messages.order_by("pk").values_list("kind", "source"))
    assert kinds == [
        (MessageKind.CUSTOMER, Source.PORTAL),
        (MessageKind.REPLY, Source.STAFF),
        (MessageKind.CUSTOMER, Source.EMAIL),
    ]


def staff_reply_email(case) -> EmailMessage:
    """Deliver the reply email from the outbox (as the outbox worker would) and return it as the customer got it."""
    from portico.core.models import OutboxMessage
    from portico.core.outbox import deliver

    queued = OutboxMessage.objects.get(kind="case_reply", to=EMAIL)
    mail.outbox = []
    assert deliver(queued.pk) == OutboxMessage.Status.SENT
    (sent,) = mail.outbox
    return message_from_bytes(sent.message().as_bytes(), policy=policy.default)


def customer_answer(received: EmailMessage, text: str) -> bytes:
    """The customer's mail client answering an email: Re: subject, the thread headers, the quoted original."""
    original = received.get_body(preferencelist=("plain",)).get_content()
    quoted = "\n".join(f"> {line}" for line in original.splitlines())
    answer = EmailMessage()
    answer["From"] = f"Ella Esimerkki <{EMAIL}>"
    answer["To"] = received["From"]
    answer["Subject"] = f"Re: {received['Subject']}"
    answer["Date"] = "Tue, 24 Nov 2026 10:00:00 +0200"
    answer["Message-ID"] = make_msgid(domain="acme.example")
    answer["In-Reply-To"] = received["Message-ID"]
    answer["References"] = received["Message-ID"]
    answer.set_content(f"{text}\n\nOn 24.11.2026 Support wrote:\n{quoted}\n")
    return answer.as_bytes()


def wait_for(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)
