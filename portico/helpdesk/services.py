"""Writes of the helpdesk. Each validates, changes, records the status history, audits and queues emails in one
transaction; bad input raises ValidationError with a message for the person and changes nothing.

Callers check visibility first: the portal looks the case up inside `engine.visible()`, email intake checks
that the sender may see the case. A `contact` argument means a customer acts (through the portal or by
email); without one, staff act in the back office.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portico.core.attachments import save_attachment, validate_upload
from portico.core.audit import log_action
from portico.core.numbering import next_number
from portico.core.uploads import AttachmentRules, attachment_rules
from portico.core.validators import BIDI_CONTROLS, single_line
from portico.helpdesk import emails
from portico.helpdesk.models import (
    BODY_MAX,
    SUBJECT_MAX,
    Case,
    CaseAttachment,
    CaseCategory,
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
from portico.helpdesk.sla import BusinessHours, due_times, resume_due

RATING_COMMENT_MAX = 2000
AUDIT_SOURCES = {Source.PORTAL: "portal", Source.EMAIL: "email", Source.STAFF: "backoffice"}


# --- Checks -------------------------------------------------------------------------------------------------


def clean_subject(subject: str) -> str:
    """A case subject: one line of plain text, 1 to 200 characters."""
    subject = " ".join((subject or "").split())
    if not subject:
        raise ValidationError({"subject": _("Give the case a subject.")})
    if len(subject) > SUBJECT_MAX:
        raise ValidationError({"subject": _("Keep the subject under %(max)d characters.") % {"max": SUBJECT_MAX}})
    try:
        single_line(subject)
    except ValidationError as exc:
        raise ValidationError({"subject": exc.messages}) from None
    return subject


def clean_body(body: str, *, field: str = "body", required: bool = True) -> str:
    """A message: plain text (line breaks and tabs allowed), at most 20,000 characters."""
    body = (body or "").strip()
    if required and not body:
        raise ValidationError({field: _("Write a message.")})
    if len(body) > BODY_MAX:
        raise ValidationError(
            {
                field: _("The message is too long: at most %(max)d characters. Attach long texts as files.")
                % {"max": BODY_MAX}
            }
        )
    if any((unicodedata.category(ch) == "Cc" and ch not in "\n\r\t") or ch in BIDI_CONTROLS for ch in body):
        raise ValidationError({field: _("Use plain text without control characters.")})
    return body


def check_attachments(uploads: Iterable, rules: AttachmentRules | None = None) -> list:
    """Check every upload against the portal's attachment rules; raise for the first file that fails."""
    rules = rules or attachment_rules()
    uploads = [u for u in uploads if u]
    if len(uploads) > rules.max_files:
        raise ValidationError(
            {"attachments": _("Attach at most %(max)d files to one message.") % {"max": rules.max_files}}
        )
    checked = []
    for upload in uploads:
        try:
            checked.append(validate_upload(upload, max_bytes=rules.max_bytes, allowed_types=rules.types))
        except ValidationError as exc:
            name = getattr(upload, "name", "") or _("file")
            raise ValidationError({"attachments": [f"{name}: {message}" for message in exc.messages]}) from None
    return checked


def _add_message(case: Case, checked: list, **fields) -> CaseMessage:
    """A message of the case with its (already checked) files."""
    message = CaseMessage.objects.create(case=case, **fields)
    for upload in checked:
        save_attachment(attachment=CaseAttachment(message=message), upload=upload)
    return message


def _lock(case: Case) -> Case:
    """Re-read the case under a row lock, so two writers never interleave a status change."""
    locked = Case.objects.select_for_update(of=("self",))
    return locked.select_related("contact", "account", "assignee", "team").get(pk=case.pk)


def _sync(target: Case, source: Case) -> None:
    """Copy the fields of the locked, changed case back to the caller's instance."""
    for field in Case._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


