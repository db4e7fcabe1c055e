"""Receive one email: add it to the case it answers, or open a case, or refuse it and log why.

Nothing is ever sent back to the sender of a refused email (that would answer spam, bounces and forgeries).
A customer's email goes through the same services as the portal, as the sender's portal principal: the sender
must be allowed to see the case under the access engine, or the email is refused.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from portico.access import engine
from portico.access.models import PortalAccess
from portico.access.principal import Principal
from portico.core.attachments import validate_upload
from portico.core.uploads import AttachmentRules, attachment_rules
from portico.helpdesk import services
from portico.helpdesk.intake.models import InboundEmail, Outcome, Reason
from portico.helpdesk.intake.parsing import (
    MalformedEmail,
    ParsedEmail,
    RawAttachment,
    clean_subject,
    header_text,
    message_key,
    parse,
    read_message,
)
from portico.helpdesk.models import BODY_MAX, SUBJECT_MAX, Case, CaseEmail, CaseMessage, Source

logger = logging.getLogger(__name__)

_CASE_REFERENCE = re.compile(r"\[\s*(CS-\d{1,12})\s*\]", re.IGNORECASE)
_LOOP_REASONS = {"bounce": Reason.BOUNCE, "auto_reply": Reason.AUTO_REPLY, "bulk": Reason.BULK, "own": Reason.OWN}


@dataclass
class IntakeResult:
    """What became of one email: accepted, rejected or ignored (logged), or a duplicate (nothing done)."""

    outcome: str
    reason: str = ""
    detail: str = ""
    case: Case | None = None
    message: CaseMessage | None = None
    refused: list[dict] = field(default_factory=list)
    duplicate: bool = False


class Refusal(Exception):
    """The email cannot be accepted; `reason` is a Reason value."""

    def __init__(self, reason: str, detail: str, outcome: str = Outcome.REJECTED):
        super().__init__(detail)
        self.reason, self.detail, self.outcome = reason, detail, outcome


def receive_email(raw: bytes, *, envelope_sender: str | None = None, channel: str = "pipe") -> IntakeResult:
    """Process one raw email. Return the outcome; raise only on a temporary failure (the database), so that the
    caller (an MTA pipe, the IMAP poller) delivers the same message again later.
    """
    key = message_key(raw)
    if _seen(key):
        return IntakeResult(outcome=Outcome.IGNORED, reason="duplicate", duplicate=True)
    parsed = None
    try:
        if len(raw) > settings.INTAKE_MAX_MESSAGE_BYTES:
            raise Refusal(
                Reason.TOO_LARGE,
                _("The message is larger than %(max)d bytes.") % {"max": settings.INTAKE_MAX_MESSAGE_BYTES},
            )
        try:
            parsed = parse(raw, envelope_sender=envelope_sender, check_return_path=settings.INTAKE_CHECK_RETURN_PATH)
        except MalformedEmail as exc:
            raise Refusal(Reason.MALFORMED, str(exc)) from None
        return _accept(parsed, raw, channel)
    except Refusal as refusal:
        return _log_refusal(refusal, key=key, raw=raw, parsed=parsed, channel=channel)


def _seen(key: str) -> bool:
    return (
        InboundEmail.objects.filter(message_id=key).exists()
        or CaseMessage.objects.filter(email_message_id=key).exists()
    )


def _accept(parsed: ParsedEmail, raw: bytes, channel: str) -> IntakeResult:
    if parsed.loop_reason:
        raise Refusal(
            _LOOP_REASONS[parsed.loop_reason],
            _("Never answered: %(kind)s.") % {"kind": Reason(_LOOP_REASONS[parsed.loop_reason]).label},
            Outcome.IGNORED,
        )
    if parsed.forgery:
        raise Refusal(Reason.FORGED, parsed.forgery)
    accesses = sender_accesses(parsed.sender)
    if not accesses:
        raise Refusal(
            Reason.UNKNOWN_SENDER, _("No active portal user has the address %(sender)s.") % {"sender": parsed.sender}
        )
    case = referenced_case(parsed)
    uploads, refused = check_files(parsed.attachments, attachment_rules())
    body = _body_with_refusals(parsed.text, refused)
    try:
        with transaction.atomic():
            if case is None:
                principal = _principal_to_create(accesses, parsed.sender)
                case = services.create_case(
                    contact=principal.contact,
                    subject=_new_subject(parsed.subject),
                    description=body or _("(The email had no text.)"),
                    actor=principal.user,
                    source=Source.EMAIL,
                    attachments=uploads,
                    email_message_id=parsed.message_id,
                )
                message = case.messages.get()
            else:
                principal = _principal_for_case(accesses, case)
                message = services.add_customer_message(
                    case=case,
                    contact=principal.contact,
                    body=body,
                    actor=principal.user,
                    source=Source.EMAIL,
                    attachments=uploads,
                    email_message_id=parsed.message_id,
                )
            _log(parsed.message_id, raw, parsed, channel, Outcome.ACCEPTED, "", "", case=case, refused=refused)
    except ValidationError as exc:
        raise Refusal(Reason.REFUSED, " ".join(exc.messages)) from None
    except IntegrityError:
        if _seen(parsed.message_id):  # the same message, delivered twice at once: the other delivery won
            return IntakeResult(outcome=Outcome.IGNORED, reason="duplicate", duplicate=True)
        raise
    logger.info("Email %s from %s accepted into %s.", parsed.message_id, parsed.sender, case.number)
    return IntakeResult(outcome=Outcome.ACCEPTED, case=case, message=message, refused=refused)


def sender_accesses(sender: str) -> list[PortalAccess]:
    """The portal accesses usable today whose login or contact has the sender's address."""
    today = timezone.localdate()
    return list(
        PortalAccess.objects.filter(
            Q(user__email__iexact=sender) | Q(contact__email__iexact=sender),
            is_active=True,
            support_start__lte=today,
            portal_end__gte=today,
            contact__account__is_active=True,
            profile__isnull=False,
            user__isnull=False,
            user__is_active=True,
        )
        .select_related("contact__account", "profile", "user")
        .order_by("contact__account__name", "pk")
    )


