"""Read a raw RFC 5322 message: sender, subject, the new text of a reply, attachments, threading headers, and the
signs of a bounce, an automatic reply or a forged sender.
"""

from __future__ import annotations

import email
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from portico.core.validators import BIDI_CONTROLS
from portico.helpdesk.intake.text import html_to_text, strip_quoted

MAX_PARTS = 200  # MIME parts looked at in one message; a message with more is refused as malformed
MAX_ATTACHMENTS = 30  # attachments read from one message (the case takes fewer; the rest are listed as refused)
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,990}>")
_AUTO_SUBMITTED_NO = "no"
_BULK_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})
_DAEMONS = frozenset({"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"})
_DMARC_FAIL = re.compile(r"\bdmarc\s*=\s*fail\b", re.IGNORECASE)
_DMARC_PASS = re.compile(r"\bdmarc\s*=\s*pass\b", re.IGNORECASE)
_REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|wg|sv|vs|vl|vb|rv|tr|odp|antw|r)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)


class MalformedEmail(Exception):
    """The message cannot be read as an email (no sender, broken structure, too many parts)."""


@dataclass(frozen=True)
class RawAttachment:
    """A file found in a message, not yet checked."""

    filename: str
    content: bytes


@dataclass
class ParsedEmail:
    """What the intake needs from one message."""

    message_id: str
    sender: str
    subject: str
    text: str
    attachments: list[RawAttachment] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    headers: str = ""
    loop_reason: str = ""  # "bounce", "auto_reply", "bulk" or "own": never answered, never a case
    forgery: str = ""  # why the sender looks forged, or ""


def message_key(raw: bytes) -> str:
    """The message's Message-ID, or a hash of its bytes when it has none: what makes intake idempotent."""
    head = raw.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    unfolded = re.sub(rb"\r?\n[ \t]+", b" ", head)
    match = re.search(rb"^message-id:[ \t]*(<[^<>\s]{1,990}>)", unfolded, re.IGNORECASE | re.MULTILINE)
    if match:
        return match.group(1).decode("ascii", "replace")
    return f"<sha256-{hashlib.sha256(raw).hexdigest()}@no-message-id.invalid>"


def read_message(raw: bytes) -> EmailMessage:
    """Parse raw bytes into a message (the modern `email` API)."""
    return email.message_from_bytes(raw, policy=policy.default)


def header_text(msg: EmailMessage, limit: int = 16_000) -> str:
    """The message's headers as text, for staff investigating a rejection; never raises."""
    try:
        items = msg.raw_items()
        return "".join(f"{name}: {value}\n" for name, value in items)[:limit]
    except Exception:  # noqa: BLE001 (a log excerpt must not fail the intake)
        return ""


def parse(raw: bytes, *, envelope_sender: str | None = None, check_return_path: bool = True) -> ParsedEmail:
    """Read what the intake needs from a raw message; raise MalformedEmail when it is not a usable email."""
    try:
        msg = read_message(raw)
        parts = sum(1 for _ in msg.walk())
        if parts > MAX_PARTS:
            raise MalformedEmail(_("The message has too many MIME parts (%(parts)d).") % {"parts": parts})
        sender = _sender(msg)
        subject = _clean_line(str(msg.get("subject", "") or ""))
        text, body_part = _body(msg)
        attachments = _attachments(msg, body_part)
        references = _references(msg)
        loop = loop_reason(msg, sender, envelope_sender)
        forged = forgery(msg, sender, envelope_sender, check_return_path=check_return_path)
    except MalformedEmail:
        raise
    except Exception as exc:  # the email package's own errors on broken headers or structure
        raise MalformedEmail(_("Unreadable message: %(error)s") % {"error": type(exc).__name__}) from exc
    parsed = ParsedEmail(
        message_id=message_key(raw),
        sender=sender,
        subject=subject,
        text=text,
        attachments=attachments,
        references=references,
        headers=header_text(msg),
        loop_reason=loop,
        forgery=forged,
    )
    return parsed


def _sender(msg: EmailMessage) -> str:
    froms = msg.get_all("from") or []
    if len(froms) != 1:
        raise MalformedEmail(_("The message needs exactly one From header."))
    addresses = getattr(froms[0], "addresses", ())
    if len(addresses) != 1:
        raise MalformedEmail(_("The From header needs exactly one address."))
    sender = (addresses[0].addr_spec or "").strip().lower()
    try:
        validate_email(sender)
    except ValidationError:
        raise MalformedEmail(_("The From address is not a valid email address.")) from None
    return sender


def _clean_line(value: str) -> str:
    """One line of text without control or bidi characters."""
    value = "".join(ch for ch in value if unicodedata.category(ch)[0] != "C" and ch not in BIDI_CONTROLS)
    return " ".join(value.split())


def clean_subject(subject: str) -> str:
    """The subject without reply and forward prefixes (Re:, Fwd:, VS:, SV:, AW: ...)."""
    return _REPLY_PREFIX.sub("", subject).strip()


def _content(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, ValueError, AssertionError):  # unknown or lying charset
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", "replace")
    return content if isinstance(content, str) else content.decode("utf-8", "replace")


def _body(msg: EmailMessage) -> tuple[str, EmailMessage | None]:
    """The text the sender wrote: the plain-text body, else the HTML body as text; quotes and signature cut."""
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return "", None
    content = _content(part)
    if part.get_content_subtype() == "html":
        content = html_to_text(content)
    content = "".join(
        ch for ch in content if (unicodedata.category(ch) != "Cc" or ch in "\n\t") and ch not in BIDI_CONTROLS
    )
    return strip_quoted(content), part