def _history(case: Case, old: str, new: str, actor, contact=None) -> None:
    CaseStatusChange.objects.create(case=case, old_status=old, new_status=new, actor=actor, actor_contact=contact)


def _audit(action: str, case: Case, actor, contact=None, changes=None, source: str | None = None) -> None:
    log_action(
        action=action,
        actor=actor,
        actor_contact=contact,
        target=case,
        changes=changes,
        source=source or ("portal" if contact is not None else "backoffice"),
        account_id=case.account_id,
    )


def _policy(priority: int) -> SlaPolicy | None:
    return SlaPolicy.objects.filter(priority=priority).first()


def _business_hours(helpdesk_settings: HelpdeskSettings, policy, start, until=None) -> BusinessHours:
    """The business hours for one computation: with the holidays (one query) only for a policy that counts them."""
    if policy is not None and policy.business_hours_only:
        return BusinessHours.from_settings(helpdesk_settings, start=start, until=until)
    return BusinessHours.from_settings(helpdesk_settings)


def _set_due_times(case: Case, helpdesk_settings: HelpdeskSettings, running_until=None) -> None:
    """Compute the SLA due times from the case's creation under the policy of its priority, moved on by every
    wait for the customer (`_pauses`); the running wait counts up to `running_until` (not at all without it).

    Every change of the due times after creation comes here: a new priority, the end of a wait, a first answer
    during a wait. So whichever way a case got to its due times, the same history gives the same due times.
    """
    policy = _policy(case.priority)
    hours = _business_hours(helpdesk_settings, policy, case.created_at, timezone.now())
    first, resolution = due_times(case.created_at, policy, hours)
    answered = case.first_responded_at
    for start, end in _pauses(case, running_until) if case.pk else ():
        if end is not None:
            resolution = resume_due(resolution, start, end, policy, hours)
        # The first-response clock stops only while unanswered: until the answer, when it came during the wait.
        first_end = min((t for t in (end, answered) if t is not None), default=None)
        if first_end is not None and (answered is None or answered > start):
            first = resume_due(first, start, first_end, policy, hours)
    case.first_response_due, case.resolution_due = first, resolution


def _pauses(case: Case, running_until=None) -> list[tuple]:
    """The case's waits for the customer as (start, end): the finished ones from its status history, then the
    running one from `sla_paused_at`, ending at `running_until` (None while it goes on).

    Every wait the history shows counts, also the waits that ended before the SLA clock could pause: the history
    is the record of when the case was with the customer, and the clock is never asked to remember on its own
    which waits it saw (`_sla_clock` and a new priority both recompute here). A case still waiting when pausing
    came in got its `sla_paused_at` from the history (migration 0008); the running wait is the clock's own
    record, so a waiting case without one (none after that migration) has no running wait.
    """
    pauses, start = [], None
    history = CaseStatusChange.objects.filter(case=case).order_by("created_at", "pk")
    for old, new, when in history.values_list("old_status", "new_status", "created_at"):
        if new == Status.WAITING and start is None:
            start = when
        elif old == Status.WAITING and start is not None:
            pauses.append((start, when))
            start = None
    if case.sla_paused_at is not None:
        pauses.append((case.sla_paused_at, running_until))
    return pauses


SLA_FIELDS = ("first_response_due", "resolution_due", "sla_paused_at")


def _sla_clock(locked: Case, now, helpdesk_settings: HelpdeskSettings | None = None) -> None:
    """Stop the SLA clock when the case starts waiting for the customer; when it stops waiting, start it again:
    the due times are recomputed with this wait ended now (the due times still open move on by the pause). Saved
    by the caller with the status (SLA_FIELDS).
    """
    if locked.status == Status.WAITING:
        if locked.sla_paused_at is None:
            locked.sla_paused_at = now
        return
    if locked.sla_paused_at is None:
        return
    _set_due_times(locked, helpdesk_settings or HelpdeskSettings.load(), running_until=now)
    locked.sla_paused_at = None


