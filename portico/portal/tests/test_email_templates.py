"""Staff-written email templates: used in the recipient's language, placeholders filled safely, previewed by staff."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from portico.access.services import send_invitation
from portico.core.models import OutboxMessage
from portico.core.outbox import render_email
from portico.portal.models import EmailTemplate, PortalSettings, fill_placeholders
from portico.portal.tests.factories import SETTINGS_URL, form_data
from portico.users.models import User

pytestmark = pytest.mark.django_db

RESET_LINK = re.compile(r"http://\S+/portal/account/password/reset/key/\S+/")
HOSTILE = "{contact.__init__} {contact.__class__.__mro__} {0} {1!r} {first_name!r} {first_name:>999999999} {} { {{"


def template(kind: str, language: str, subject: str, body: str) -> EmailTemplate:
    """Store a template directly, as a migration or the shell could, without the screen's checks."""
    PortalSettings.objects.get_or_create(pk=PortalSettings.SINGLETON)
    return EmailTemplate.objects.create(kind=kind, language=language, subject=subject, body=body)


def speak(access, language: str) -> None:
    access.contact.language = language
    access.contact.save()
    User.objects.filter(pk=access.user_id).update(language=language)
    access.user.language = language


# ---------------------------------------------------------------- invitation


def test_an_invitation_uses_the_staff_template_in_the_recipients_language(bob, sam):
    template(
        "invitation",
        "fi",
        "Tervetuloa {first_name}, {company}",
        "Hei {first_name} {last_name},\nvalitse salasana: {link}\nLinkki toimii {valid_hours} tuntia.\n{portal_name}",
    )
    PortalSettings.objects.filter(pk=1).update(portal_name="Acme Care")
    speak(bob, "fi")
    send_invitation(access=bob, actor=sam)
    message = OutboxMessage.objects.get(kind="invitation")
    assert message.subject == "Tervetuloa Bob, Acme Oy"
    assert message.language == "fi"
    assert "Hei Bob Basic,\nvalitse salasana: http://" in message.body_text
    assert "/portal/invitation/" in message.body_text
    assert "Linkki toimii 72 tuntia.\nAcme Care" in message.body_text
    assert message.body_html == ""  # staff write plain text


def test_a_recipient_in_another_language_gets_the_built_in_invitation(bob, sam):
    template("invitation", "fi", "Tervetuloa {first_name}", "Hei {first_name}")
    send_invitation(access=bob, actor=sam)
    message = OutboxMessage.objects.get(kind="invitation")
    assert message.subject == "Your portal access for Acme Oy"
    assert "Choose your password" in message.body_html


def test_the_invitation_link_from_a_staff_template_works(client, bob, sam):
    template("invitation", "en", "Welcome", "Open {link}")
    bob.invitation_accepted_at = None
    bob.save()
    send_invitation(access=bob, actor=sam)
    link = OutboxMessage.objects.get(kind="invitation").body_text.removeprefix("Open ")
    assert client.get(link.removeprefix("http://127.0.0.1:8000")).status_code == 200


# ---------------------------------------------------------------- password reset


def test_a_password_reset_uses_the_staff_template_with_a_working_link(client, bob):
    template(
        "password_reset", "sv", "Nytt lösenord för {email}", "Hej {first_name} på {company}!\n{link}\n{valid_hours} h"
    )
    speak(bob, "sv")
    assert client.post(reverse("account_reset_password"), {"email": "bob@acme.example"}).status_code == 302
    message = OutboxMessage.objects.get(kind="password_reset_key")
    assert message.subject == "Nytt lösenord för bob@acme.example"
    assert message.body_text.startswith("Hej Bob på Acme Oy!\nhttp://")
    assert message.body_text.endswith("\n1 h")
    link = RESET_LINK.search(message.body_text).group(0)
    opened = client.get(link.removeprefix("http://127.0.0.1:8000"))
    assert opened.status_code == 302  # allauth moves a valid key into the session
    assert client.get(opened["Location"]).status_code == 200


def test_a_password_reset_in_a_language_without_a_template_is_the_built_in_one(client, bob):
    template("password_reset", "sv", "Nytt lösenord", "Hej {first_name}")
    client.post(reverse("account_reset_password"), {"email": "bob@acme.example"})
    message = OutboxMessage.objects.get(kind="password_reset_key")
    assert "Nytt lösenord" not in message.subject
    assert RESET_LINK.search(message.body_text)


# ---------------------------------------------------------------- access-ending reminder


def test_the_access_ending_reminder_uses_the_staff_template_with_its_date_in_the_recipients_language(bob):
    template("access_ending", "fi", "{days_left} päivää", "Pääsysi päättyy {portal_end}. Kirjaudu: {link}")
    context = {
        "contact": bob.contact,
        "account": bob.contact.account,
        "portal_end": bob.portal_end,
        "days_left": 7,
        "url": "http://127.0.0.1:8000/portal/account/login/",
    }
    subject, text, html = render_email("access_ending", context, "fi")
    with translation.override("fi"):
        finnish_date = date_format(bob.portal_end)
    assert subject == "7 päivää"
    assert text == f"Pääsysi päättyy {finnish_date}. Kirjaudu: http://127.0.0.1:8000/portal/account/login/"
    assert html == ""


# ---------------------------------------------------------------- placeholders


