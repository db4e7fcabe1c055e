"""The back office for portal access: contact screens, the Portal section, bulk actions, profiles, roles, commands."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portico.access.demo import DEMO_PASSWORD, PEOPLE, STAFF_EMAIL, STAFF_PASSWORD, demo_logins
from portico.access.management.commands.seed import SEED_PASSWORD
from portico.access.models import PortalAccess, PortalProfile
from portico.access.registry import Grant, grantable_modules
from portico.core.models import OutboxMessage
from portico.crm.models import Account, Contact
from portico.crm.tests.factories import ContactFactory
from portico.users.models import User

CONTACTS = reverse("admin:crm_contact_changelist")


@pytest.fixture(autouse=True)
def empty_cache(db):
    """allauth keeps its rate limits in the cache: every test starts with none."""
    cache.clear()


@pytest.fixture
def staff(client, sam):
    """The back office, signed in as sam."""
    client.force_login(sam)
    return client


def form_data(response):
    """POST data that resubmits an admin form (with its inline formsets) exactly as rendered."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context.get("inline_admin_formsets", []):
        forms += [inline.formset.management_form, *inline.formset.forms]
    for form in forms:
        for bound in form:
            value = bound.value()
            if value is None or value is False:
                continue
            data[bound.html_name] = "on" if value is True else str(value)
            if bound.field.show_hidden_initial:
                data[bound.html_initial_name] = data[bound.html_name]
    return data


def change_url(contact):
    return reverse("admin:crm_contact_change", args=[contact.pk])


def portal_form_errors(response):
    """The errors of the Portal section of a contact form that was sent back."""
    [inline] = response.context["inline_admin_formsets"]
    return inline.formset.errors[0]