def _answered_while_paused(locked: Case, helpdesk_settings: HelpdeskSettings) -> None:
    """A first answer given while the case waits: the first-response clock, stopped since the pause, ends at it."""
    _set_due_times(locked, helpdesk_settings)


def _category(category) -> CaseCategory | None:
    if category is None or category == "":
        return None
    if not isinstance(category, CaseCategory) or not category.is_active:
        raise ValidationError({"category": _("Choose one of the listed categories.")})
    return category


def _priority(priority) -> int:
    if priority in (None, ""):
        return Priority.NORMAL
    try:
        value = int(priority)
    except (TypeError, ValueError):
        value = 0
    if value not in Priority.values:
        raise ValidationError({"priority": _("Choose one of the listed priorities.")})
    return value


# --- Creating and writing -----------------------------------------------------------------------------------


@transaction.atomic
def create_case(
    *,
    contact,
    subject: str,
    description: str,
    actor,
    source: str,
    category=None,
    priority=None,
    attachments=(),
    assignee=None,
    team=None,
    email_message_id: str = "",
) -> Case:
    """Open a case for a contact; the first message is its description. Portal and email cases go to the default
    assignee and team of the helpdesk settings; staff may name them. Emails the contact and the assignee (or team).
    """
    if source not in Source.values:
        raise ValidationError(_("Unknown case source."))
    subject = clean_subject(subject)
    description = clean_body(description, field="description")
    category, priority = _category(category), _priority(priority)
    helpdesk_settings = HelpdeskSettings.load()
    checked = check_attachments(attachments)
    if source != Source.STAFF and assignee is None and team is None:
        assignee, team = helpdesk_settings.default_assignee, helpdesk_settings.default_team
    now = timezone.now()
    case = Case(
        number=next_number("case", prefix="CS-"),
        subject=subject,
        description=description,
        category=category,
        priority=priority,
        contact=contact,
        account_id=contact.account_id,
        assignee=assignee,
        team=team,
        source=source,
        created_at=now,
        public_updated_at=now,
    )
    _set_due_times(case, helpdesk_settings)
    case.save()
    _add_message(
        case,
        checked,
        kind=MessageKind.CUSTOMER,
        author_contact=contact,
        author_user=actor,
        body=description,
        source=source,
        email_message_id=email_message_id,
    )
    customer = contact if source != Source.STAFF else None
    _history(case, "", Status.NEW, actor, customer)
    _audit(
        "case.created",
        case,
        actor,
        customer,
        {"subject": [None, subject], "priority": [None, priority], "category": [None, str(category or "")]},
        source=AUDIT_SOURCES[source],
    )
    emails.send_case_received(case)
    emails.send_new_case_to_staff(case, actor=actor)
    return case


def _reopen_window_open(case: Case, helpdesk_settings: HelpdeskSettings, now) -> bool:
    return (
        case.status == Status.RESOLVED
        and helpdesk_settings.reopen_days > 0
        and case.resolved_at is not None
        and now <= case.resolved_at + timedelta(days=helpdesk_settings.reopen_days)
    )


def can_reopen(case: Case, helpdesk_settings: HelpdeskSettings, now=None) -> bool:
    """Whether a customer may still reopen (or reply to) a resolved case."""
    return _reopen_window_open(case, helpdesk_settings, now or timezone.now())


def can_reply(case: Case, helpdesk_settings: HelpdeskSettings, now=None) -> bool:
    """Whether a customer may write to the case: while it is active, or resolved within the reopen window."""
    return case.is_active or can_reopen(case, helpdesk_settings, now)


