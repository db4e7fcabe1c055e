"""Poll the helpdesk's IMAP mailbox: each unseen message goes through `receive_email()`; only after the database has
committed its outcome is the message marked seen (and moved to the done folder when one is set). A crash in between
leaves it unseen: the next poll reads it again and the intake, knowing its Message-ID, only marks it done.
"""

from __future__ import annotations

import imaplib
import logging
import ssl
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError

from portico.helpdesk.intake.services import receive_email

logger = logging.getLogger(__name__)

TIMEOUT = 60  # seconds for the connection and each command
BATCH = 200  # messages processed in one poll; the rest wait for the next


class ImapError(Exception):
    """The mailbox could not be read (connection, login, folder)."""


@dataclass
class PollResult:
    """How one poll went: messages processed and marked done, and messages left for the next poll."""

    processed: int = 0
    failed: int = 0


@dataclass(frozen=True)
class MailboxSettings:
    """Where the helpdesk mailbox is and how to sign in (from the IMAP_* settings)."""

    host: str
    port: int
    user: str
    password: str
    tls: str = "ssl"  # "ssl", "starttls" or "none"
    folder: str = "INBOX"
    done_folder: str = ""

    @classmethod
    def from_settings(cls) -> MailboxSettings:
        return cls(
            host=settings.IMAP_HOST,
            port=settings.IMAP_PORT,
            user=settings.IMAP_USER,
            password=settings.IMAP_PASSWORD,
            tls=settings.IMAP_TLS,
            folder=settings.IMAP_FOLDER,
            done_folder=settings.IMAP_DONE_FOLDER,
        )


def quote(name: str) -> str:
    """A mailbox name as an IMAP quoted string."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def connect(mailbox: MailboxSettings) -> imaplib.IMAP4:
    """Open and authenticate a connection; TLS unless the settings say "none"."""
    if not mailbox.host:
        raise ImapError("IMAP_HOST is not set.")
    try:
        if mailbox.tls == "ssl":
            conn = imaplib.IMAP4_SSL(
                mailbox.host, mailbox.port, ssl_context=ssl.create_default_context(), timeout=TIMEOUT
            )
        else:
            conn = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=TIMEOUT)
            if mailbox.tls == "starttls":
                conn.starttls(ssl_context=ssl.create_default_context())
        conn.login(mailbox.user, mailbox.password)
        typ, data = conn.capability()  # servers announce more (MOVE, UIDPLUS) once signed in
        if typ == "OK" and data and data[0]:
            conn.capabilities = tuple(data[0].decode("ascii", "replace").upper().split())
    except (OSError, imaplib.IMAP4.error) as exc:
        raise ImapError(f"Cannot sign in to {mailbox.host}:{mailbox.port}: {exc}") from exc
    return conn


def poll(mailbox: MailboxSettings | None = None, *, limit: int = BATCH) -> PollResult:
    """Process the unseen messages of the mailbox's folder; return the counts."""
    mailbox = mailbox or MailboxSettings.from_settings()
    conn = connect(mailbox)
    try:
        if mailbox.done_folder:
            conn.create(quote(mailbox.done_folder))  # fails harmlessly when it exists
        typ, _data = conn.select(quote(mailbox.folder))
        if typ != "OK":
            raise ImapError(f"Cannot open the folder {mailbox.folder}.")
        return _process_unseen(conn, mailbox, limit)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise ImapError(f"IMAP failure on {mailbox.host}: {exc}") from exc
    finally:
        _close(conn)


def _process_unseen(conn: imaplib.IMAP4, mailbox: MailboxSettings, limit: int) -> PollResult:
    result = PollResult()
    typ, data = conn.uid("SEARCH", None, "UNSEEN")
    uids = data[0].split() if typ == "OK" and data and data[0] else []
    for uid in uids[:limit]:
        raw = _fetch(conn, uid)
        if raw is None:
            continue  # expunged meanwhile
        try:
            outcome = receive_email(raw, channel="imap")
        except DatabaseError:
            logger.exception("Database unavailable; message %s stays in the mailbox for the next poll.", uid)
            result.failed += 1
            break  # the next messages would fail the same way
        except Exception:  # a bug on one message must not hold up the others; it stays unseen and is retried
            logger.exception("Could not process IMAP message %s; it stays in the mailbox.", uid)
            result.failed += 1
            continue
        _mark_done(conn, uid, mailbox)
        result.processed += 1
        logger.info("IMAP message %s: %s %s", uid.decode(), outcome.outcome, outcome.reason)
    return result


def _fetch(conn: imaplib.IMAP4, uid: bytes) -> bytes | None:
    typ, data = conn.uid("FETCH", uid, "(BODY.PEEK[])")  # PEEK: reading does not mark it seen
    if typ != "OK":
        return None
    for item in data or []:
        if isinstance(item, tuple) and len(item) == 2:
            return item[1]
    return None


def _mark_done(conn: imaplib.IMAP4, uid: bytes, mailbox: MailboxSettings) -> None:
    """Mark a processed message seen; move it to the done folder when one is set."""
    conn.uid("STORE", uid, "+FLAGS.SILENT", r"(\Seen)")
    if not mailbox.done_folder:
        return
    capabilities = set(getattr(conn, "capabilities", ()))
    if "MOVE" in capabilities:
        typ, _data = conn.uid("MOVE", uid, quote(mailbox.done_folder))
        if typ == "OK":
            return
    typ, _data = conn.uid("COPY", uid, quote(mailbox.done_folder))
    if typ != "OK":
        logger.warning("Could not copy IMAP message %s to %s; it stays, marked seen.", uid, mailbox.done_folder)
        return
    conn.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)")
    if "UIDPLUS" in capabilities:
        conn.uid("EXPUNGE", uid)
    else:
        conn.expunge()


def _close(conn: imaplib.IMAP4) -> None:
    try:
        if conn.state == "SELECTED":
            conn.close()
        conn.logout()
    except (OSError, imaplib.IMAP4.error):
        pass