def texts(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def standard():
    return PortalProfile.objects.get(name="Standard user")


# ---------------------------------------------------------------- contact screens


def test_staff_open_the_contact_list_add_and_change_forms(staff, bob, carol):
    listing = staff.get(CONTACTS)
    assert listing.status_code == 200
    assert b"bob@acme.example" in listing.content
    assert b"carol@globex.example" in listing.content
    assert staff.get(reverse("admin:crm_contact_add")).status_code == 200
    change = staff.get(change_url(bob.contact))
    assert change.status_code == 200
    assert b"portal_access-0-is_active" in change.content


def test_contact_list_filters_on_portal_access(staff, bob, acme):
    ContactFactory(first_name="Walter", email="walter@acme.example", account=acme)
    response = staff.get(CONTACTS, {"portal_access__is_active__exact": "1"})
    assert b"bob@acme.example" in response.content
    assert b"walter@acme.example" not in response.content


def test_portal_section_refuses_an_end_date_before_the_start(staff, bob):
    data = form_data(staff.get(change_url(bob.contact)))
    today = timezone.localdate()
    data["portal_access-0-support_start"] = str(today)
    data["portal_access-0-portal_end"] = str(today - timedelta(days=1))
    response = staff.post(change_url(bob.contact), data)
    assert response.status_code == 200
    assert "portal_end" in portal_form_errors(response)
    bob.refresh_from_db()
    assert bob.portal_end > today


def test_portal_section_refuses_active_access_without_a_profile(staff, acme):
    contact = ContactFactory(first_name="Walter", email="walter@acme.example", account=acme)
    data = form_data(staff.get(change_url(contact)))
    data["portal_access-0-is_active"] = "on"
    response = staff.post(change_url(contact), data)
    assert response.status_code == 200
    assert "profile" in portal_form_errors(response)
    assert not PortalAccess.objects.filter(contact=contact).exists()
    assert not OutboxMessage.objects.exists()


def test_portal_section_refuses_active_access_for_a_contact_without_email(staff, acme, standard):
    contact = ContactFactory(first_name="Walter", email="", account=acme)
    data = form_data(staff.get(change_url(contact)))
    data["portal_access-0-is_active"] = "on"
    data["portal_access-0-profile"] = str(standard.pk)
    response = staff.post(change_url(contact), data)
    assert response.status_code == 200
    assert "is_active" in portal_form_errors(response)
    assert not PortalAccess.objects.filter(contact=contact).exists()


def test_clearing_the_email_of_an_active_portal_user_is_refused(staff, bob):
    data = form_data(staff.get(change_url(bob.contact)))
    data["email"] = ""
    response = staff.post(change_url(bob.contact), data)
    assert response.status_code == 200
    assert "is_active" in portal_form_errors(response)
    bob.contact.refresh_from_db()
    assert bob.contact.email == "bob@acme.example"


def test_ticking_active_on_a_contact_sends_an_invitation(staff, acme, standard):
    contact = ContactFactory(first_name="Walter", email="walter@acme.example", account=acme)
    data = form_data(staff.get(change_url(contact)))
    data["portal_access-0-is_active"] = "on"
    data["portal_access-0-profile"] = str(standard.pk)
    response = staff.post(change_url(contact), data)
    assert response.status_code == 302
    access = PortalAccess.objects.get(contact=contact)
    assert access.is_active
    assert access.user.email == "walter@acme.example"
    [message] = OutboxMessage.objects.all()
    assert (message.to, message.kind) == ("walter@acme.example", "invitation")
    assert any("invitation was sent to walter@acme.example" in text for text in texts(response))


def test_ticking_active_on_a_new_contact_sends_an_invitation(staff, acme, standard):
    data = form_data(staff.get(reverse("admin:crm_contact_add")))
    data.update(
        {
            "first_name": "Walter",
            "last_name": "White",
            "email": "Walter@Acme.example",
            "account": str(acme.pk),
            "portal_access-0-is_active": "on",
            "portal_access-0-profile": str(standard.pk),
        }
    )
    response = staff.post(reverse("admin:crm_contact_add"), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    contact = Contact.objects.get(email="walter@acme.example")
    assert contact.portal_access.is_active
    assert OutboxMessage.objects.get().to == "walter@acme.example"


def test_unticking_active_revokes_access_without_sending_mail(staff, bob):
    data = form_data(staff.get(change_url(bob.contact)))
    del data["portal_access-0-is_active"]
    response = staff.post(change_url(bob.contact), data)
    assert response.status_code == 302
    bob.refresh_from_db()
    assert not bob.is_active
    assert not OutboxMessage.objects.exists()


def test_saving_an_unchanged_contact_sends_nothing(staff, bob):
    response = staff.post(change_url(bob.contact), form_data(staff.get(change_url(bob.contact))))
    assert response.status_code == 302
    assert not OutboxMessage.objects.exists()
    assert PortalAccess.objects.get(pk=bob.pk).is_active


# ---------------------------------------------------------------- bulk actions


@pytest.fixture
def three_contacts(acme):
    """Two contacts with an email address and one without."""
    return [
        ContactFactory(first_name="Walter", email="walter@acme.example", account=acme),
        ContactFactory(first_name="Wendy", email="wendy@acme.example", account=acme),
        ContactFactory(first_name="Nomail", last_name="Person", email="", account=acme),
    ]


def run_action(staff, action, contacts):
    return staff.post(CONTACTS, {"action": action, "_selected_action": [c.pk for c in contacts]}, follow=True)


def test_grant_and_invite_action_reports_the_contact_without_email_and_does_the_others(staff, three_contacts):
    response = run_action(staff, "grant_and_invite", three_contacts)
    assert response.status_code == 200
    assert sorted(OutboxMessage.objects.values_list("to", flat=True)) == ["walter@acme.example", "wendy@acme.example"]
    assert PortalAccess.objects.filter(is_active=True).count() == 2
    assert not PortalAccess.objects.filter(contact=three_contacts[2]).exists()
    messages = texts(response)
    assert "Portal access granted and 2 invitations sent." in messages
    assert any(text.startswith("Nomail Person:") and "email address" in text for text in messages)


def test_resend_invitation_action_sends_again_and_reports_contacts_without_access(staff, three_contacts):
    run_action(staff, "grant_and_invite", three_contacts)
    response = run_action(staff, "resend_invitation", three_contacts)
    assert OutboxMessage.objects.filter(kind="invitation").count() == 4
    messages = texts(response)
    assert "2 invitations sent." in messages
    assert "Nomail Person: Portal access is not active." in messages


def test_revoke_action_turns_access_off_and_reports_contacts_without_access(staff, three_contacts):
    run_action(staff, "grant_and_invite", three_contacts)
    response = run_action(staff, "revoke", three_contacts)
    assert not PortalAccess.objects.filter(is_active=True).exists()
    messages = texts(response)
    assert "Portal access revoked for 2 contacts." in messages
    assert "Nomail Person: Portal access is not active." in messages


def test_actions_are_refused_to_staff_without_change_permission(client, bob):
    viewer = User.objects.create_user(email="viewer@portico.example", is_staff=True)
    viewer.user_permissions.add(*Group.objects.get(name="Sales").permissions.filter(codename="view_contact"))
    client.force_login(viewer)
    assert client.get(CONTACTS).status_code == 200
    client.post(CONTACTS, {"action": "revoke", "_selected_action": [bob.contact.pk]})
    bob.refresh_from_db()
    assert bob.is_active


# ---------------------------------------------------------------- the portal profile editor


PROFILES_ADD = reverse("admin:access_portalprofile_add")


def test_profile_editor_shows_every_module_and_field_on_one_screen(staff):
    response = staff.get(PROFILES_ADD)
    assert response.status_code == 200
    content = response.content.decode()
    for module in grantable_modules():
        assert str(module.label) in content
        assert f'name="{module.key}__view"' in content
        for name in module.fields:
            assert f'name="{module.key}__field__{name}"' in content


def test_profile_editor_saves_grants(staff):
    data = form_data(staff.get(PROFILES_ADD))
    data.update(
        {
            "name": "Billing contact",
            "description": "Sees their own details only.",
            "my_details__view": "on",
            "my_details__edit": "on",
            "my_details__field__first_name": "edit",
            "my_details__field__phone": "edit",
            "my_details__field__email": "read",
        }
    )
    response = staff.post(PROFILES_ADD, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    profile = PortalProfile.objects.get(name="Billing contact")
    assert list(profile.grants) == ["my_details"]  # My company not granted: absent, so it does not exist
    grant = profile.grants["my_details"]
    assert (grant["view"], grant["edit"], grant["create"], grant["actions"], grant["scope"]) == (
        True,
        True,
        False,
        False,
        "own",
    )
    assert grant["fields"]["first_name"] == grant["fields"]["phone"] == "edit"
    assert grant["fields"]["email"] == "read"
    assert grant["fields"]["job_title"] == "hidden"


def test_profile_editor_round_trips_an_existing_profile(staff):
    profile = PortalProfile.objects.get(name="Key contact")
    before = {m.key: Grant.from_json(m, profile.grants.get(m.key)) for m in grantable_modules()}
    url = reverse("admin:access_portalprofile_change", args=[profile.pk])
    response = staff.post(url, form_data(staff.get(url)))
    assert response.status_code == 302
    profile.refresh_from_db()
    assert {m.key: Grant.from_json(m, profile.grants.get(m.key)) for m in grantable_modules()} == before
    assert profile.grants["my_company"]["fields"]["street_address"] == "edit"


def test_profile_editor_never_offers_an_editable_email_for_my_details(staff):
    form = staff.get(PROFILES_ADD).context["adminform"].form
    assert "edit" not in dict(form.fields["my_details__field__email"].choices)
    assert "edit" in dict(form.fields["my_details__field__phone"].choices)
    data = form_data(staff.get(PROFILES_ADD))
    data.update({"name": "Sneaky", "my_details__view": "on", "my_details__edit": "on"})
    data["my_details__field__email"] = "edit"
    response = staff.post(PROFILES_ADD, data)
    assert response.status_code == 200
    assert "my_details__field__email" in response.context["adminform"].form.errors
    assert not PortalProfile.objects.filter(name="Sneaky").exists()


def test_profile_list_shows_modules_and_contact_counts(staff, bob):
    response = staff.get(reverse("admin:access_portalprofile_changelist"))
    assert response.status_code == 200
    assert b"Key contact" in response.content
    assert b"My details" in response.content


# ---------------------------------------------------------------- staff roles


def staff_in(group_name):
    user = User.objects.create_user(email=f"{group_name.lower()}@portico.example", is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return User.objects.get(pk=user.pk)  # fresh, without a permission cache


def test_staff_groups_exist(db):
    assert set(Group.objects.values_list("name", flat=True)) >= {"Administrator", "Sales", "Support"}


def test_administrator_may_do_everything_in_the_crm(db):
    admin = staff_in("Administrator")
    for perm in (
        "crm.delete_account",
        "crm.change_contact",
        "access.change_portalprofile",
        "core.change_outboxmessage",
    ):
        assert admin.has_perm(perm)


def test_sales_may_change_contacts_and_accounts_but_not_delete_accounts(db):
    sales = staff_in("Sales")
    assert sales.has_perm("crm.change_contact")
    assert sales.has_perm("crm.add_account")
    assert sales.has_perm("access.change_portalaccess")
    assert not sales.has_perm("crm.delete_account")
    assert not sales.has_perm("access.change_portalprofile")


def test_support_may_not_delete_accounts(client, acme):
    support = staff_in("Support")
    assert support.has_perm("crm.change_contact")
    assert support.has_perm("core.change_outboxmessage")
    assert not support.has_perm("crm.delete_account")
    assert not support.has_perm("crm.change_account")
    client.force_login(support)
    assert client.get(reverse("admin:crm_account_delete", args=[acme.pk])).status_code == 403
    assert client.post(reverse("admin:crm_account_delete", args=[acme.pk]), {"post": "yes"}).status_code == 403
    assert Account.objects.filter(pk=acme.pk).exists()


def test_sales_can_work_on_contacts_in_the_back_office(client, bob):
    client.force_login(staff_in("Sales"))
    assert client.get(CONTACTS).status_code == 200
    assert client.get(change_url(bob.contact)).status_code == 200


# ---------------------------------------------------------------- staff logins stay out of the portal


@pytest.fixture
def contact_with_sams_email(acme):
    """A contact whose email address is the login of sam, a superuser."""
    return ContactFactory(first_name="Samuel", last_name="Lookalike", email="sam@portico.example", account=acme)


def test_sales_cannot_give_portal_access_to_a_staff_login(client, sam, contact_with_sams_email):
    client.force_login(staff_in("Sales"))
    response = run_action(client, "grant_and_invite", [contact_with_sams_email])
    assert any("staff login" in text for text in texts(response))
    assert not PortalAccess.objects.filter(contact=contact_with_sams_email, is_active=True).exists()
    assert not OutboxMessage.objects.exists()

    data = form_data(client.get(change_url(contact_with_sams_email)))
    data["portal_access-0-is_active"] = "on"
    data["portal_access-0-profile"] = str(PortalProfile.objects.get(name="Standard user").pk)
    response = client.post(change_url(contact_with_sams_email), data)
    assert response.status_code == 200
    assert "is_active" in portal_form_errors(response)


def test_temporary_password_is_never_set_on_a_staff_login(client, sam, contact_with_sams_email):
    PortalAccess.objects.create(
        contact=contact_with_sams_email,
        user=sam,
        is_active=True,
        profile=PortalProfile.objects.get(name="Standard user"),
    )  # legacy data: an access that points at a staff login
    client.force_login(staff_in("Sales"))
    response = run_action(client, "temporary_password", [contact_with_sams_email])
    assert b'class="temporary-password"' not in response.content
    assert b"staff login" in response.content
    sam.refresh_from_db()
    assert sam.check_password("sam-password-2026")
    assert not sam.must_change_password


def test_changing_a_contact_email_never_renames_a_staff_login(client, sam, contact_with_sams_email):
    access = PortalAccess.objects.create(
        contact=contact_with_sams_email,
        user=sam,
        is_active=False,
        profile=PortalProfile.objects.get(name="Standard user"),
    )
    client.force_login(staff_in("Sales"))
    url = change_url(contact_with_sams_email)
    data = form_data(client.get(url))
    data["email"] = "mallory@evil.example"
    assert client.post(url, data).status_code == 302
    sam.refresh_from_db()
    assert sam.email == "sam@portico.example"
    assert sam.check_password("sam-password-2026")
    access.refresh_from_db()
    assert access.user.email == "mallory@evil.example"
    assert not access.user.is_staff


# ---------------------------------------------------------------- seed and demo commands


def test_seed_creates_accounts_contacts_and_portal_users(client):
    call_command("seed", "--accounts", "20", "--contacts-per-account", "3", stdout=StringIO())
    assert Account.objects.count() == 20
    assert Contact.objects.count() == 60
    assert User.objects.count() == 40
    assert PortalAccess.objects.filter(is_active=True).count() == 40
    for account in Account.objects.all():
        assert account.contacts.filter(portal_access__isnull=False).count() == 2
    login = PortalAccess.objects.select_related("user").first().user
    response = client.post(reverse("account_login"), {"login": login.email, "password": SEED_PASSWORD})
    assert response.status_code == 302


def test_seed_creates_cases_with_numbers_and_conversations_in_the_middle_account(db):
    from portico.access.management.commands.seed import middle_account
    from portico.core.numbering import next_number
    from portico.helpdesk.models import Case, CaseMessage, CaseStatusChange, MessageKind

    args = ["--accounts", "5", "--contacts-per-account", "2", "--cases", "40", "--company-cases", "10"]
    call_command("seed", *args, "--messages-per-case", "3", stdout=StringIO())
    middle = middle_account()
    assert Case.objects.count() == 40
    assert Case.objects.filter(account=middle).count() == 10
    assert set(Case.objects.exclude(account=middle).values_list("account", flat=True)) == set(
        Account.objects.exclude(pk=middle.pk).values_list("pk", flat=True)
    )
    assert sorted(Case.objects.values_list("number", flat=True)) == [f"CS-{n:06d}" for n in range(1, 41)]
    assert next_number("case", prefix="CS-") == "CS-000041"
    for case in Case.objects.select_related("contact"):
        assert case.contact.account_id == case.account_id
        assert case.public_updated_at >= case.created_at
        case.full_clean()  # times, status and rating agree with the model's rules
    conversation = CaseMessage.objects.filter(case__account=middle)
    assert conversation.count() == 30
    assert conversation.filter(kind=MessageKind.NOTE).count() == 10
    assert not CaseMessage.objects.exclude(case__account=middle).exists()
    assert CaseStatusChange.objects.filter(case__account=middle, old_status="").count() == 10


def test_seed_refuses_a_bad_number_of_accounts(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("seed", "--accounts", "0", stdout=StringIO())


def counts():
    return (
        Account.objects.count(),
        Contact.objects.count(),
        User.objects.count(),
        PortalAccess.objects.count(),
        PortalProfile.objects.count(),
    )


@pytest.fixture
def demo(db):
    call_command("demo", "--no-serve", stdout=StringIO())


def test_demo_loads_its_data_once(demo):
    first = counts()
    assert first[0] == 5  # four companies and a subsidiary
    assert first[3] == len(PEOPLE)
    out = StringIO()
    call_command("demo", "--no-serve", stdout=out)
    assert counts() == first
    assert "Demo data loaded." not in out.getvalue()
    assert STAFF_EMAIL in out.getvalue()


def test_demo_person_in_two_companies_has_one_login(demo):
    maria = User.objects.get(email="maria.nilsson@consulting.example")
    names = sorted(PortalAccess.objects.filter(user=maria).values_list("contact__account__name", flat=True))
    assert names == ["Fjordlys AS", "Skärgård Konsult AB"]
    rows = [row for row in demo_logins() if row[0] == maria.email]
    assert len(rows) == 1


def test_demo_logins_sign_in(demo):
    windows = {email: window for email, *_rest, window in PEOPLE}
    for email, password, _who in demo_logins():
        if email == STAFF_EMAIL:
            continue
        browser = Client()
        response = browser.post(reverse("account_login"), {"login": email, "password": password})
        if windows[email] == "open":
            assert response.status_code == 302, email
            assert browser.get(reverse("portal:home")).status_code == 200, email
        elif windows[email] == "ended":
            assert response.status_code == 403, email
            assert b"Your portal access ended on" in response.content
        else:
            assert response.status_code == 403, email
            assert b"Your portal access starts on" in response.content


def test_demo_staff_login_opens_the_back_office(demo):
    browser = Client()
    browser.post(reverse("admin:login"), {"username": STAFF_EMAIL, "password": STAFF_PASSWORD})
    assert browser.get(CONTACTS).status_code == 200
    assert DEMO_PASSWORD != STAFF_PASSWORD


def test_demo_includes_the_business_modules_data_they_register(demo):
    from portico.helpdesk.models import Case
    from portico.knowledge.models import Article

    assert Case.objects.exists() and Article.objects.filter(status="published").exists()