@transaction.atomic
def add_customer_message(
    *, case: Case, contact, body: str, actor, source: str, attachments=(), email_message_id: str = ""
) -> CaseMessage:
    """Add the customer's message. It answers a case waiting for them (open again) and reopens a resolved case
    within the reopen window; a closed case, or one resolved longer ago, takes no more messages.
    """
    helpdesk_settings = HelpdeskSettings.load()
    body = clean_body(body, required=not attachments)
    checked = check_attachments(attachments)
    if not body and not checked:
        raise ValidationError({"body": _("Write a message or attach a file.")})
    locked = _lock(case)
    now = timezone.now()
    if locked.status == Status.CLOSED:
        raise ValidationError(_("This case is closed. Open a new case if you need more help."))
    if locked.status == Status.RESOLVED and not _reopen_window_open(locked, helpdesk_settings, now):
        raise ValidationError(
            _("This case was resolved too long ago to reopen. Open a new case if you need more help.")
        )
    old = locked.status
    message = _add_message(
        locked,
        checked,
        kind=MessageKind.CUSTOMER,
        author_contact=contact,
        author_user=actor,
        body=body,
        source=source,
        email_message_id=email_message_id,
    )
    if old in (Status.WAITING, Status.RESOLVED):
        locked.status = Status.OPEN
        _unresolve(locked)
        _sla_clock(locked, now, helpdesk_settings)
        _history(locked, old, Status.OPEN, actor, contact)
    locked.public_updated_at = now
    locked.save(update_fields=["status", *UNRESOLVE_FIELDS, *SLA_FIELDS, "public_updated_at", "updated_at"])
    changes = {"status": [old, locked.status]} if old != locked.status else {}
    _audit("case.message_added", locked, actor, contact, changes, source=AUDIT_SOURCES.get(source, "portal"))
    emails.send_customer_message_to_staff(locked, message)
    _sync(case, locked)
    return message


UNRESOLVE_FIELDS = ("resolved_at", "rating", "rating_comment", "rated_at")


def _unresolve(locked: Case) -> None:
    """The case is no longer resolved: a rating given for that resolution no longer applies (rate it again later)."""
    locked.resolved_at, locked.rating, locked.rating_comment, locked.rated_at = None, None, "", None


@transaction.atomic
def add_staff_reply(
    *, case: Case, user, body: str, internal: bool = False, attachments=(), status: str | None = None
) -> CaseMessage:
    """Add a public reply (emailed to the contact; the first one meets the first-response target) or an internal
    note (seen by staff only, never emailed). A new case becomes open at the first reply; `status` sets another.
    """
    if not (user and user.is_staff):
        raise ValidationError(_("Only staff can reply to a case."))
    helpdesk_settings = HelpdeskSettings.load()
    body = clean_body(body, required=not attachments)
    checked = check_attachments(attachments)
    if not body and not checked:
        raise ValidationError({"body": _("Write a message or attach a file.")})
    locked = _lock(case)
    if locked.status == Status.CLOSED and not internal:
        raise ValidationError(_("This case is closed: it takes internal notes only."))
    now = timezone.now()
    message = _add_message(
        locked,
        checked,
        kind=MessageKind.NOTE if internal else MessageKind.REPLY,
        author_user=user,
        body=body,
        source=Source.STAFF,
    )
    if internal:
        _audit("case.note_added", locked, user, changes={"message": [None, message.pk]})
    else:
        if locked.first_responded_at is None:
            locked.first_responded_at = now
            if locked.sla_paused_at is not None:
                _answered_while_paused(locked, helpdesk_settings)
        locked.public_updated_at = now
        locked.save(
            update_fields=[
                "first_responded_at",
                "first_response_due",
                "resolution_due",
                "public_updated_at",
                "updated_at",
            ]
        )
        _audit("case.replied", locked, user, changes={"message": [None, message.pk]})
        emails.send_reply_to_contact(locked, message)
        if status is None and locked.status == Status.NEW:
            status = Status.OPEN
    if status and status != locked.status:
        _change_status(locked, status, user, None, helpdesk_settings)
    _sync(case, locked)
    return message


