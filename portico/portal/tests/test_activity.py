"""Activity (company admins see their company's portal activity) and Sign-ins and sessions (one's own login)."""

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portico.access.models import PortalProfile
from portico.access.tests.factories import TEST_PASSWORD, PortalAccessFactory
from portico.core.audit import log_action
from portico.core.models import AuditEntry
from portico.crm.models import Account, Contact
from portico.crm.tests.factories import AccountFactory, ContactFactory

ACTIVITY = 3  # the people to filter by, the count of entries, the page of entries
SECURITY = 2  # the live sessions, the latest sign-ins

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"
SAFARI = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Safari/604.1"


def grant_activity(*accesses):
    """Give the personas' profiles the Activity module (it still exists only for company admins)."""
    for access in accesses:
        access.profile.grants["activity"] = {"view": True, "scope": "company"}
        access.profile.save(update_fields=["grants"])


@pytest.fixture
def admin_alice(alice, bob):
    """Alice, Acme's company admin, with Activity in her profile; bob's profile has it too."""
    grant_activity(alice, bob)
    return alice


def portal_edit(access, target, changes, action="my_details.updated"):
    """Audit a change made through the portal by a persona, as the portal's services do."""
    return log_action(
        action=action,
        actor=access.user,
        actor_contact=access.contact,
        target=target,
        changes=changes,
        source="portal",
        account_id=access.contact.account_id,
    )


