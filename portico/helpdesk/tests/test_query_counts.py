"""Query counts of the case pages: fixed, the same with one case or many, one message or many, one file or many.

Every signed-in portal request costs four queries before the view runs (session, login, principal, portal
settings; see portico/portal/tests/test_query_counts.py).
"""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from portico.crm.tests.factories import AccountFactory
from portico.helpdesk import selectors, services
from portico.helpdesk.models import Case
from portico.helpdesk.tests.factories import CategoryFactory, open_case, png_upload, text_upload

SIGNED_IN = 4
LIST = 2  # the count for the pager, the page of cases (category and contact joined)
CASE = 1  # the case, looked up inside the principal's scope
SETTINGS = 1  # the helpdesk settings (reopen window); the attachment rules come with the portal settings
CONVERSATION = 2  # the public messages (authors joined), their attachments
HISTORY = 1  # the status history (who joined)
WIDGET = 2  # open cases counted, the latest five


@pytest.fixture
def client_of_bob(portal_client, bob_cases, agent, alice):
    """Bob with one case; the content types are warm (a per-process cache)."""
    ContentType.objects.get_for_models(Case)
    case = open_case(bob_cases, attachments=[png_upload()])
    client = portal_client(bob_cases)
    assert client.get(reverse("portal:home")).status_code == 200
    client.case = case
    return client


def grow(bob, agent, case):
    """Many more cases (Bob's and other companies'), messages, files, notes and status changes."""
    category = CategoryFactory()
    for n in range(12):
        other = open_case(bob, subject=f"More {n}", category=category, attachments=[text_upload()])
        services.add_staff_reply(case=other, user=agent, body="Reply")
    foreign = AccountFactory()
    for _ in range(5):
        open_case(
            case.contact.__class__.objects.create(first_name="F", last_name="F", account=foreign, email="f@f.example")
        )
    for n in range(6):
        services.add_staff_reply(case=case, user=agent, body=f"Reply {n}", attachments=[png_upload(), text_upload()])
        services.add_staff_reply(case=case, user=agent, body=f"Note {n}", internal=True)
        services.add_customer_message(case=case, contact=case.contact, body=f"Answer {n}", actor=None, source="portal")


PAGES = {
    "list": (lambda case: reverse("portal:cases"), SIGNED_IN + LIST),
    "list searched": (lambda case: reverse("portal:cases") + "?q=printer&priority=2&sort=-priority", SIGNED_IN + LIST),
    "export": (lambda case: reverse("portal:cases_export"), SIGNED_IN + 1),
    "detail": (
        lambda case: reverse("portal:case", args=[case.pk]),
        SIGNED_IN + SETTINGS + CASE + CONVERSATION + HISTORY,
    ),
    "updates, changed": (
        lambda case: reverse("portal:case_updates", args=[case.pk]) + "?since=0",
        SIGNED_IN + SETTINGS + CASE + CONVERSATION + HISTORY,
    ),
    "updates, unchanged": (
        lambda case: (
            reverse("portal:case_updates", args=[case.pk]) + f"?since={selectors.version(Case.objects.get(pk=case.pk))}"
        ),
        SIGNED_IN + SETTINGS + CASE,
    ),
    "create form": (lambda case: reverse("portal:case_create"), SIGNED_IN + 1),  # + the categories
}


@pytest.mark.parametrize("page", PAGES)
def test_a_case_page_runs_a_fixed_number_of_queries_whatever_the_data(
    client_of_bob, bob_cases, agent, django_assert_num_queries, page
):
    url, expected = PAGES[page]
    case = client_of_bob.case
    target = url(case)
    with django_assert_num_queries(expected):
        read(client_of_bob.get(target))
    grow(bob_cases, agent, case)
    target = url(case)
    with django_assert_num_queries(expected):
        read(client_of_bob.get(target))


def read(response) -> bytes:
    """The whole body; a streamed one (the CSV export) runs its queries only while it is read."""
    assert response.status_code in (200, 204)
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_dashboard_widget_costs_two_queries_whatever_the_data(
    client_of_bob, bob_cases, agent, django_assert_num_queries
):
    from portico.portal.tests.test_query_counts import LINKS

    # Bob's profile: My details and My company (no queries) and Cases.
    home = reverse("portal:home")
    with django_assert_num_queries(SIGNED_IN + LINKS + WIDGET) as before:
        client_of_bob.get(home)
    grow(bob_cases, agent, client_of_bob.case)
    with django_assert_num_queries(len(before.captured_queries)):
        client_of_bob.get(home)