def _change_status(locked: Case, status: str, actor, contact, helpdesk_settings: HelpdeskSettings) -> None:
    if status not in Status.values:
        raise ValidationError({"status": _("Choose one of the listed statuses.")})
    old = locked.status
    if old == status:
        return
    if old == Status.CLOSED:
        raise ValidationError(_("A closed case is final; open a new case instead."))
    if status == Status.CLOSED:
        _close(locked, actor, contact, helpdesk_settings)
        return
    now = timezone.now()
    locked.status = status
    if status == Status.RESOLVED:
        locked.resolved_at = now
    elif old == Status.RESOLVED:
        _unresolve(locked)
    _sla_clock(locked, now, helpdesk_settings)
    locked.public_updated_at = now
    locked.save(update_fields=["status", *UNRESOLVE_FIELDS, *SLA_FIELDS, "public_updated_at", "updated_at"])
    _history(locked, old, status, actor, contact)
    _audit("case.status_changed", locked, actor, contact, {"status": [old, status]})
    if status == Status.RESOLVED:
        emails.send_resolved_to_contact(locked, reopen_days=helpdesk_settings.reopen_days)


@transaction.atomic
def change_status(*, case: Case, status: str, actor, contact=None) -> Case:
    """Move a case to another status (history row, audit); resolving emails the contact. Closed is final."""
    locked = _lock(case)
    _change_status(locked, status, actor, contact, HelpdeskSettings.load())
    _sync(case, locked)
    return case


def _close(locked: Case, actor, contact, helpdesk_settings: HelpdeskSettings | None = None) -> None:
    old, now = locked.status, timezone.now()
    locked.status, locked.closed_at, locked.public_updated_at = Status.CLOSED, now, now
    _sla_clock(locked, now, helpdesk_settings)
    locked.save(update_fields=["status", "closed_at", *SLA_FIELDS, "public_updated_at", "updated_at", "merged_into"])
    _history(locked, old, Status.CLOSED, actor, contact)
    _audit("case.closed", locked, actor, contact, {"status": [old, Status.CLOSED]})
    if locked.merged_into_id:
        return  # the merge tells the contact where the conversation goes on
    if contact is not None:
        emails.send_closed_by_customer_to_staff(locked)
        if contact.pk != locked.contact_id:
            emails.send_closed_to_contact(locked)  # a colleague closed it: the case's contact should know
    else:
        emails.send_closed_to_contact(locked)


@transaction.atomic
def close_case(*, case: Case, actor, contact=None) -> Case:
    """Close a case for good. The customer may close any case not yet closed ("mark as closed"), so may staff.

    The contact is emailed unless they closed it themselves; then the assignee (or team) is.
    """
    locked = _lock(case)
    if locked.status == Status.CLOSED:
        raise ValidationError(_("This case is already closed."))
    _close(locked, actor, contact)
    _sync(case, locked)
    return case


@transaction.atomic
def reopen_case(*, case: Case, actor, contact=None) -> Case:
    """Reopen a resolved case. A customer may within the reopen window of the helpdesk settings; staff always."""
    helpdesk_settings = HelpdeskSettings.load()
    locked = _lock(case)
    if locked.status != Status.RESOLVED:
        raise ValidationError(_("Only a resolved case can be reopened."))
    if contact is not None and not _reopen_window_open(locked, helpdesk_settings, timezone.now()):
        raise ValidationError(
            _("This case was resolved too long ago to reopen. Open a new case if you need more help.")
        )
    _change_status(locked, Status.OPEN, actor, contact, helpdesk_settings)
    if contact is not None:
        emails.send_reopened_to_staff(locked)
    _sync(case, locked)
    return case


