"""The audit log in the back office: sign-ins recorded, entries on the record's page, a filterable list."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from portico.access.tests.factories import TEST_PASSWORD, PortalAccessFactory
from portico.access.tokens import make_invitation_token
from portico.core.audit import log_action
from portico.core.models import AuditEntry
from portico.crm.models import Contact
from portico.crm.tests.factories import ContactFactory
from portico.users.models import User

AUDIT_LIST = "admin:core_auditentry_changelist"


@pytest.fixture
def staff_client(client, sam):
    """Sam (staff superuser) signed in to the back office."""
    client.force_login(sam)
    return client


def sign_in(email, *, ip="203.0.113.7", browser="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"):
    client = Client(HTTP_USER_AGENT=browser, REMOTE_ADDR=ip)
    response = client.post(reverse("account_login"), {"login": email, "password": TEST_PASSWORD})
    return client, response


def phone_change(contact, old, new, *, source="portal", actor=None, account_id=None):
    """Audit a change of a contact's phone, as a portal edit (acting as the contact) or a back-office one."""
    return log_action(
        action="my_details.updated" if source == "portal" else "contact.updated",
        actor=actor,
        actor_contact=contact if source == "portal" else None,
        target=contact,
        changes={"phone": [old, new]},
        source=source,
        account_id=account_id or contact.account_id,
    )


def test_a_portal_sign_in_is_recorded_with_the_contact_ip_and_browser(bob):
    _client, response = sign_in(bob.user.email)
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="signed_in")
    assert (entry.actor, entry.actor_contact, entry.source) == (bob.user, bob.contact, "portal")
    assert entry.account_id == bob.contact.account_id
    assert entry.target == bob.contact
    assert (entry.ip_address, entry.user_agent) == ("203.0.113.7", "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")


def test_choosing_a_password_through_an_invitation_is_recorded_as_a_sign_in(acme):
    access = PortalAccessFactory(contact=ContactFactory(account=acme), invitation_accepted_at=None)
    url = reverse("portal:accept_invitation", kwargs={"token": make_invitation_token(access)})
    password = "a long and quiet passphrase"
    client = Client(HTTP_USER_AGENT="InvitedBrowser/1.0", REMOTE_ADDR="192.0.2.44")
    assert client.post(url, {"new_password1": password, "new_password2": password}).status_code == 302
    entry = AuditEntry.objects.get(action="signed_in")
    assert (entry.actor, entry.actor_contact, entry.ip_address) == (access.user, access.contact, "192.0.2.44")


def test_a_failed_sign_in_is_not_recorded(bob):
    client = Client()
    client.post(reverse("account_login"), {"login": bob.user.email, "password": "not the password"})
    assert not AuditEntry.objects.filter(action="signed_in").exists()


def test_a_staff_sign_in_to_the_back_office_is_not_a_portal_sign_in(sam):
    Client().post(reverse("admin:login"), {"username": sam.email, "password": "sam-password-2026"})
    assert not AuditEntry.objects.filter(action="signed_in").exists()


def test_the_contact_page_shows_the_contacts_newest_entries_and_links_to_all(staff_client, bob):
    phone_change(bob.contact, "", "+358 40 111 2222", actor=bob.user)
    page = staff_client.get(reverse("admin:crm_contact_change", args=[bob.contact_id])).content.decode()
    assert "Audit log" in page
    assert "changed" in page
    assert "Phone: — → +358 40 111 2222" in page
    content_type = ContentType.objects.get_for_model(Contact)
    assert f"{reverse(AUDIT_LIST)}?record={content_type.pk}-{bob.contact_id}" in page


def test_the_contact_page_shows_at_most_twenty_entries_newest_first(staff_client, bob):
    for n in range(25):
        phone_change(bob.contact, f"+358 1 {n:04}", f"+358 1 {n + 1:04}", actor=bob.user)
    page = staff_client.get(reverse("admin:crm_contact_change", args=[bob.contact_id])).content.decode()
    assert "+358 1 0025" in page
    assert "→ +358 1 0005" not in page  # the sixth-oldest change is past the newest twenty
    assert page.index("+358 1 0025") < page.index("+358 1 0010")


def test_the_account_page_links_to_the_companys_entries(staff_client, acme, bob):
    log_action(action="my_company.updated", actor=bob.user, actor_contact=bob.contact, target=acme, source="portal")
    page = staff_client.get(reverse("admin:crm_account_change", args=[acme.pk])).content.decode()
    assert f"{reverse(AUDIT_LIST)}?account={acme.pk}" in page
    assert "bob@acme.example" in page


def test_staff_without_the_audit_permission_see_no_audit_section(client, bob):
    clerk = User.objects.create_user(email="clerk@portico.example", password="clerk-password-2026", is_staff=True)
    clerk.user_permissions.set(Permission.objects.filter(codename__in=["view_contact", "change_contact"]))
    phone_change(bob.contact, "", "+358 40 111 2222", actor=bob.user)
    client.force_login(clerk)
    page = client.get(reverse("admin:crm_contact_change", args=[bob.contact_id])).content.decode()
    assert "+358 40 111 2222" not in page
    assert "Audit log" not in page


def test_the_audit_list_shows_each_change_old_to_new_and_the_action_in_words(staff_client, bob):
    phone_change(bob.contact, "+358 1", "+358 2", actor=bob.user)
    page = staff_client.get(reverse(AUDIT_LIST)).content.decode()
    assert "Phone: +358 1 → +358 2" in page
    assert "changed" in page
    assert "my_details.updated" not in page


