"""The helpdesk's emails, one function each, queued through the outbox in the recipient's language.

Customers get their own messages' confirmations and public replies; staff get new cases and customer
messages. Internal notes are never passed to any function here. A case's emails to its contact form one thread:
each is recorded by its Message-ID and refers to the case's earlier emails, both ways.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from portico.core.outbox import queue_template_email
from portico.helpdesk.models import Case, CaseEmail, CaseMessage, MessageKind


def portal_url(case: Case) -> str:
    """The case in the portal (sign-in required), as an absolute URL."""
    return settings.SITE_URL + reverse("portal:case", args=[case.pk])


def backoffice_url(case: Case) -> str:
    """The case in the back office, as an absolute URL."""
    return settings.SITE_URL + reverse("admin:helpdesk_case_change", args=[case.pk])


def staff_recipients(case: Case, *, exclude=None) -> list:
    """Who hears of a case on the staff side: its assignee, else its team's members (active staff only)."""
    if case.assignee_id:
        people = [case.assignee]
    elif case.team_id:
        people = list(case.team.members.filter(is_active=True, is_staff=True).order_by("pk"))
    else:
        people = []
    return [p for p in people if p.is_active and p.is_staff and p.email and p != exclude]


def _language_of_user(user) -> str:
    return user.language or settings.LANGUAGE_CODE


def _to_staff(case: Case, template: str, *, exclude=None, **context) -> None:
    for user in staff_recipients(case, exclude=exclude):
        queue_template_email(
            to=user.email,
            template=template,
            language=_language_of_user(user),
            context={"case": case, "recipient": user, "url": backoffice_url(case), **context},
        )


def thread(case: Case) -> list[str]:
    """The Message-IDs of the case's conversation by email so far, oldest first: the customer's emails and ours."""
    received = case.messages.exclude(email_message_id="").order_by().values_list("email_message_id", "created_at")
    sent = CaseEmail.objects.filter(case=case).order_by().values_list("message_id", "created_at")
    return [message_id for message_id, _created in received.union(sent).order_by("created_at")]


def _to_contact(case: Case, template: str, **context) -> None:
    contact = case.contact
    if not contact.email:
        return
    earlier = thread(case)
    message = queue_template_email(
        to=contact.email,
        template=template,
        language=contact.language or settings.LANGUAGE_CODE,
        context={"case": case, "contact": contact, "url": portal_url(case), **context},
        in_reply_to=earlier[-1] if earlier else "",
        references=earlier,
    )
    CaseEmail.objects.create(case=case, message_id=message.message_id)


def send_case_received(case: Case) -> None:
    """Tell the contact their case is registered, with its number (a reply to this email joins the case)."""
    _to_contact(case, "case_received")


def send_new_case_to_staff(case: Case, *, actor=None) -> None:
    """Tell the assignee (or the team) that a case has come in."""
    _to_staff(case, "case_new", exclude=actor)


def send_customer_message_to_staff(case: Case, message: CaseMessage) -> None:
    """Tell the assignee (or the team) that the customer wrote."""
    assert message.kind == MessageKind.CUSTOMER
    _to_staff(case, "case_customer_message", message=message)


def send_reply_to_contact(case: Case, message: CaseMessage) -> None:
    """Send a public staff reply to the contact."""
    assert message.kind == MessageKind.REPLY  # an internal note never reaches a customer
    _to_contact(case, "case_reply", message=message)


def send_resolved_to_contact(case: Case, *, reopen_days: int) -> None:
    """Tell the contact the case is resolved: how to reopen it, and that they may rate the help."""
    _to_contact(case, "case_resolved", reopen_days=reopen_days)


def send_closed_to_contact(case: Case) -> None:
    """Tell the contact the case is closed."""
    _to_contact(case, "case_closed")


def send_closed_by_customer_to_staff(case: Case) -> None:
    """Tell the assignee (or the team) that the customer closed the case."""
    _to_staff(case, "case_closed_by_customer")


def send_reopened_to_staff(case: Case) -> None:
    """Tell the assignee (or the team) that the customer reopened the case."""
    _to_staff(case, "case_reopened")


def send_merged_to_contact(duplicate: Case, target: Case) -> None:
    """Tell the contact of a duplicate that its conversation goes on in another case."""
    _to_contact(duplicate, "case_merged", target=target, url=portal_url(target))


def send_assigned(case: Case, *, actor=None) -> None:
    """Tell a newly assigned person (not the one who assigned it to themselves) about the case."""
    if case.assignee_id and case.assignee != actor and case.assignee.is_active and case.assignee.email:
        queue_template_email(
            to=case.assignee.email,
            template="case_assigned",
            language=_language_of_user(case.assignee),
            context={"case": case, "recipient": case.assignee, "url": backoffice_url(case)},
        )