@transaction.atomic
def rate_case(*, case: Case, contact, rating, comment: str, actor) -> Case:
    """Rate the help (1–5, with an optional comment) once the case is resolved. The rating can be changed while
    the case is resolved; once the case is closed a given rating is final.
    """
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": _("Choose a rating from 1 to 5.")})
    comment = clean_body(comment, field="comment", required=False)
    if len(comment) > RATING_COMMENT_MAX:
        raise ValidationError(
            {"comment": _("Keep the comment under %(max)d characters.") % {"max": RATING_COMMENT_MAX}}
        )
    locked = _lock(case)
    if locked.resolved_at is None:
        raise ValidationError(_("You can rate the help once the case is resolved."))
    if locked.status == Status.CLOSED and locked.rating is not None:
        raise ValidationError(_("This case is closed; its rating can no longer be changed."))
    before = {"rating": locked.rating, "rating_comment": locked.rating_comment}
    now = timezone.now()
    locked.rating, locked.rating_comment, locked.rated_at, locked.public_updated_at = rating, comment, now, now
    locked.save(update_fields=["rating", "rating_comment", "rated_at", "public_updated_at", "updated_at"])
    changes = {k: [before[k], v] for k, v in (("rating", rating), ("rating_comment", comment)) if before[k] != v}
    _audit("case.rated", locked, actor, contact, changes)
    _sync(case, locked)
    return case


@transaction.atomic
def assign_case(*, case: Case, actor, assignee=None, team=None) -> Case:
    """Give a case to a staff member and/or a team; the new assignee is emailed (unless they took it themselves)."""
    if assignee is not None and not (assignee.is_staff and assignee.is_active):
        raise ValidationError({"assignee": _("Cases can be assigned to active staff only.")})
    locked = _lock(case)
    before = {"assignee": locked.assignee, "team": locked.team}
    locked.assignee, locked.team = assignee, team
    if before == {"assignee": assignee, "team": team}:
        return case
    locked.save(update_fields=["assignee", "team", "updated_at"])
    changes = {
        k: [str(before[k] or ""), str(v or "")] for k, v in (("assignee", assignee), ("team", team)) if before[k] != v
    }
    _audit("case.assigned", locked, actor, changes=changes)
    if before["assignee"] != assignee:
        emails.send_assigned(locked, actor=actor)
    _sync(case, locked)
    return case


