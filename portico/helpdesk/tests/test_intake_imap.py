"""The IMAP poller against a real local IMAP server (Debian's Dovecot, started with a throwaway configuration)."""

from __future__ import annotations

import imaplib
import io
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import OperationalError

from portico.core import scheduler
from portico.helpdesk.intake import imap
from portico.helpdesk.intake.models import InboundEmail, Outcome, Reason
from portico.helpdesk.models import Case, CaseMessage
from portico.helpdesk.tests.mail import build, load

DOVECOT = "/usr/sbin/dovecot"
PASSWORD = "intake-test-password"
USERS = 100  # mailboxes handed out, one per test
NOBODY = 65534  # the mail files' owner; Dovecot never runs mail processes as root

CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:{root}/home/%u/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={uid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


def _apt_get(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(["apt-get", *args], capture_output=True, text=True, env=env, timeout=600)  # noqa: S603,S607


def _install_dovecot() -> None:
    """Install Debian's Dovecot IMAP server when missing (the tests run as root); fail clearly when that fails."""
    if os.path.exists(DOVECOT):
        return
    done = _apt_get("install", "-y", "--no-install-recommends", "dovecot-imapd")
    if done.returncode != 0:  # the package lists may be missing in a fresh container
        _apt_get("update")
        done = _apt_get("install", "-y", "--no-install-recommends", "dovecot-imapd")
    if done.returncode != 0 or not os.path.exists(DOVECOT):
        pytest.fail(
            "The IMAP tests need Dovecot: `apt-get install -y dovecot-imapd` failed "
            f"(exit {done.returncode}): {done.stderr[-2000:]}",
            pytrace=False,
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Dovecot stopped at start: {log.read_text() if log.exists() else ''}", pytrace=False)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail("Dovecot did not start listening within 15 seconds.", pytrace=False)


@pytest.fixture(scope="session")
def dovecot():
    """A Dovecot IMAP server on a free local port: plain-text passwords from a file, maildirs in a temporary
    directory, no TLS, no system service. Yields (port, a function giving an unused mailbox user)."""
    _install_dovecot()
    root = Path(tempfile.mkdtemp(prefix="portico-dovecot-"))
    root.chmod(0o755)  # the login processes run as dovenull and must reach the sockets
    (root / "home").mkdir()
    os.chown(root / "home", NOBODY, NOBODY)
    # Users are written before the server starts: Dovecot notices a changed password file only a second later.
    names = [f"helpdesk-{uuid.uuid4().hex[:10]}" for _ in range(USERS)]
    (root / "passwd").write_text("".join(f"{name}:{{PLAIN}}{PASSWORD}\n" for name in names))
    users = iter(names)
    port = _free_port()
    (root / "dovecot.conf").write_text(CONFIG.format(root=root, port=port, uid=NOBODY))
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(root / "dovecot.conf")])  # noqa: S603

    def add_user() -> str:
        return next(users)

    try:
        _wait_for(port, process, root / "dovecot.log")
        yield port, add_user
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def mailbox(dovecot):
    """A fresh, empty mailbox of its own for one test, with a Done folder for processed messages."""
    port, add_user = dovecot
    return imap.MailboxSettings(
        host="127.0.0.1", port=port, user=add_user(), password=PASSWORD, tls="none", done_folder="Done"
    )


class Client:
    """A second IMAP connection, the test's own: delivers messages and looks at the folders."""

    def __init__(self, mailbox: imap.MailboxSettings):
        self.conn = imaplib.IMAP4(mailbox.host, mailbox.port)
        self.conn.login(mailbox.user, mailbox.password)

    def deliver(self, raw: bytes, flags: str = "") -> None:
        typ, data = self.conn.append("INBOX", flags or None, None, raw)
        assert typ == "OK", data

    def uids(self, folder: str, criterion: str = "ALL") -> list[bytes]:
        typ, _ = self.conn.select(imap.quote(folder), readonly=True)
        if typ != "OK":
            return []
        typ, data = self.conn.uid("SEARCH", None, criterion)
        return data[0].split()

    def close(self):
        self.conn.logout()


@pytest.fixture
def client(mailbox):
    client = Client(mailbox)
    yield client
    client.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_poller_processes_each_unseen_message_and_moves_it_to_the_done_folder(bob_cases, mailbox, client):
    client.deliver(load("new_case_attachments.eml"))
    client.deliver(load("bounce_dsn.eml"))
    client.deliver(build(sender="stranger@nowhere.example", subject="Hello"))
    result = imap.poll(mailbox)
    assert (result.processed, result.failed) == (3, 0)
    case = Case.objects.get()
    assert case.subject == "Tulostin ei tulosta – ääkköset & €" and case.messages.get().attachments.count() == 2
    outcomes = dict(InboundEmail.objects.values_list("reason", "outcome"))
    assert outcomes == {"": Outcome.ACCEPTED, Reason.BOUNCE: Outcome.IGNORED, Reason.UNKNOWN_SENDER: Outcome.REJECTED}
    assert set(InboundEmail.objects.values_list("channel", flat=True)) == {"imap"}
    assert client.uids("INBOX") == [] and len(client.uids("Done", "SEEN")) == 3


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_without_a_done_folder_processed_messages_stay_marked_seen(bob_cases, mailbox, client):
    mailbox = imap.MailboxSettings(**{**mailbox.__dict__, "done_folder": ""})
    client.deliver(build(subject="Printer"))
    assert imap.poll(mailbox).processed == 1
    assert len(client.uids("INBOX", "SEEN")) == 1 and client.uids("INBOX", "UNSEEN") == []
    assert imap.poll(mailbox).processed == 0
    assert Case.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_message_already_seen_is_left_alone(bob_cases, mailbox, client):
    client.deliver(build(subject="Read by a person"), flags=r"(\Seen)")
    assert imap.poll(mailbox).processed == 0
    assert not Case.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_crash_after_the_commit_loses_nothing_and_the_next_poll_adds_nothing_twice(
    bob_cases, mailbox, client, monkeypatch
):
    client.deliver(build(subject="Printer", message_id="<crash-1@mail.acme.example>"))

    def crash(*args, **kwargs):
        raise ConnectionResetError("connection lost while flagging")

    with monkeypatch.context() as patch:
        patch.setattr(imap, "_mark_done", crash)
        with pytest.raises(imap.ImapError):
            imap.poll(mailbox)
    assert CaseMessage.objects.count() == 1
    assert len(client.uids("INBOX", "UNSEEN")) == 1  # still there, not lost
    assert imap.poll(mailbox).processed == 1
    assert CaseMessage.objects.count() == 1 and InboundEmail.objects.count() == 1
    assert client.uids("INBOX") == [] and len(client.uids("Done")) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_messages_stay_in_the_mailbox_while_the_database_is_away(bob_cases, mailbox, client, monkeypatch):
    client.deliver(build(subject="First"))
    client.deliver(build(subject="Second"))

    def unavailable(*args, **kwargs):
        raise OperationalError("could not connect to server")

    with monkeypatch.context() as patch:
        patch.setattr(imap, "receive_email", unavailable)
        result = imap.poll(mailbox)
    assert (result.processed, result.failed) == (0, 1)
    assert len(client.uids("INBOX", "UNSEEN")) == 2
    assert imap.poll(mailbox).processed == 2
    assert Case.objects.count() == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_message_that_breaks_the_intake_stays_and_the_others_go_through(bob_cases, mailbox, client, monkeypatch):
    client.deliver(build(subject="Poison"))
    client.deliver(build(subject="Fine"))
    real = imap.receive_email

    def picky(raw, **kwargs):
        if b"Poison" in raw:
            raise RuntimeError("a bug")
        return real(raw, **kwargs)

    monkeypatch.setattr(imap, "receive_email", picky)
    result = imap.poll(mailbox)
    assert (result.processed, result.failed) == (1, 1)
    assert list(Case.objects.values_list("subject", flat=True)) == ["Fine"]
    assert len(client.uids("INBOX", "UNSEEN")) == 1


@pytest.mark.django_db
def test_a_wrong_password_is_a_clear_error(mailbox):
    with pytest.raises(imap.ImapError, match="Cannot sign in"):
        imap.poll(imap.MailboxSettings(**{**mailbox.__dict__, "password": "wrong"}))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_poll_imap_command_reads_the_mailbox_named_in_the_settings(bob_cases, mailbox, client, settings):
    settings.IMAP_HOST, settings.IMAP_PORT, settings.IMAP_TLS = mailbox.host, mailbox.port, "none"
    settings.IMAP_USER, settings.IMAP_PASSWORD, settings.IMAP_FOLDER = mailbox.user, PASSWORD, "INBOX"
    settings.IMAP_DONE_FOLDER = "Processed"
    client.deliver(build(subject="By the command"))
    out = io.StringIO()
    call_command("poll_imap", stdout=out)
    assert "processed 1" in out.getvalue()
    assert Case.objects.get().subject == "By the command" and len(client.uids("Processed")) == 1
    settings.IMAP_PASSWORD = "wrong"
    with pytest.raises(CommandError, match="Cannot sign in"):
        call_command("poll_imap", stdout=io.StringIO())


def test_the_worker_polls_the_mailbox_when_an_imap_host_is_set(settings):
    from portico.helpdesk.intake.tasks import poll_imap

    before = list(scheduler.PERIODIC)
    try:
        settings.IMAP_HOST, settings.IMAP_POLL_SECONDS = "", 60
        scheduler.PERIODIC[:] = [job for job in before if job.name != poll_imap.module_path]
        apps.get_app_config("helpdesk_intake").ready()
        assert poll_imap.module_path not in [job.name for job in scheduler.PERIODIC]
        settings.IMAP_HOST = "imap.example"
        apps.get_app_config("helpdesk_intake").ready()
        job = next(job for job in scheduler.PERIODIC if job.name == poll_imap.module_path)
        assert job.every == timedelta(seconds=60)
    finally:
        scheduler.PERIODIC[:] = before