def referenced_case(parsed: ParsedEmail) -> Case | None:
    """The case an email answers: found by its In-Reply-To/References among the case messages received by email
    and the emails the cases sent, and by a case number in brackets in the subject ("[CS-000123]"). Refuse when
    these disagree or name no case.
    """
    by_thread = None
    if parsed.references:
        known = dict(
            CaseMessage.objects.filter(email_message_id__in=parsed.references).values_list(
                "email_message_id", "case_id"
            )
        )
        known.update(CaseEmail.objects.filter(message_id__in=parsed.references).values_list("message_id", "case_id"))
        case_ids = [known[ref] for ref in parsed.references if ref in known]
        by_thread = case_ids[0] if case_ids else None
    numbers = {n.upper() for n in _CASE_REFERENCE.findall(parsed.subject)}
    if len(numbers) > 1:
        raise Refusal(
            Reason.AMBIGUOUS, _("The subject names several cases: %(cases)s.") % {"cases": ", ".join(sorted(numbers))}
        )
    by_number = None
    if numbers:
        by_number = Case.objects.filter(number=numbers.pop()).values_list("pk", flat=True).first()
        if by_number is None:
            raise Refusal(Reason.UNKNOWN_CASE, _("The subject names a case that does not exist."))
    if by_thread and by_number and by_thread != by_number:
        raise Refusal(Reason.AMBIGUOUS, _("The subject and the email thread refer to different cases."))
    case_id = by_number or by_thread
    if case_id is None:
        return None
    case = Case.objects.get(pk=case_id)
    seen = {case.pk}
    while case.merged_into_id and case.merged_into_id not in seen:  # a merged case lives on in its target
        seen.add(case.merged_into_id)
        case = Case.objects.get(pk=case.merged_into_id)
    return case


def _principal(access: PortalAccess) -> Principal:
    return Principal(user=access.user, access=access)


