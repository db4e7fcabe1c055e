"""The outbox: queue emails inside the business transaction; a task delivers them with retries."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from datetime import timedelta
from email.utils import make_msgid, parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from portico.core.models import OutboxMessage

logger = logging.getLogger(__name__)

# How long a worker may hold a message it is sending before another worker may take it over.
SENDING_LEASE = timedelta(minutes=10)

# Every message says it was sent by a program (RFC 3834): auto-responders do not answer it, and our own
# intake ignores it should it come back, so two systems never mail each other in a loop.
AUTO_SUBMITTED = "auto-generated"
MAX_REFERENCES = 20  # the thread's first Message-ID and the latest ones; mail clients need no more
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,990}>")


# Staff-written templates replace built-in ones. Each hook gets (template, context, language) and returns
# (subject, text, html), or None to leave the email to the next hook and finally to the template files.
# Apps register hooks when they start (the portal's settings do), so core knows nothing of them.
TEMPLATE_OVERRIDES: list[Callable[[str, dict, str], tuple[str, str, str] | None]] = []


def render_override(template: str, context: dict, language: str) -> tuple[str, str, str] | None:
    """Return the email as a registered override renders it, or None when no override has one."""
    for hook in TEMPLATE_OVERRIDES:
        rendered = hook(template, context, language)
        if rendered is not None:
            return rendered
    return None


def render_email(template: str, context: dict, language: str) -> tuple[str, str, str]:
    """Render `emails/<template>_{subject,body}.{txt,html}` in a language; return subject, text, html."""
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {"site_url": settings.SITE_URL, **context}
        overridden = render_override(template, context, language or settings.LANGUAGE_CODE)
        if overridden is not None:
            return overridden
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
        text = render_to_string(f"emails/{template}_body.txt", context)
        html = render_to_string(f"emails/{template}_body.html", context)
    return subject, text, html


def new_message_id() -> str:
    """A fresh Message-ID on the domain we send from (DEFAULT_FROM_EMAIL's, else SITE_URL's host)."""
    _local, at, domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")
    return make_msgid(domain=(at and domain) or urlsplit(settings.SITE_URL).hostname or "localhost")


def thread_ids(ids: Iterable[str]) -> list[str]:
    """Well-formed Message-IDs, each once, in order; anything else is dropped (never a header injection)."""
    return list(dict.fromkeys(i for i in ids if i and _MESSAGE_ID.fullmatch(i)))


def queue_email(
    *,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    kind: str = "",
    language: str = "",
    in_reply_to: str = "",
    references: Iterable[str] = (),
) -> OutboxMessage:
    """Write a message to the outbox and enqueue its delivery; both vanish if the transaction rolls back.

    The message gets its Message-ID now; `in_reply_to` and `references` (oldest first) thread it with earlier mail.
    """
    references = thread_ids(references)
    if len(references) > MAX_REFERENCES:
        references = references[:1] + references[1 - MAX_REFERENCES :]
    message = OutboxMessage.objects.create(
        to=to,
        from_email=settings.DEFAULT_FROM_EMAIL,
        subject=subject[:300],
        body_text=text,
        body_html=html,
        kind=kind,
        language=language,
        message_id=new_message_id(),
        in_reply_to=next(iter(thread_ids([in_reply_to])), ""),
        references=" ".join(references),
    )
    from portico.core.tasks import deliver_email

    deliver_email.enqueue(message.pk)
    return message


def queue_template_email(
    *,
    to: str,
    template: str,
    context: dict,
    language: str,
    kind: str = "",
    in_reply_to: str = "",
    references: Iterable[str] = (),
) -> OutboxMessage:
    """Render a templated email in the recipient's language and queue it."""
    subject, text, html = render_email(template, context, language)
    return queue_email(
        to=to,
        subject=subject,
        text=text,
        html=html,
        kind=kind or template,
        language=language,
        in_reply_to=in_reply_to,
        references=references,
    )


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: base, 2x base, 4x base ... capped at six hours."""
    return min(settings.OUTBOX_RETRY_BASE * (2 ** max(attempts - 1, 0)), timedelta(hours=6))


def deliver(message_id: int) -> str:
    """Send one queued message over SMTP; on failure schedule a retry or mark it failed. Return its status.

    The message is claimed with a conditional UPDATE, so two workers never send it twice, and no database
    transaction is held open while talking to the SMTP server.
    """
    now = timezone.now()
    claimed = (
        OutboxMessage.objects.filter(pk=message_id)
        .filter(claimable_q(now))
        .update(status=OutboxMessage.Status.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + SENDING_LEASE)
    )
    message = OutboxMessage.objects.filter(pk=message_id).first()
    if message is None:
        return "missing"
    if not claimed:
        return message.status
    try:
        _send(message)
    except Exception as exc:  # any SMTP or network failure: keep the message and try again later
        return _schedule_retry(message, exc)
    message.status = OutboxMessage.Status.SENT
    message.sent_at = timezone.now()
    message.next_attempt_at = None
    message.last_error = ""
    message.save(update_fields=["last_error", "status", "sent_at", "next_attempt_at"])
    return message.status


def headers(message: OutboxMessage) -> dict[str, str]:
    """The headers that identify a message and thread it, the same on every delivery attempt."""
    found = {"Message-ID": message.message_id, "Auto-Submitted": AUTO_SUBMITTED}
    if message.in_reply_to:
        found["In-Reply-To"] = message.in_reply_to
    if message.references:
        found["References"] = message.references
    return found


def _send(message: OutboxMessage) -> None:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=message.from_email,
        to=[message.to],
        headers=headers(message),
        connection=get_connection(fail_silently=False),
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    email.send()


def _schedule_retry(message: OutboxMessage, exc: Exception) -> str:
    logger.warning("Outbox message %s not delivered (attempt %s): %s", message.pk, message.attempts, exc)
    message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    with transaction.atomic():
        if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            message.status = OutboxMessage.Status.FAILED
            message.next_attempt_at = None
        else:
            message.status = OutboxMessage.Status.RETRYING
            message.next_attempt_at = timezone.now() + retry_delay(message.attempts)
            from portico.core.tasks import deliver_email

            deliver_email.using(run_after=message.next_attempt_at).enqueue(message.pk)
        message.save(update_fields=["last_error", "status", "next_attempt_at"])
    return message.status


def claimable_q(now) -> Q:
    """Messages a worker may take: queued, waiting to retry, or "sending" by a worker that died (lease over)."""
    waiting = Q(status__in=[OutboxMessage.Status.QUEUED, OutboxMessage.Status.RETRYING])
    abandoned = Q(status=OutboxMessage.Status.SENDING, next_attempt_at__lt=now)
    return waiting | abandoned


def retry_now(message: OutboxMessage) -> bool:
    """Staff action: give a message a fresh start and deliver it as soon as possible.

    A message a worker is sending right now (its lease still running) is left alone, so it is never sent twice.
    Return whether the message was queued again.
    """
    with transaction.atomic():
        retriable = claimable_q(timezone.now()) | Q(status=OutboxMessage.Status.FAILED)
        if not OutboxMessage.objects.filter(pk=message.pk).filter(retriable).exists():
            return False
        message.status = OutboxMessage.Status.QUEUED
        message.attempts = 0
        message.last_error = ""
        message.next_attempt_at = None
        message.save(update_fields=["status", "attempts", "last_error", "next_attempt_at"])
        from portico.core.tasks import deliver_email

        deliver_email.enqueue(message.pk)
    return True