def sign_in(access, *, browser=FIREFOX, ip="198.51.100.20"):
    """Sign a persona in through the sign-in page, from its own browser, and return that browser."""
    client = Client(HTTP_USER_AGENT=browser, REMOTE_ADDR=ip)
    response = client.post(reverse("account_login"), {"login": access.user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302, response.content
    return client


def activity(client, **params):
    response = client.get(reverse("portal:activity"), params)
    assert response.status_code == 200
    return response.content.decode()


# --- Activity ---------------------------------------------------------------------------------------------


def test_a_sign_in_is_recorded_and_shown_to_the_company_admin(admin_alice, bob):
    sign_in(bob)
    entry = AuditEntry.objects.get(action="signed_in", actor=bob.user)
    assert (entry.actor_contact, entry.account_id, entry.source) == (bob.contact, bob.contact.account_id, "portal")
    page = activity(sign_in(admin_alice))
    assert "Bob Basic" in page
    assert "signed in" in page
    assert "198.51.100.20" not in page  # addresses are for the person themselves and staff, not colleagues


def test_a_field_change_is_shown_old_to_new(portal_client, admin_alice, bob):
    client = portal_client(bob)
    form = client.get(reverse("portal:my_details_edit")).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data["phone"] = "+358 40 123 4567"
    assert client.post(reverse("portal:my_details_edit"), data).status_code == 302
    page = activity(portal_client(admin_alice))
    assert "changed" in page
    assert "Phone: <del>—</del> → <ins>+358 40 123 4567</ins>" in page


def test_the_company_admin_sees_only_the_own_companys_entries(portal_client, admin_alice, bob, carol, globex):
    portal_edit(bob, bob.contact, {"job_title": ["", "Buyer at Acme"]})
    portal_edit(carol, carol.contact, {"job_title": ["", "Globex secret title"]})
    portal_edit(carol, globex, {"phone": ["", "+46 8 555 0000"]}, action="my_company.updated")
    gizmo = AccountFactory(name="Gizmo Oy")
    log_action(action="signed_in", actor=carol.user, actor_contact=carol.contact, source="portal", account_id=gizmo.pk)
    page = activity(portal_client(admin_alice))
    assert "Buyer at Acme" in page
    assert "Globex" not in page and "Carol" not in page and "+46 8 555 0000" not in page


def test_back_office_changes_are_not_portal_activity(portal_client, admin_alice, bob, sam):
    log_action(action="contact.updated", actor=sam, target=bob.contact, changes={"job_title": ["", "Staff note"]})
    log_action(
        action="contact.updated",
        actor=sam,
        target=bob.contact,
        changes={"job_title": ["", "Internal staff remark"]},
        account_id=bob.contact.account_id,
    )
    page = activity(portal_client(admin_alice))
    assert "Staff note" not in page and "Internal staff remark" not in page


def test_a_plain_user_gets_404_even_when_the_profile_grants_activity(portal_client, admin_alice, bob):
    assert portal_client(bob).get(reverse("portal:activity")).status_code == 404


def test_a_company_admin_without_the_grant_gets_404_and_no_menu_entry(portal_client, alice):
    client = portal_client(alice)
    assert client.get(reverse("portal:activity")).status_code == 404
    assert reverse("portal:activity").encode() not in client.get(reverse("portal:home")).content


def test_the_menu_offers_activity_to_the_company_admin(portal_client, admin_alice):
    assert reverse("portal:activity").encode() in portal_client(admin_alice).get(reverse("portal:home")).content


def test_activity_filters_by_kind_of_action_and_by_person(portal_client, admin_alice, bob):
    portal_edit(bob, bob.contact, {"job_title": ["", "Bob's title"]})
    portal_edit(admin_alice, admin_alice.contact, {"job_title": ["", "Alice's title"]})
    log_action(
        action="signed_in",
        actor=bob.user,
        actor_contact=bob.contact,
        source="portal",
        account_id=bob.contact.account_id,
    )
    client = portal_client(admin_alice)
    signed_in_rows = lambda page: page.count("<td>signed in</td>")  # noqa: E731
    by_bob = activity(client, person=bob.contact_id)
    assert "Bob&#x27;s title" in by_bob and "Alice&#x27;s title" not in by_bob and signed_in_rows(by_bob) == 1
    changes = activity(client, kind="changed")
    assert "Bob&#x27;s title" in changes and "Alice&#x27;s title" in changes and signed_in_rows(changes) == 0
    sign_ins = activity(client, kind="signed_in", person=bob.contact_id)
    assert "title" not in sign_ins.split("<tbody>")[1] and signed_in_rows(sign_ins) == 1


@pytest.mark.parametrize(
    "params",
    [
        {"person": "abc"},
        {"person": "99999999"},
        {"kind": "<script>alert(1)</script>"},
        {"page": "-1"},
        {"page": "abc"},
        {"page": "99999"},
        {"person": "1" * 400, "kind": "x" * 5000},
    ],
    ids=lambda p: ",".join(p),
)
def test_bad_filter_input_is_never_a_500(portal_client, admin_alice, bob, params):
    portal_edit(bob, bob.contact, {"job_title": ["", "Shown anyway"]})
    page = activity(portal_client(admin_alice), **params)
    assert "Shown anyway" in page
    assert "<script>alert(1)</script>" not in page


def test_a_person_of_another_company_cannot_be_chosen(portal_client, admin_alice, carol):
    portal_edit(carol, carol.contact, {"job_title": ["", "Globex title"]})
    page = activity(portal_client(admin_alice), person=carol.contact_id)
    assert "Select a valid choice" in page
    assert "Globex title" not in page


def test_activity_is_paginated_25_per_page(portal_client, admin_alice, bob):
    for n in range(30):
        portal_edit(bob, bob.contact, {"job_title": [f"T{n - 1:02}", f"T{n:02}"]})
    client = portal_client(admin_alice)
    first = activity(client, kind="changed")
    assert "30 entries" in first and "T29" in first and "<ins>T04</ins>" not in first
    second = activity(client, kind="changed", page=2)
    assert "<ins>T04</ins>" in second and "<ins>T29</ins>" not in second
    assert "kind=changed" in second  # the pager keeps the filters


def test_the_person_filter_offers_only_the_own_companys_portal_users(admin_alice, bob, carol, acme_sub):
    from portico.access.principal import Principal
    from portico.portal.activity import ActivityFilterForm, activity_people

    ContactFactory(account=admin_alice.contact.account, first_name="Nobody")  # no portal access
    PortalAccessFactory(contact=ContactFactory(account=acme_sub, first_name="Subsidiary"))
    people = activity_people(Principal(user=admin_alice.user, access=admin_alice))
    assert people == [admin_alice.contact, bob.contact]  # ordered by last name: Admin, Basic
    form = ActivityFilterForm(people=people)
    assert [label for _value, label in form.fields["person"].choices][1:] == ["Alice Admin", "Bob Basic"]


def test_an_htmx_request_gets_only_the_results(portal_client, admin_alice, bob):
    portal_edit(bob, bob.contact, {"job_title": ["", "Fragment"]})
    response = portal_client(admin_alice).get(reverse("portal:activity"), HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert "Fragment" in content and "<html" not in content


def own_queries(captured, tables) -> int:
    """How many of the captured queries read the page's own tables (the signed-in overhead is counted apart)."""
    return sum(1 for query in captured if any(f'FROM "{table}"' in query["sql"] for table in tables))


def test_the_activity_page_runs_a_fixed_number_of_queries(portal_client, admin_alice, bob, django_assert_num_queries):
    ContentType.objects.get_for_models(Contact, Account)
    client = portal_client(admin_alice)
    portal_edit(bob, bob.contact, {"job_title": ["", "One"]})
    client.get(reverse("portal:activity"))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("portal:activity"), {"kind": "changed"}).status_code == 200
    expected = len(few.captured_queries)  # read now: the next request empties the query log
    assert own_queries(few.captured_queries, ("core_auditentry", "crm_contact")) == ACTIVITY
    acme = admin_alice.contact.account
    for n in range(40):
        colleague = PortalAccessFactory(contact=ContactFactory(account=acme))
        portal_edit(colleague, colleague.contact, {"job_title": ["", f"Title {n}"], "phone": ["", "+358 1"]})
        portal_edit(colleague, acme, {"city": ["", "Espoo"]}, action="my_company.updated")
    with django_assert_num_queries(expected):
        page = client.get(reverse("portal:activity"), {"kind": "changed"})
    assert page.content.decode().count("<tr>") == 1 + 25


def test_the_key_contact_profile_grants_activity(db):
    grants = PortalProfile.objects.get(name="Key contact").grants
    assert grants["activity"] == {"view": True, "scope": "company"}


# --- Sign-ins and sessions ---------------------------------------------------------------------------------


def security(client):
    response = client.get(reverse("portal:security"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_security_page_lists_only_ones_own_sign_ins_and_sessions(bob, carol):
    sign_in(bob, browser="BobsSecretBrowser/1.0", ip="192.0.2.10")
    carols = sign_in(carol, browser=SAFARI, ip="192.0.2.77")
    page = security(carols)
    assert "192.0.2.77" in page and "Safari on iOS" in page
    assert "192.0.2.10" not in page and "BobsSecretBrowser" not in page


def test_the_security_page_marks_this_device_and_lists_the_other_sessions(bob):
    sign_in(bob, browser=SAFARI, ip="192.0.2.2")
    laptop = sign_in(bob, browser=FIREFOX, ip="192.0.2.1")
    page = security(laptop)
    sessions = page.split('id="sessions-heading"', 1)[1].split("</table>", 1)[0]
    rows = sessions.split("<tr>")[2:]
    assert len(rows) == 2
    (this_row,) = [row for row in rows if "This device" in row]
    assert "192.0.2.1<" in this_row and "Firefox on Linux" in this_row


def test_sign_ins_of_every_company_of_the_login_are_listed(bob, globex):
    other = ContactFactory(account=globex, first_name="Bob", last_name="Basic", email=bob.user.email)
    PortalAccessFactory(contact=other, user=bob.user)
    log_action(action="signed_in", actor=bob.user, actor_contact=other, source="portal", account_id=globex.pk)
    page = security(sign_in(bob))
    assert "Globex AB" in page and "Acme Oy" in page


def test_ending_other_sessions_signs_out_the_other_browsers_only(bob):
    phone = sign_in(bob, browser=SAFARI, ip="192.0.2.2")
    laptop = sign_in(bob, browser=FIREFOX, ip="192.0.2.1")
    response = laptop.post(reverse("portal:security"))
    assert response.status_code == 302 and response["Location"] == reverse("portal:security")
    assert "1 other session was ended." in security(laptop)
    assert phone.get(reverse("portal:home"))["Location"].startswith(reverse("account_login"))
    assert UserSession.objects.filter(user=bob.user).count() == 1
    entry = AuditEntry.objects.get(action="other_sessions_ended")
    assert (entry.actor, entry.actor_contact, entry.source) == (bob.user, bob.contact, "portal")


def test_ending_other_sessions_when_there_are_none_changes_nothing(bob):
    laptop = sign_in(bob)
    before = AuditEntry.objects.count()
    laptop.post(reverse("portal:security"))
    assert "There were no other sessions to end." in security(laptop)
    assert AuditEntry.objects.count() == before
    assert laptop.get(reverse("portal:home")).status_code == 200


def test_ending_other_sessions_never_touches_another_login(bob, carol):
    carols = sign_in(carol)
    sign_in(bob).post(reverse("portal:security"))
    assert carols.get(reverse("portal:home")).status_code == 200


def test_the_security_page_runs_a_fixed_number_of_queries(bob, django_assert_num_queries):
    laptop = sign_in(bob)
    security(laptop)
    with CaptureQueriesContext(connection) as few:
        security(laptop)
    expected = len(few.captured_queries)  # read now: the next request empties the query log
    assert own_queries(few.captured_queries, ("core_auditentry", "usersessions_usersession")) == SECURITY
    for n in range(25):
        sign_in(bob, ip=f"192.0.2.{n + 1}")
    with django_assert_num_queries(expected):
        page = security(laptop)
    assert page.count("192.0.2.") == 25 + 20  # the 25 other live sessions, and the latest twenty sign-ins
