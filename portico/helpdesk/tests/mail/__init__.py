"""Email intake test messages: the stored real-world messages and messages built for one test."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

MAIL = Path(__file__).parent


def load(name: str, **values: str) -> bytes:
    """A stored message, with {{CASE}}-style placeholders filled in."""
    raw = (MAIL / name).read_bytes()
    for key, value in values.items():
        raw = raw.replace(("{{" + key + "}}").encode(), value.encode())
    return raw


def build(
    *,
    sender: str = "Bob Basic <bob@acme.example>",
    subject: str = "Question",
    text: str = "Hello support.",
    html: str | None = None,
    attachments: tuple[tuple[str, bytes, str], ...] = (),
    headers: dict[str, str] | None = None,
    message_id: str | None = None,
) -> bytes:
    """A message as a mail client would send it: text (and HTML) with attachments (name, content, MIME type)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "support@portico.example"
    msg["Subject"] = subject
    msg["Date"] = "Tue, 24 Nov 2026 10:00:00 +0200"
    msg["Message-ID"] = message_id or make_msgid(domain="mail.acme.example")
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for filename, content, mime in attachments:
        maintype, subtype = mime.split("/")
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()
