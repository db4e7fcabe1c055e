"""Portal pages: home, my details, my company."""

from django.urls import reverse

from portico.core.models import AuditEntry


def test_home_lists_only_granted_modules(portal_client, dave):
    response = portal_client(dave).get(reverse("portal:home"))
    assert response.status_code == 200
    assert reverse("portal:my_details").encode() in response.content
    assert reverse("portal:my_company").encode() not in response.content


def test_my_details_shows_own_contact(portal_client, bob):
    response = portal_client(bob).get(reverse("portal:my_details"))
    assert response.status_code == 200
    assert b"Bob" in response.content


def test_my_company_hides_hidden_fields(portal_client, bob):
    bob.contact.account.vat_number = "FI99999999"
    bob.contact.account.save()
    response = portal_client(bob).get(reverse("portal:my_company"))
    assert response.status_code == 200
    assert b"Acme Oy" in response.content
    assert b"FI99999999" not in response.content


def test_edit_my_details_saves_editable_fields_and_audits(portal_client, bob):
    client = portal_client(bob)
    response = client.post(
        reverse("portal:my_details_edit"),
        {
            "first_name": "Robert",
            "last_name": "Basic",
            "phone": "+358 40 555 0101",
            "mobile": "",
            "job_title": "Buyer",
            "department": "",
            "language": "fi",
            "email": "attacker@evil.example",
        },
    )
    assert response.status_code == 302
    bob.contact.refresh_from_db()
    assert bob.contact.first_name == "Robert"
    assert bob.contact.email == "bob@acme.example"  # never editable: ignored
    entry = AuditEntry.objects.get(action="my_details.updated")
    assert entry.changes["first_name"] == ["Bob", "Robert"]
    assert entry.actor_contact_id == bob.contact_id
    bob.user.refresh_from_db()
    assert bob.user.language == "fi"


def test_read_only_company_edit_is_forbidden(portal_client, bob):
    response = portal_client(bob).get(reverse("portal:my_company_edit"))
    assert response.status_code == 403


def test_company_edit_ignores_fields_not_editable(portal_client, alice):
    client = portal_client(alice)
    response = client.post(
        reverse("portal:my_company_edit"),
        {
            "street_address": "Uusi katu 1",
            "city": "Espoo",
            "phone": "+358 9 1",
            "name": "Hijacked",
            "vat_number": "X",
        },
    )
    assert response.status_code == 302
    account = alice.contact.account
    account.refresh_from_db()
    assert (account.street_address, account.city, account.name) == ("Uusi katu 1", "Espoo", "Acme Oy")


def test_bad_phone_gets_clear_message_and_changes_nothing(portal_client, bob):
    response = portal_client(bob).post(
        reverse("portal:my_details_edit"),
        {
            "first_name": "Bob",
            "last_name": "Basic",
            "phone": "<script>alert(1)</script>",
            "language": "en",
        },
    )
    assert response.status_code == 400
    assert b"Enter a phone number" in response.content
    assert b"<script>alert(1)</script>" not in response.content
    bob.contact.refresh_from_db()
    assert bob.contact.phone == ""
