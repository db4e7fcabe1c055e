"""Helpdesk services: each validates, changes, keeps the status history, audits and emails in one transaction."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from portico.core.models import AuditEntry, OutboxMessage
from portico.crm.tests.factories import ContactFactory
from portico.helpdesk import services
from portico.helpdesk.models import (
    Case,
    CaseAttachment,
    CaseDeflection,
    CaseMessage,
    CaseStatusChange,
    HelpdeskSettings,
    MessageKind,
    Priority,
    SlaPolicy,
    Source,
    Status,
)
from portico.helpdesk.tests.factories import CategoryFactory, StaffFactory, open_case, png_upload, text_upload

# Wednesday 2026-11-25 10:00 in Helsinki (08:00 UTC): inside business hours.
WEDNESDAY_10 = "2026-11-25T08:00:00Z"


def statuses(case):
    return list(CaseStatusChange.objects.filter(case=case).values_list("old_status", "new_status"))


def emails_to(address):
    return list(OutboxMessage.objects.filter(to=address).order_by("pk"))


# --- create ---------------------------------------------------------------------------------------------------


@time_machine.travel(WEDNESDAY_10, tick=False)
def test_a_portal_case_gets_a_number_the_default_assignee_and_sla_due_times(bob, agent):
    case = open_case(bob, priority=Priority.HIGH)
    assert case.number == "CS-000001"
    assert (case.contact, case.account_id, case.assignee, case.status) == (
        bob.contact,
        bob.contact.account_id,
        agent,
        "new",
    )
    # High: first response within 1 business hour, resolution within 8 (the starting policies).
    assert case.first_response_due == timezone.now() + timedelta(hours=1)
    assert timezone.localtime(case.resolution_due).strftime("%a %H:%M") == "Thu 10:00"
    assert open_case(bob).number == "CS-000002"


def test_the_description_is_the_first_message_of_the_conversation_with_its_attachments(bob):
    case = open_case(bob, description="It smokes.\nA lot.", attachments=[png_upload(), text_upload()])
    message = case.messages.get()
    assert (message.kind, message.author_contact, message.author_user, message.body) == (
        MessageKind.CUSTOMER,
        bob.contact,
        bob.user,
        "It smokes.\nA lot.",
    )
    assert sorted(a.name for a in message.attachments.all()) == ["log.txt", "screenshot.png"]
    assert statuses(case) == [("", "new")]


def test_creating_a_case_is_audited_as_a_portal_action_of_the_contact(bob):
    case = open_case(bob)
    entry = AuditEntry.objects.get(action="case.created")
    assert (entry.actor, entry.actor_contact, entry.source, entry.account_id) == (
        bob.user,
        bob.contact,
        "portal",
        bob.contact.account_id,
    )
    assert entry.object_id == str(case.pk) and entry.changes["subject"] == [None, "Printer is on fire"]


def test_a_new_case_emails_the_contact_and_the_assignee(bob, agent):
    case = open_case(bob)
    [received] = emails_to("bob@acme.example")
    assert case.number in received.subject and received.kind == "case_received"
    [new] = emails_to(agent.email)
    assert new.kind == "case_new" and new.language == "fi"


def test_without_an_assignee_the_new_case_goes_to_every_member_of_the_default_team(bob, team):
    settings = HelpdeskSettings.load()
    settings.default_team = team
    settings.save()
    case = open_case(bob)
    assert case.team == team and case.assignee is None
    assert sorted(m.to for m in OutboxMessage.objects.filter(kind="case_new")) == [
        "sven@portico.example",
        "tia@portico.example",
    ]


def test_staff_open_a_case_for_a_contact_without_the_portal_defaults(bob, agent, sam):
    other = StaffFactory()
    case = services.create_case(
        contact=bob.contact,
        subject="Phoned in",
        description="Called us.",
        actor=sam,
        source=Source.STAFF,
        assignee=other,
    )
    assert case.assignee == other and case.source == "staff"
    assert AuditEntry.objects.get(action="case.created").source == "backoffice"
    assert not emails_to(agent.email)


@pytest.mark.parametrize(
    ("subject", "description", "field"),
    [
        ("", "text", "subject"),
        ("   ", "text", "subject"),
        ("x" * 201, "text", "subject"),
        ("Bell \x07 rings", "text", "subject"),
        ("Right-to-left \u202etxt.exe", "text", "subject"),
        ("Fine", "", "description"),
        ("Fine", "x" * 20_001, "description"),
        ("Fine", "bell \x07 rings", "description"),
    ],
    ids=[
        "empty",
        "blank",
        "too long",
        "control char in subject",
        "bidi override",
        "no description",
        "huge",
        "control char",
    ],
)
def test_bad_subjects_and_descriptions_are_refused_and_nothing_is_stored(bob, subject, description, field):
    with pytest.raises(ValidationError) as refused:
        open_case(bob, subject=subject, description=description)
    assert field in refused.value.error_dict
    assert not Case.objects.exists() and not OutboxMessage.objects.exists() and not AuditEntry.objects.exists()


def test_a_subject_pasted_over_several_lines_becomes_one_line(bob):
    assert open_case(bob, subject="  Printer\n\tbroken \r\n again ").subject == "Printer broken again"


def test_hostile_but_plain_text_is_stored_as_written(bob):
    case = open_case(
        bob, subject="<script>alert(1)</script> '; DROP TABLE cases; --", description="<img src=x onerror=alert(1)>"
    )
    assert case.subject == "<script>alert(1)</script> '; DROP TABLE cases; --"


def test_an_inactive_category_or_an_unknown_priority_is_refused(bob):
    with pytest.raises(ValidationError):
        open_case(bob, category=CategoryFactory(is_active=False))
    with pytest.raises(ValidationError):
        open_case(bob, priority=9)


def test_a_refused_attachment_refuses_the_whole_case(bob):
    exe = text_upload("invoice.png", b"MZ\x90\x00\x03" + b"\x00" * 100)
    with pytest.raises(ValidationError) as refused:
        open_case(bob, attachments=[png_upload(), exe])
    assert "invoice.png" in refused.value.message_dict["attachments"][0]
    assert not Case.objects.exists() and not CaseAttachment.objects.exists()


def test_at_most_ten_files_go_on_one_message(bob):
    with pytest.raises(ValidationError):
        open_case(bob, attachments=[text_upload(f"f{n}.txt") for n in range(11)])


# --- the conversation ------------------------------------------------------------------------------------------


def test_the_first_public_reply_is_the_first_response_and_opens_a_new_case(bob, agent):
    case = open_case(bob)
    with time_machine.travel(timezone.now() + timedelta(minutes=30), tick=False):
        services.add_staff_reply(case=case, user=agent, body="Looking into it.")
        assert case.first_responded_at == timezone.now()
    assert case.status == Status.OPEN
    assert statuses(case) == [("", "new"), ("new", "open")]
    first = case.first_responded_at
    services.add_staff_reply(case=case, user=agent, body="Still looking.")
    case.refresh_from_db()
    assert case.first_responded_at == first


def test_a_public_reply_is_emailed_to_the_contact_in_their_language(bob, agent):
    bob.contact.language = "sv"
    bob.contact.save()
    case = open_case(bob)
    services.add_staff_reply(case=case, user=agent, body="Vi tittar på det.")
    [reply] = OutboxMessage.objects.filter(kind="case_reply")
    assert (reply.to, reply.language) == ("bob@acme.example", "sv")
    assert "Vi tittar på det." in reply.body_text and f"/portal/cases/{case.pk}/" in reply.body_text
    assert reply.body_text.count("http://") >= 1  # an absolute link


def test_an_internal_note_is_not_a_response_changes_nothing_the_customer_sees_and_emails_nobody(bob, agent):
    case = open_case(bob)
    before = Case.objects.get(pk=case.pk).public_updated_at
    outbox = OutboxMessage.objects.count()
    services.add_staff_reply(case=case, user=agent, body="Secret: the customer broke it.", internal=True)
    case.refresh_from_db()
    assert (case.first_responded_at, case.status, case.public_updated_at) == (None, Status.NEW, before)
    assert OutboxMessage.objects.count() == outbox
    assert AuditEntry.objects.get(action="case.note_added").changes == {"message": [None, case.messages.last().pk]}


def test_only_staff_can_reply(bob):
    case = open_case(bob)
    with pytest.raises(ValidationError):
        services.add_staff_reply(case=case, user=bob.user, body="I am staff, honestly.")


def test_a_reply_can_set_the_status_it_leaves_the_case_in(bob, agent):
    case = open_case(bob)
    services.add_staff_reply(case=case, user=agent, body="Which printer?", status=Status.WAITING)
    assert case.status == Status.WAITING
    assert statuses(case)[-1] == ("new", "waiting")


def test_the_customer_answering_a_waiting_case_opens_it_again_and_tells_the_assignee(bob, agent):
    case = open_case(bob)
    services.add_staff_reply(case=case, user=agent, body="Which printer?", status=Status.WAITING)
    services.add_customer_message(case=case, contact=bob.contact, body="The red one.", actor=bob.user, source="portal")
    assert case.status == Status.OPEN
    message = OutboxMessage.objects.filter(kind="case_customer_message").get()
    assert message.to == agent.email and "The red one." in message.body_text


def test_a_customer_message_may_be_only_files(bob):
    case = open_case(bob)
    message = services.add_customer_message(
        case=case, contact=bob.contact, body="", actor=bob.user, source="portal", attachments=[png_upload()]
    )
    assert message.attachments.count() == 1
    with pytest.raises(ValidationError):
        services.add_customer_message(case=case, contact=bob.contact, body="  ", actor=bob.user, source="portal")


def test_a_customer_message_reopens_a_resolved_case_within_the_window(bob, agent):
    case = open_case(bob)
    services.change_status(case=case, status=Status.RESOLVED, actor=agent)
    services.add_customer_message(case=case, contact=bob.contact, body="Not fixed.", actor=bob.user, source="portal")
    assert (case.status, case.resolved_at) == (Status.OPEN, None)


def test_a_case_resolved_longer_ago_than_the_window_takes_no_more_messages(bob, agent):
    case = open_case(bob)
    services.change_status(case=case, status=Status.RESOLVED, actor=agent)
    with time_machine.travel(timezone.now() + timedelta(days=8)), pytest.raises(ValidationError):
        services.add_customer_message(case=case, contact=bob.contact, body="Late.", actor=bob.user, source="portal")
    assert CaseMessage.objects.filter(case=case).count() == 1


def test_a_closed_case_is_final(bob, agent):
    case = open_case(bob)
    services.close_case(case=case, actor=bob.user, contact=bob.contact)
    for attempt in (
        lambda: services.add_customer_message(
            case=case, contact=bob.contact, body="Hi", actor=bob.user, source="portal"
        ),
        lambda: services.add_staff_reply(case=case, user=agent, body="Hi"),
        lambda: services.change_status(case=case, status=Status.OPEN, actor=agent),
        lambda: services.reopen_case(case=case, actor=agent),
        lambda: services.close_case(case=case, actor=agent),
        lambda: services.update_case(case=case, actor=agent, priority=Priority.URGENT),
    ):
        with pytest.raises(ValidationError):
            attempt()
    # Staff may still note something internally.
    services.add_staff_reply(case=case, user=agent, body="For the record.", internal=True)


# --- status, close, reopen, rate ------------------------------------------------------------------------------


def test_resolving_stamps_the_time_emails_the_contact_and_keeps_history(bob, agent):
    case = open_case(bob)
    services.change_status(case=case, status=Status.RESOLVED, actor=agent)
    assert case.resolved_at is not None
    assert OutboxMessage.objects.filter(kind="case_resolved", to="bob@acme.example").count() == 1
    assert AuditEntry.objects.get(action="case.status_changed").changes == {"status": ["new", "resolved"]}
    assert statuses(case)[-1] == ("new", "resolved")


def test_the_customer_may_close_an_open_case_and_then_the_assignee_is_told(bob, agent):
    case = open_case(bob)
    services.close_case(case=case, actor=bob.user, contact=bob.contact)
    assert (case.status, case.closed_at is not None) == (Status.CLOSED, True)
    assert OutboxMessage.objects.filter(kind="case_closed_by_customer", to=agent.email).count() == 1
    assert not OutboxMessage.objects.filter(kind="case_closed").exists()
    assert CaseStatusChange.objects.filter(case=case, new_status="closed", actor_contact=bob.contact).exists()


def test_staff_closing_a_case_emails_the_contact(bob, agent):
    case = open_case(bob)
    services.close_case(case=case, actor=agent)
    assert OutboxMessage.objects.filter(kind="case_closed", to="bob@acme.example").count() == 1


def test_the_customer_reopens_a_resolved_case_within_the_window_only(bob, agent):
    case = open_case(bob)
    services.change_status(case=case, status=Status.RESOLVED, actor=agent)
    with time_machine.travel(timezone.now() + timedelta(days=6)):
        services.reopen_case(case=case, actor=bob.user, contact=bob.contact)
    assert case.status == Status.OPEN
    assert OutboxMessage.objects.filter(kind="case_reopened", to=agent.email).count() == 1
    services.change_status(case=case, status=Status.RESOLVED, actor=agent)
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)), pytest.raises(ValidationError):
        services.reopen_case(case=case, actor=bob.user, contact=bob.contact)


def test_staff_may_reopen_a_resolved_case_after_the_window(bob, agent):
    case = open_case(bob)
    services.change_status(case=case, status=Status.RESOLVED, actor=agent)
    with time_machine.travel(timezone.now() + timedelta(days=30)):
        services.reopen_case(case=case, actor=agent)
    assert case.status == Status.OPEN


def test_a_reopen_window_of_zero_days_means_no_reopening(bob, agent):
    HelpdeskSettings.objects.update_or_create(pk=1, defaults={"reopen_days": 0})
    case = open_case(bob)
    services.change_status(case=case, status=Status.RESOLVED, actor=agent)
    with pytest.raises(ValidationError):
        services.reopen_case(case=case, actor=bob.user, contact=bob.contact)


def test_only_a_resolved_case_can_be_reopened(bob):
    with pytest.raises(ValidationError):
        services.reopen_case(case=open_case(bob), actor=bob.user, contact=bob.contact)


def test_a_rating_needs_a_resolution_and_stays_editable_until_the_case_is_closed(bob, agent):
    case = open_case(bob)
    with pytest.raises(ValidationError):
        services.rate_case(case=case, contact=bob.contact, rating=5, comment="", actor=bob.user)
    services.change_status(case=case, status=Status.RESOLVED, actor=agent)
    services.rate_case(case=case, contact=bob.contact, rating=2, comment="Slow.", actor=bob.user)
    services.rate_case(case=case, contact=bob.contact, rating=4, comment="Fine after all.", actor=bob.user)
    assert (case.rating, case.rating_comment) == (4, "Fine after all.")
    services.close_case(case=case, actor=bob.user, contact=bob.contact)
    with pytest.raises(ValidationError):
        services.rate_case(case=case, contact=bob.contact, rating=1, comment="", actor=bob.user)
    entries = AuditEntry.objects.filter(action="case.rated").order_by("pk")
    assert [e.changes["rating"] for e in entries] == [[None, 2], [2, 4]]


@pytest.mark.parametrize("rating", [0, 6, -1, "five", None, "3.5"])
def test_a_rating_outside_one_to_five_is_refused(bob, agent, rating):
    case = open_case(bob)
    services.change_status(case=case, status=Status.RESOLVED, actor=agent)
    with pytest.raises(ValidationError):
        services.rate_case(case=case, contact=bob.contact, rating=rating, comment="", actor=bob.user)


def test_the_database_refuses_a_rating_outside_one_to_five_and_one_before_resolution(bob, agent):
    case = open_case(bob)
    with transaction.atomic(), pytest.raises(IntegrityError):
        Case.objects.filter(pk=case.pk).update(rating=3)  # not resolved
    services.change_status(case=case, status=Status.RESOLVED, actor=agent)
    with transaction.atomic(), pytest.raises(IntegrityError):
        Case.objects.filter(pk=case.pk).update(rating=6)


def test_the_database_refuses_a_closed_case_without_a_closing_time(bob):
    case = open_case(bob)
    with transaction.atomic(), pytest.raises(IntegrityError):
        Case.objects.filter(pk=case.pk).update(status="closed")


# --- assign, edit, merge --------------------------------------------------------------------------------------


def test_assigning_emails_the_new_assignee_but_not_someone_who_takes_it_themselves(bob, agent):
    case = open_case(bob)
    other = StaffFactory(language="es")
    services.assign_case(case=case, actor=agent, assignee=other)
    [assigned] = OutboxMessage.objects.filter(kind="case_assigned")
    assert (assigned.to, assigned.language) == (other.email, "es")
    services.assign_case(case=case, actor=agent, assignee=agent)
    assert OutboxMessage.objects.filter(kind="case_assigned").count() == 1
    assert AuditEntry.objects.filter(action="case.assigned").count() == 2


def test_cases_go_to_active_staff_only(bob, agent):
    with pytest.raises(ValidationError):
        services.assign_case(case=open_case(bob), actor=agent, assignee=bob.user)


@time_machine.travel(WEDNESDAY_10, tick=False)
def test_a_new_priority_recomputes_the_due_times_from_the_creation(bob, agent):
    case = open_case(bob, priority=Priority.LOW)
    low_due = case.first_response_due
    changes = services.update_case(case=case, actor=bob.user, contact=bob.contact, priority=Priority.URGENT)
    assert changes == {"priority": [Priority.LOW, Priority.URGENT]}
    assert case.first_response_due == case.created_at + timedelta(minutes=30) < low_due


def test_without_a_policy_for_the_priority_there_are_no_due_times(bob):
    SlaPolicy.objects.filter(priority=Priority.NORMAL).delete()
    case = open_case(bob)
    assert (case.first_response_due, case.resolution_due) == (None, None)


def test_only_subject_category_and_priority_can_be_changed(bob):
    with pytest.raises(ValidationError):
        services.update_case(case=open_case(bob), actor=bob.user, contact=bob.contact, status="closed")


def test_merging_moves_messages_and_attachments_and_closes_the_duplicate_pointing_to_the_target(bob, agent):
    target = open_case(bob, subject="Printer broken")
    duplicate = open_case(bob, subject="Printer broken too", attachments=[png_upload()])
    services.add_customer_message(
        case=duplicate, contact=bob.contact, body="More info", actor=bob.user, source="portal"
    )
    services.merge_cases(target=target, duplicates=[duplicate], actor=agent)
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into) == (Status.CLOSED, target)
    assert not duplicate.messages.exists()
    bodies = list(target.messages.values_list("kind", "body"))
    assert ("customer", "More info") in bodies and ("customer", "It smokes.") in bodies
    assert CaseAttachment.objects.get().message.case == target
    note = target.messages.filter(kind=MessageKind.NOTE).get()
    assert duplicate.number in note.body
    assert OutboxMessage.objects.filter(kind="case_merged", to="bob@acme.example").count() == 1
    assert not OutboxMessage.objects.filter(kind="case_closed").exists()


def test_cases_of_two_contacts_are_never_merged_even_in_one_company(alice, bob, agent):
    target, other = open_case(alice), open_case(bob)
    with pytest.raises(ValidationError, match="another contact"):
        services.merge_cases(target=target, duplicates=[other], actor=agent)
    other.refresh_from_db()
    assert other.status == Status.NEW and other.messages.count() == 1 and target.messages.count() == 1


def test_reopening_a_rated_case_clears_the_rating_of_that_resolution(bob, agent):
    case = open_case(bob)
    services.change_status(case=case, status=Status.RESOLVED, actor=agent)
    services.rate_case(case=case, contact=bob.contact, rating=4, comment="Quick", actor=bob.user)
    services.add_customer_message(
        case=case, contact=bob.contact, body="It broke again", actor=bob.user, source="portal"
    )
    case.refresh_from_db()
    assert (case.status, case.resolved_at, case.rating, case.rating_comment) == (Status.OPEN, None, None, "")
    services.change_status(case=case, status=Status.RESOLVED, actor=agent)
    services.rate_case(case=case, contact=bob.contact, rating=5, comment="", actor=bob.user)
    services.change_status(case=case, status=Status.OPEN, actor=agent)  # staff reopen a rated case too
    case.refresh_from_db()
    assert (case.status, case.rating) == (Status.OPEN, None)


def test_cases_of_different_companies_are_never_merged(bob, carol, agent):
    target, foreign = open_case(bob), open_case(carol)
    with pytest.raises(ValidationError):
        services.merge_cases(target=target, duplicates=[foreign], actor=agent)
    assert foreign.messages.count() == 1 and not target.messages.exclude(author_contact=bob.contact).exists()


def test_merging_needs_another_open_case(bob, agent):
    case = open_case(bob)
    with pytest.raises(ValidationError):
        services.merge_cases(target=case, duplicates=[case], actor=agent)
    closed = open_case(bob)
    services.close_case(case=closed, actor=agent)
    with pytest.raises(ValidationError):
        services.merge_cases(target=case, duplicates=[closed], actor=agent)
    with pytest.raises(ValidationError):
        services.merge_cases(target=closed, duplicates=[case], actor=agent)


# --- deflection and the periodic job -------------------------------------------------------------------------


def test_articles_opened_while_writing_are_linked_to_the_case_still_submitted(bob, alice):
    opened = services.record_deflection(contact=bob.contact, article_slug="reset-printer", query="printer  smokes")
    someone_elses = services.record_deflection(contact=alice.contact, article_slug="reset-printer")
    case = open_case(bob)
    assert services.link_deflections(case=case, ids=[opened.pk, someone_elses.pk, "x"]) == 1
    opened.refresh_from_db()
    assert (opened.case, opened.query, opened.deflected) == (case, "printer smokes", False)
    assert CaseDeflection.objects.get(pk=someone_elses.pk).deflected


def test_resolved_cases_are_closed_once_the_reopen_window_has_passed(bob, agent):
    old, fresh = open_case(bob), open_case(bob)
    services.change_status(case=old, status=Status.RESOLVED, actor=agent)
    with time_machine.travel(timezone.now() + timedelta(days=5)):
        services.change_status(case=fresh, status=Status.RESOLVED, actor=agent)
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert services.close_resolved_cases() == 1
    assert Case.objects.get(pk=old.pk).status == Status.CLOSED
    assert Case.objects.get(pk=fresh.pk).status == Status.RESOLVED
    assert OutboxMessage.objects.filter(kind="case_closed").count() == 1


def test_the_periodic_task_runs_the_service(bob, agent):
    from portico.helpdesk.tasks import close_resolved_cases

    assert close_resolved_cases.call() == 0


def test_a_contact_without_an_email_address_gets_no_email_and_nothing_fails(agent):
    contact = ContactFactory(email="")
    case = services.create_case(contact=contact, subject="S", description="D", actor=agent, source=Source.STAFF)
    services.add_staff_reply(case=case, user=agent, body="Hello")
    assert not OutboxMessage.objects.filter(to="").exists()
