"""Query counts per portal page: a fixed number, the same with 30 more companies and 150 more portal users.

Every signed-in portal request costs four queries before the view runs: the session, the login, the
principal (the login's valid portal accesses with contact, account and profile joined in), and the portal
settings (one cache read per request; a query with the database cache, none with Redis). A page over one
record adds one query for the record; a saved edit adds the update and its audit entry (in a savepoint).
"""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from portico.access.tests.factories import PortalAccessFactory
from portico.crm.models import Account, Contact
from portico.crm.tests.factories import AccountFactory, ContactFactory

SIGNED_IN = 4  # session, login, principal (accesses ⋈ contact ⋈ account ⋈ profile), portal settings (cached)
RECORD = 1  # the one record of a single-record module, looked up inside the principal's scope
SAVE = 4  # savepoint, UPDATE of the changed fields, INSERT of the audit entry, release savepoint
# Dashboard widgets of alice's modules: My details and My company use the principal's records (none);
# Colleagues counts in one query and lists the latest in another.
WIDGETS = 2
LINKS = 1  # the external links the principal's profile sees

PAGES = {
    "home": SIGNED_IN + WIDGETS + LINKS,
    "my_details": SIGNED_IN + RECORD,
    "my_details_edit": SIGNED_IN + RECORD,
    "my_company": SIGNED_IN + RECORD,
    "my_company_edit": SIGNED_IN + RECORD,
}
EDITS = {
    "my_details_edit": (SIGNED_IN + RECORD + SAVE, ("first_name", "last_name", "language")),
    "my_company_edit": (SIGNED_IN + RECORD + SAVE, ("street_address", "city", "phone")),
}


@pytest.fixture
def client_of_alice(portal_client, alice):
    """Alice signed in, after one request so that her session already holds the contact she acts as.

    The content-type cache is warmed too: it is per process, and a cold cache would add one query to the
    first audited write of a process only.
    """
    ContentType.objects.get_for_models(Contact, Account)
    client = portal_client(alice)
    assert client.get(reverse("portal:home")).status_code == 200
    return client


def add_many_more_records(alice):
    """30 more companies with 5 portal users each, 10 more colleagues at Acme, and Alice in 3 more companies."""
    for _ in range(30):
        account = AccountFactory()
        AccountFactory(parent=account)
        for _ in range(5):
            PortalAccessFactory(contact=ContactFactory(account=account))
    for _ in range(10):
        PortalAccessFactory(contact=ContactFactory(account=alice.contact.account))
    for _ in range(3):
        other = ContactFactory(account=AccountFactory(), email=alice.user.email)
        PortalAccessFactory(contact=other, user=alice.user)
    assert Contact.objects.count() > 150


@pytest.mark.parametrize("page", PAGES)
def test_a_portal_page_runs_a_fixed_number_of_queries_whatever_the_data(
    client_of_alice, alice, django_assert_num_queries, page
):
    url = reverse(f"portal:{page}")
    with django_assert_num_queries(PAGES[page]):
        assert client_of_alice.get(url).status_code == 200
    add_many_more_records(alice)
    with django_assert_num_queries(PAGES[page]):
        assert client_of_alice.get(url).status_code == 200


def _edit_data(client, page: str, fields: tuple[str, ...], round_: int) -> dict:
    form = client.get(reverse(f"portal:{page}")).context["form"]
    data = {name: form[name].value() or "" for name in fields}
    data[fields[0] if page == "my_details_edit" else "city"] = f"Changed {round_}"
    return data


@pytest.mark.parametrize("page", EDITS)
def test_a_saved_portal_edit_runs_a_fixed_number_of_queries_whatever_the_data(
    client_of_alice, alice, django_assert_num_queries, page
):
    expected, fields = EDITS[page]
    url = reverse(f"portal:{page}")
    data = _edit_data(client_of_alice, page, fields, 1)
    with django_assert_num_queries(expected):
        assert client_of_alice.post(url, data).status_code == 302
    add_many_more_records(alice)
    data = _edit_data(client_of_alice, page, fields, 2)
    with django_assert_num_queries(expected):
        assert client_of_alice.post(url, data).status_code == 302


@pytest.mark.parametrize("page", EDITS)
def test_a_refused_portal_edit_runs_a_fixed_number_of_queries(client_of_alice, alice, django_assert_num_queries, page):
    url = reverse(f"portal:{page}")
    bad = {"phone": "not a phone number", "first_name": "Alice", "last_name": "Admin", "language": "xx"}
    with django_assert_num_queries(SIGNED_IN + RECORD):
        assert client_of_alice.post(url, bad).status_code == 400
    add_many_more_records(alice)
    with django_assert_num_queries(SIGNED_IN + RECORD):
        assert client_of_alice.post(url, bad).status_code == 400