def test_hostile_placeholders_are_left_as_they_are_and_never_fail(bob, sam):
    template("invitation", "en", "Hi {first_name} " + HOSTILE, "Dear {first_name},\n" + HOSTILE + "\n{{first_name}} }")
    send_invitation(access=bob, actor=sam)
    message = OutboxMessage.objects.get(kind="invitation")
    assert message.subject == "Hi Bob " + HOSTILE
    assert message.body_text == "Dear Bob,\n" + HOSTILE + "\n{Bob} }"
    assert "class" not in message.body_text.replace("__class__", "")  # no object was ever looked into


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{first_name} {first_name}", "Ann Ann"),
        ("{unknown} {0} {} {first_name.upper}", "{unknown} {0} {} {first_name.upper}"),
        ("{first_name", "{first_name"),
        ("first_name}", "first_name}"),
        ("{link}", "{first_name}"),  # a value is never filled in again
        ("{{first_name}}", "{Ann}"),
    ],
)
def test_fill_placeholders_replaces_only_known_names(text, expected):
    assert fill_placeholders(text, {"first_name": "Ann", "link": "{first_name}"}) == expected


@pytest.mark.parametrize(
    ("kind", "subject", "body", "field"),
    [
        ("invitation", "Hi {contact.__init__}", "ok", "subject"),
        ("invitation", "Hi", "{0}", "body"),
        ("invitation", "Hi", "{days_left}", "body"),  # only the reminder knows how many days are left
        ("password_reset", "Hi", "{portal_end}", "body"),
        ("invitation", "Hi", "{first_name:>99}", "body"),
    ],
)
def test_a_template_with_an_unknown_placeholder_is_refused(kind, subject, body, field):
    with pytest.raises(ValidationError) as refused:
        EmailTemplate(kind=kind, language="en", subject=subject, body=body).full_clean()
    assert "Unknown placeholder" in str(refused.value.message_dict[field])


def test_a_template_with_known_placeholders_and_lone_braces_is_accepted():
    PortalSettings.objects.get_or_create(pk=PortalSettings.SINGLETON)
    EmailTemplate(
        kind="access_ending", language="en", subject="{days_left} days", body="{portal_end} :-} { {link}"
    ).full_clean()


def test_the_settings_screen_saves_a_template_and_refuses_a_second_for_the_same_language(admin_client):
    data = form_data(admin_client.get(SETTINGS_URL))
    new = {"kind": "invitation", "language": "nb", "subject": "Velkommen {first_name}", "body": "{link}"}
    data.update({f"email_templates-0-{k}": v for k, v in new.items()} | {"email_templates-TOTAL_FORMS": "1"})
    assert admin_client.post(SETTINGS_URL, data).status_code == 302
    assert EmailTemplate.objects.get().subject == "Velkommen {first_name}"

    data = form_data(admin_client.get(SETTINGS_URL))
    twin = {"kind": "invitation", "language": "nb", "subject": "Again", "body": "{contact.email}"}
    data.update({f"email_templates-1-{k}": v for k, v in twin.items()} | {"email_templates-TOTAL_FORMS": "2"})
    response = admin_client.post(SETTINGS_URL, data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Unknown placeholder: {contact.email}" in content
    assert EmailTemplate.objects.count() == 1


# ---------------------------------------------------------------- preview


def preview_url(chosen: EmailTemplate, **query) -> str:
    url = reverse("admin:portal_portalsettings_preview", args=[chosen.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_staff_preview_a_template_with_a_real_contact_in_the_templates_language(admin_client, bob, carol):
    chosen = template("access_ending", "fi", "Hei {first_name} ({company})", "Päättyy {portal_end}, {days_left} pv")
    response = admin_client.get(preview_url(chosen, contact=carol.contact_id))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    content = response.content.decode()
    with translation.override("fi"):
        end = date_format(carol.portal_end)
    assert "Hei Carol (Globex AB)" in content
    assert f"Päättyy {end}, 30 pv" in content
    assert "carol@globex.example" in content


def test_the_preview_finds_contacts_to_preview_with(admin_client, bob, carol):
    chosen = template("invitation", "en", "Hi {first_name}", "{link}")
    content = admin_client.get(preview_url(chosen, q="Globex")).content.decode()
    assert f'href="?contact={carol.contact_id}"' in content
    assert f'href="?contact={bob.contact_id}"' not in content


@pytest.mark.parametrize("contact", ["abc", "99999999999999999999999", "-1", "0", "1e3", "%00", "%C2%B2", "%D9%A3"])
def test_a_preview_with_a_bad_contact_number_shows_a_message_never_an_error(admin_client, bob, contact):
    chosen = template("password_reset", "en", "Hi {first_name}", "{link}")
    response = admin_client.get(preview_url(chosen, contact=contact))
    assert response.status_code == 200
    assert "There is no contact with that number" in response.content.decode()


def test_a_preview_of_a_template_that_does_not_exist_is_a_404(admin_client):
    assert admin_client.get(reverse("admin:portal_portalsettings_preview", args=[999])).status_code == 404


def test_the_preview_is_staff_only(client, portal_client, bob):
    chosen = template("invitation", "en", "Hi {first_name}", "{link}")
    assert client.get(preview_url(chosen))["Location"].startswith(reverse("admin:login"))
    assert portal_client(bob).get(preview_url(chosen))["Location"].startswith(reverse("admin:login"))


def test_the_preview_needs_permission_on_the_portal_settings(client, bob):
    chosen = template("invitation", "en", "Hi {first_name}", "{link}")
    clerk = User.objects.create_user(email="clerk@portico.example", password="clerk-password-2026", is_staff=True)
    client.force_login(clerk)
    assert client.get(preview_url(chosen)).status_code == 403
    clerk.user_permissions.add(Permission.objects.get(codename="view_portalsettings"))
    assert client.get(preview_url(chosen)).status_code == 200