def test_the_audit_list_filters_by_source_kind_account_and_record(staff_client, bob, carol, acme, globex):
    phone_change(bob.contact, "", "+358 111", actor=bob.user)
    phone_change(carol.contact, "", "+46 222", actor=carol.user)
    phone_change(bob.contact, "+358 111", "+358 333", source="backoffice")
    log_action(action="signed_in", actor=bob.user, actor_contact=bob.contact, target=bob.contact, source="portal")
    content_type = ContentType.objects.get_for_model(Contact)

    def shown(**params):
        page = staff_client.get(reverse(AUDIT_LIST), params).content.decode()
        found = {value for value in ("+358 111", "+46 222", "+358 333") if f"→ {value}" in page}
        return found | ({"signed in"} if 'field-action_words">signed in<' in page else set())

    assert shown() == {"+358 111", "+46 222", "+358 333", "signed in"}
    assert shown(source="backoffice") == {"+358 333"}
    assert shown(source="portal") == {"+358 111", "+46 222", "signed in"}
    assert shown(kind="signed_in") == {"signed in"}
    assert shown(kind="changed") == {"+358 111", "+46 222", "+358 333"}
    assert shown(account=str(globex.pk)) == {"+46 222"}
    assert shown(record=f"{content_type.pk}-{bob.contact_id}") == {"+358 111", "+358 333", "signed in"}


def test_the_audit_list_names_the_filtered_account_and_record(staff_client, bob, acme):
    phone_change(bob.contact, "", "+358 111", actor=bob.user)
    content_type = ContentType.objects.get_for_model(Contact)
    page = staff_client.get(reverse(AUDIT_LIST), {"account": acme.pk}).content.decode()
    assert "Acme Oy" in page
    page = staff_client.get(reverse(AUDIT_LIST), {"record": f"{content_type.pk}-{bob.contact_id}"}).content.decode()
    assert "Bob Basic" in page


def test_the_audit_list_searches_by_record_and_by_actor_email(staff_client, bob, carol):
    phone_change(bob.contact, "", "+358 111", actor=bob.user)
    phone_change(carol.contact, "", "+46 222", actor=carol.user)
    by_record = staff_client.get(reverse(AUDIT_LIST), {"q": "Carol Other"}).content.decode()
    assert "+46 222" in by_record and "+358 111" not in by_record
    by_email = staff_client.get(reverse(AUDIT_LIST), {"q": "bob@acme"}).content.decode()
    assert "+358 111" in by_email and "+46 222" not in by_email


@pytest.mark.parametrize(
    "params",
    [
        {"account": "abc"},
        {"account": "99999999"},
        {"account": "99999999999999999999999999"},
        {"account": "²"},
        {"record": "²-5"},
        {"record": "99999999999999999999999-5"},
        {"record": "nonsense"},
        {"record": "12-"},
        {"record": "-5"},
        {"kind": "no-such-kind"},
        {"source": "<script>"},
        {"q": "x" * 5000},
        {"created_at__gte": "not a date"},
    ],
    ids=lambda p: ",".join(p),
)
def test_bad_filter_values_on_the_audit_list_are_never_a_500(staff_client, bob, params):
    phone_change(bob.contact, "", "+358 111", actor=bob.user)
    response = staff_client.get(reverse(AUDIT_LIST), params)
    assert response.status_code in (200, 302)


def test_the_audit_list_runs_a_fixed_number_of_queries(
    staff_client, bob, carol, django_assert_max_num_queries, django_assert_num_queries
):
    for n in range(3):
        phone_change(bob.contact, "", f"+358 {n}", actor=bob.user)
    staff_client.get(reverse(AUDIT_LIST))
    with django_assert_max_num_queries(12) as first:
        assert staff_client.get(reverse(AUDIT_LIST)).status_code == 200
    expected = len(first.captured_queries)  # read now: the next request empties the query log
    for n in range(60):
        phone_change(carol.contact if n % 2 else bob.contact, "", f"+46 {n}", actor=carol.user)
    with django_assert_num_queries(expected):
        assert staff_client.get(reverse(AUDIT_LIST)).status_code == 200


def test_the_record_section_runs_a_fixed_number_of_queries(
    staff_client, bob, django_assert_max_num_queries, django_assert_num_queries
):
    url = reverse("admin:crm_contact_change", args=[bob.contact_id])
    phone_change(bob.contact, "", "+358 0", actor=bob.user)
    staff_client.get(url)
    with django_assert_max_num_queries(40) as first:
        staff_client.get(url)
    expected = len(first.captured_queries)
    for n in range(30):
        phone_change(bob.contact, "", f"+358 {n}", actor=bob.user)
    with django_assert_num_queries(expected):
        staff_client.get(url)


def test_audit_entries_cannot_be_added_changed_or_deleted_in_the_back_office(staff_client, bob):
    entry = phone_change(bob.contact, "", "+358 111", actor=bob.user)
    change_url = reverse("admin:core_auditentry_change", args=[entry.pk])
    assert staff_client.get(reverse("admin:core_auditentry_add")).status_code == 403
    assert staff_client.post(change_url, {"action": "forged"}).status_code == 403
    assert (
        staff_client.post(reverse("admin:core_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    )
    entry.refresh_from_db()
    assert entry.action == "my_details.updated"
    page = staff_client.get(change_url).content.decode()
    assert "Phone: — → +358 111" in page


def test_an_account_edit_shows_its_field_labels_and_yes_no(staff_client, acme, sam):
    log_action(action="account.updated", actor=sam, target=acme, changes={"is_active": [True, False]})
    page = staff_client.get(reverse(AUDIT_LIST)).content.decode()
    assert "Active: Yes → No" in page
