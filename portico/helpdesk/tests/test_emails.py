"""Helpdesk emails: the right people, their language, a link to the case, and plain text that stays plain."""

import pytest
from django.conf import settings

from portico.core.models import OutboxMessage
from portico.helpdesk import services
from portico.helpdesk.models import Status
from portico.helpdesk.tests.factories import open_case


@pytest.fixture
def swedish_bob(bob):
    bob.contact.language = "sv"
    bob.contact.save()
    return bob


def run_the_life_of_a_case(bob, agent):
    case = open_case(bob, subject="Tom & Jerry's <printer>")
    services.add_staff_reply(case=case, user=agent, body="Answer & more <b>bold</b>")
    services.add_customer_message(case=case, contact=bob.contact, body="Thanks", actor=bob.user, source="portal")
    services.change_status(case=case, status=Status.RESOLVED, actor=agent)
    services.reopen_case(case=case, actor=bob.user, contact=bob.contact)
    services.close_case(case=case, actor=agent)
    return case


def test_each_email_goes_to_the_right_people_in_their_language_with_a_link_to_the_case(swedish_bob, agent):
    case = run_the_life_of_a_case(swedish_bob, agent)
    sent = {(m.kind, m.to, m.language) for m in OutboxMessage.objects.all()}
    assert sent == {
        ("case_received", "bob@acme.example", "sv"),
        ("case_new", agent.email, "fi"),
        ("case_reply", "bob@acme.example", "sv"),
        ("case_customer_message", agent.email, "fi"),
        ("case_resolved", "bob@acme.example", "sv"),
        ("case_reopened", agent.email, "fi"),
        ("case_closed", "bob@acme.example", "sv"),
    }
    portal_link = f"{settings.SITE_URL}/portal/cases/{case.pk}/"
    backoffice_link = f"{settings.SITE_URL}/backoffice/helpdesk/case/{case.pk}/change/"
    for message in OutboxMessage.objects.all():
        link = backoffice_link if message.to == agent.email else portal_link
        assert link in message.body_text and link in message.body_html, message.kind
        assert case.number in message.subject


def test_text_emails_are_not_html_escaped_and_html_emails_are(bob, agent):
    run_the_life_of_a_case(bob, agent)
    reply = OutboxMessage.objects.get(kind="case_reply")
    assert "Tom & Jerry's <printer>" in reply.subject
    assert "Answer & more <b>bold</b>" in reply.body_text
    assert "Answer &amp; more &lt;b&gt;bold&lt;/b&gt;" in reply.body_html and "<b>bold</b>" not in reply.body_html


def test_a_staff_members_email_falls_back_to_the_default_language(bob, agent):
    agent.language = ""
    agent.save()
    open_case(bob)
    assert OutboxMessage.objects.get(kind="case_new").language == settings.LANGUAGE_CODE


def test_inactive_staff_are_not_emailed(bob, team):
    team.members.update(is_active=False)
    open_case(bob, team=team)
    assert not OutboxMessage.objects.filter(kind="case_new").exists()


def test_the_resolution_email_names_the_reopen_window(bob, agent):
    case = open_case(bob)
    services.change_status(case=case, status=Status.RESOLVED, actor=agent)
    assert "within 7 days" in OutboxMessage.objects.get(kind="case_resolved").body_text


def test_a_cases_emails_to_the_contact_form_one_thread_recorded_against_the_case(bob, agent):
    case = run_the_life_of_a_case(bob, agent)
    sent = list(OutboxMessage.objects.filter(to=bob.contact.email).order_by("pk"))
    assert [m.kind for m in sent] == ["case_received", "case_reply", "case_resolved", "case_closed"]
    assert list(case.emails.values_list("message_id", flat=True)) == [m.message_id for m in sent]
    first = sent[0]
    assert (first.in_reply_to, first.references) == ("", "")
    for n, message in enumerate(sent[1:], start=1):
        assert message.in_reply_to == sent[n - 1].message_id
        assert message.references.split() == [m.message_id for m in sent[:n]]


def test_emails_to_staff_are_not_part_of_the_customers_thread(bob, agent):
    case = open_case(bob)
    to_staff = OutboxMessage.objects.get(kind="case_new")
    assert not case.emails.filter(message_id=to_staff.message_id).exists()