@transaction.atomic
def update_case(*, case: Case, actor, contact=None, **changes) -> dict:
    """Change a case's subject, category or priority; a new priority recomputes the SLA due times. Return the
    changes as {field: [old, new]}.
    """
    allowed = {"subject", "category", "priority"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(_("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    locked = _lock(case)
    if locked.status == Status.CLOSED:
        raise ValidationError(_("A closed case is final; open a new case instead."))
    clean = {}
    if "subject" in changes:
        clean["subject"] = clean_subject(changes["subject"])
    if "category" in changes:
        category = _category(changes["category"])
        clean["category_id"] = category.pk if category else None
    if "priority" in changes:
        clean["priority"] = _priority(changes["priority"])
    diff = {k: [getattr(locked, k), v] for k, v in clean.items() if getattr(locked, k) != v}
    if not diff:
        return {}
    for name, (_old, new) in diff.items():
        setattr(locked, name, new)
    fields = [*diff, "updated_at"]
    if "priority" in diff:
        _set_due_times(locked, HelpdeskSettings.load())  # a running pause moves them on when it ends
        fields += ["first_response_due", "resolution_due"]
    if {"subject", "category_id", "priority"} & set(diff):
        locked.public_updated_at = timezone.now()
        fields.append("public_updated_at")
    locked.save(update_fields=fields)
    audit = {k.removesuffix("_id"): v for k, v in diff.items()}
    _audit("case.updated", locked, actor, contact, audit)
    _sync(case, locked)
    return audit


@transaction.atomic
def merge_cases(*, target: Case, duplicates: Iterable[Case], actor) -> Case:
    """Merge duplicates into a target case of the same contact: their messages (with attachments) and opened
    articles move to the target; each duplicate is closed and points to the target. Staff only.
    """
    duplicates = [d for d in duplicates if d.pk != target.pk]
    if not duplicates:
        raise ValidationError(_("Choose at least one other case to merge into %(case)s.") % {"case": target.number})
    locked_target = _lock(target)
    if locked_target.status == Status.CLOSED:
        raise ValidationError(_("%(case)s is closed: merge into an open case.") % {"case": locked_target.number})
    now = timezone.now()
    for duplicate in sorted(duplicates, key=lambda d: d.pk):
        locked = _lock(duplicate)
        if locked.account_id != locked_target.account_id:
            raise ValidationError(
                _("%(case)s belongs to another company and cannot be merged into %(target)s.")
                % {"case": locked.number, "target": locked_target.number}
            )
        if locked.contact_id != locked_target.contact_id:
            # A contact who sees only their own cases would lose the conversation or see someone else's.
            raise ValidationError(
                _("%(case)s was opened by another contact and cannot be merged into %(target)s.")
                % {"case": locked.number, "target": locked_target.number}
            )
        if locked.status == Status.CLOSED:
            raise ValidationError(_("%(case)s is closed and cannot be merged.") % {"case": locked.number})
        CaseMessage.objects.filter(case=locked).update(case=locked_target)
        CaseDeflection.objects.filter(case=locked).update(case=locked_target)
        Case.objects.filter(merged_into=locked).update(merged_into=locked_target)
        locked.merged_into = locked_target
        _close(locked, actor, None)
        _audit("case.merged", locked, actor, changes={"merged_into": [None, locked_target.number]})
        CaseMessage.objects.create(
            case=locked_target,
            kind=MessageKind.NOTE,
            author_user=actor,
            body=_("%(case)s (%(subject)s) was merged into this case.")
            % {"case": locked.number, "subject": locked.subject},
            source=Source.STAFF,
        )
        emails.send_merged_to_contact(locked, locked_target)
    locked_target.public_updated_at = now
    if locked_target.first_responded_at is None:
        earliest = CaseMessage.objects.filter(case=locked_target, kind=MessageKind.REPLY).order_by("created_at").first()
        locked_target.first_responded_at = earliest.created_at if earliest else None
    locked_target.save(update_fields=["public_updated_at", "first_responded_at", "updated_at"])
    _audit("case.merged", locked_target, actor, changes={"merged": [None, ", ".join(d.number for d in duplicates)]})
    _sync(target, locked_target)
    return target


# --- Deflection --------------------------------------------------------------------------------------------


def record_deflection(*, contact, article_slug: str, query: str = "") -> CaseDeflection:
    """Note that a contact opened a suggested article from the new-case form (not audited: it changes nothing)."""
    return CaseDeflection.objects.create(
        contact=contact,
        account_id=contact.account_id,
        article_slug=article_slug[:200],
        query=" ".join("".join(ch for ch in query or "" if unicodedata.category(ch) != "Cc").split())[:SUBJECT_MAX],
    )


def link_deflections(*, case: Case, ids: Iterable[int]) -> int:
    """Link the articles a contact opened while writing a case to the case they still submitted."""
    ids = [i for i in ids if isinstance(i, int)]
    if not ids:
        return 0
    return CaseDeflection.objects.filter(pk__in=ids, contact_id=case.contact_id, case__isnull=True).update(case=case)


# --- Periodic -----------------------------------------------------------------------------------------------


def close_resolved_cases(*, now=None) -> int:
    """Close the resolved cases whose reopen window has passed (each in its own transaction); return how many."""
    helpdesk_settings = HelpdeskSettings.load()
    now = now or timezone.now()
    cutoff = now - timedelta(days=helpdesk_settings.reopen_days)
    closed = 0
    for case in Case.objects.filter(status=Status.RESOLVED, resolved_at__lt=cutoff).order_by("pk")[:500]:
        try:
            close_case(case=case, actor=None)
        except ValidationError:
            continue  # closed meanwhile
        closed += 1
    return closed