def _principal_for_case(accesses: list[PortalAccess], case: Case) -> Principal:
    """The sender's principal that may see the case and act on it, as in the portal; else refuse."""
    for access in accesses:
        principal = _principal(access)
        try:
            visible = engine.visible(principal, "cases").filter(pk=case.pk).exists()
        except Http404:
            continue
        if visible and principal.grant("cases").actions:
            return principal
    raise Refusal(Reason.NOT_ALLOWED, _("The sender may not write to %(case)s.") % {"case": case.number})


def _principal_to_create(accesses: list[PortalAccess], sender: str) -> Principal:
    """The principal a new case by email is opened for. A person at several companies: the company whose contact
    has exactly the sender's address, then the one they last opened a case for, then the first by name.
    """
    principals = [p for p in map(_principal, accesses) if p.grant("cases").create]
    if not principals:
        raise Refusal(Reason.NOT_ALLOWED, _("The sender may not open cases."))
    exact = [p for p in principals if (p.contact.email or "").lower() == sender.lower()]
    principals = exact or principals
    if len(principals) > 1:
        latest = (
            Case.objects.filter(contact__in=[p.contact for p in principals])
            .order_by("-created_at", "-pk")
            .values_list("contact_id", flat=True)
            .first()
        )
        return next((p for p in principals if p.contact.pk == latest), principals[0])
    return principals[0]


def _new_subject(subject: str) -> str:
    subject = clean_subject(subject) or _("(no subject)")
    return subject[: SUBJECT_MAX - 1] + "…" if len(subject) > SUBJECT_MAX else subject


def check_files(attachments: list[RawAttachment], rules: AttachmentRules) -> tuple[list, list[dict]]:
    """Check each attachment as a portal upload is checked; return the files to store and the refused ones
    (name and reason). A refused file is never stored.
    """
    uploads, refused = [], []
    for attachment in attachments:
        upload = ContentFile(attachment.content, name=attachment.filename[:255] or "attachment")
        try:
            validate_upload(upload, max_bytes=rules.max_bytes, allowed_types=rules.types)
        except ValidationError as exc:
            refused.append({"name": attachment.filename[:255], "reason": " ".join(exc.messages)})
            continue
        if len(uploads) >= rules.max_files:
            refused.append({"name": attachment.filename[:255], "reason": _("Too many files in one message.")})
            continue
        upload.seek(0)
        uploads.append(upload)
    return uploads, refused


def _body_with_refusals(text: str, refused: list[dict]) -> str:
    """The message text, cut to the longest message a case takes, with a note of the files not attached."""
    note = ""
    if refused:
        lines = "\n".join(f"- {item['name']}: {item['reason']}" for item in refused)
        note = "\n\n" + _("Attachments not accepted:") + "\n" + lines
    room = BODY_MAX - len(note)
    if len(text) > room:
        text = text[: max(room - 1, 0)].rstrip() + "…"
    return (text + note)[:BODY_MAX].strip()


def _log(key, raw, parsed, channel, outcome, reason, detail, *, case=None, refused=()):
    return InboundEmail.objects.create(
        message_id=key,
        channel=channel,
        sender=(parsed.sender if parsed else "")[:320],
        subject=(parsed.subject if parsed else "")[:300],
        outcome=outcome,
        reason=reason,
        detail=detail[:5000],
        size=len(raw),
        case=case,
        refused_attachments=list(refused),
        headers=parsed.headers if parsed else _raw_headers(raw),
    )


def _raw_headers(raw: bytes) -> str:
    try:
        return header_text(read_message(raw[:65536]))
    except Exception:  # noqa: BLE001 (only an excerpt for the log)
        return raw[:4000].decode("utf-8", "replace")


def _log_refusal(refusal: Refusal, *, key: str, raw: bytes, parsed, channel: str) -> IntakeResult:
    logger.warning("Email %s refused (%s): %s", key, refusal.reason, refusal.detail)
    try:
        with transaction.atomic():
            _log(key, raw, parsed, channel, refusal.outcome, refusal.reason, refusal.detail)
    except IntegrityError:
        return IntakeResult(outcome=Outcome.IGNORED, reason="duplicate", duplicate=True)
    return IntakeResult(outcome=refusal.outcome, reason=refusal.reason, detail=refusal.detail)