def _attachments(msg: EmailMessage, body_part: EmailMessage | None) -> list[RawAttachment]:
    found: list[RawAttachment] = []
    _collect(msg, body_part, found, top=True)
    return found


def _collect(part: EmailMessage, body_part, found: list[RawAttachment], *, top: bool = False) -> None:
    if part is body_part or len(found) >= MAX_ATTACHMENTS:
        return
    ctype = part.get_content_type()
    if ctype == "message/rfc822" and not top:
        inner = part.get_payload(0) if isinstance(part.get_payload(), list) else None
        if inner is not None:
            name = (
                part.get_filename() or f"{clean_subject(_clean_line(str(inner.get('subject', '')))) or 'message'}.eml"
            )
            found.append(RawAttachment(filename=name, content=inner.as_bytes(policy=policy.SMTP)))
        return
    if part.is_multipart():
        if part.get_content_type() in ("multipart/report",):
            return  # a delivery report is never a customer's attachment
        for child in part.iter_parts():
            _collect(child, body_part, found)
        return
    if top:
        return  # a single-part message is all body
    filename = part.get_filename()
    disposition = part.get_content_disposition()
    if not filename and disposition != "attachment":
        return  # an alternative text version of the body, or inline decoration without a name
    content = part.get_payload(decode=True) or b""
    found.append(RawAttachment(filename=filename or _default_name(ctype), content=content))


def _default_name(ctype: str) -> str:
    ext = {"text/plain": "txt", "text/html": "html", "application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
    return f"attachment.{ext.get(ctype, 'bin')}"


def _references(msg: EmailMessage) -> list[str]:
    """Message-IDs this message answers: In-Reply-To first, then References from the newest."""
    ids: list[str] = []
    for name in ("in-reply-to", "references"):
        for value in msg.get_all(name) or []:
            found = _MESSAGE_ID.findall(str(value))
            ids.extend(reversed(found) if name == "references" else found)
    return list(dict.fromkeys(ids))[:50]


def loop_reason(msg: EmailMessage, sender: str, envelope_sender: str | None) -> str:
    """Why a message must never be answered nor open a case: "bounce", "auto_reply", "bulk", "own"; else ""."""
    return_paths = [str(v).strip() for v in msg.get_all("return-path") or []]
    if envelope_sender is not None:
        envelope = envelope_sender.strip().strip("<>").lower()
        if not envelope or envelope.split("@")[0] in _DAEMONS:  # Postfix passes the null sender as MAILER-DAEMON
            return "bounce"
    if any(rp in ("<>", "") for rp in return_paths):
        return "bounce"
    if msg.get_content_type() == "multipart/report" or sender.split("@")[0] in _DAEMONS:
        return "bounce"
    if sender in own_addresses():
        return "own"
    auto_submitted = str(msg.get("auto-submitted", "") or "").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != _AUTO_SUBMITTED_NO:
        return "auto_reply"
    if any(msg.get(h) is not None for h in ("x-autoreply", "x-autorespond", "x-auto-response-suppress")):
        return "auto_reply"
    if str(msg.get("precedence", "") or "").strip().lower() in _BULK_PRECEDENCE:
        return "bulk"
    if msg.get("list-id") is not None or msg.get("list-unsubscribe") is not None:
        return "bulk"
    return ""


def own_addresses() -> set[str]:
    """The addresses the helpdesk sends from: mail from them is its own, come back (a loop)."""
    addresses = {settings.DEFAULT_FROM_EMAIL, settings.SERVER_EMAIL}
    return {addr.lower() for _name, addr in getaddresses([a for a in addresses if a]) if addr}


def _domain(address: str) -> str:
    address = address.strip().strip("<>").strip()
    return address.rpartition("@")[2].lower().rstrip(".") if "@" in address else ""


def _aligned(a: str, b: str) -> bool:
    """Relaxed alignment: the same domain, or one a subdomain of the other (bounces.example.com, example.com)."""
    return a == b or a.endswith("." + b) or b.endswith("." + a)


def forgery(msg: EmailMessage, sender: str, envelope_sender: str | None, *, check_return_path: bool = True) -> str:
    """Why the From address looks forged: DMARC failed at our mail server, or the envelope sender's domain is
    another than the From address's; "" when nothing looks wrong.
    """
    results = [str(value) for value in msg.get_all("authentication-results") or []]
    for value in results:
        if _DMARC_FAIL.search(value):
            return _("The receiving mail server reports dmarc=fail.")
    trusted = settings.INTAKE_TRUSTED_AUTHSERV_ID.strip().lower()
    if trusted:
        # Only our own mail server's verdict counts (it removes headers claiming its name from incoming mail,
        # RFC 8601 section 5); the topmost header it added is the one it wrote last.
        ours = [value for value in results if value.split(";", 1)[0].strip().lower() == trusted]
        if not ours or not _DMARC_PASS.search(ours[0]):
            return _("The receiving mail server (%(server)s) did not confirm the sender with dmarc=pass.") % {
                "server": trusted
            }
    if not check_return_path:
        return ""
    from_domain = _domain(sender)
    candidates = [envelope_sender] if envelope_sender else [str(v) for v in msg.get_all("return-path") or []]
    for candidate in candidates:
        domain = _domain(candidate)
        if domain and not _aligned(domain, from_domain):
            return _("The envelope sender's domain (%(envelope)s) is not the From address's (%(from)s).") % {
                "envelope": domain,
                "from": from_domain,
            }
    return ""
