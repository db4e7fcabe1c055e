"""The outbox: mail is written with the change that causes it and delivered by the worker, with retries."""

import signal
import socket
from datetime import timedelta
from email import message_from_bytes
from io import StringIO

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from portico.core import outbox
from portico.core.models import OutboxMessage
from portico.core.tasks import deliver_email

Status = OutboxMessage.Status


def queue(to="bob@acme.example", subject="Hello"):
    return outbox.queue_email(to=to, subject=subject, text=f"Hello {to}", html=f"<p>Hello {to}</p>", kind="test")


def free_port():
    """Return a TCP port on 127.0.0.1 that nothing listens on (yet)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_port(settings):
    """Send over real SMTP to a local port where no server listens: every delivery fails."""
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    return port


def pending_deliveries(message):
    return DBTaskResult.objects.filter(
        task_path="portico.core.tasks.deliver_email", args_kwargs__args=[message.pk], status="READY"
    )


def test_mail_queued_in_a_rolled_back_transaction_leaves_no_message_and_no_task(db):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue()
        assert OutboxMessage.objects.count() == 1
        raise RuntimeError("the business change failed")
    assert not OutboxMessage.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_queued_mail_has_one_delivery_task(db):
    message = queue()
    assert message.status == Status.QUEUED
    assert pending_deliveries(message).count() == 1


def test_deliver_sends_and_marks_sent(db):
    message = queue()
    assert outbox.deliver(message.pk) == Status.SENT
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (Status.SENT, 1, "")
    assert message.sent_at is not None
    assert message.next_attempt_at is None
    [sent] = mail.outbox
    assert sent.to == ["bob@acme.example"]
    assert sent.subject == "Hello"
    assert sent.alternatives[0][1] == "text/html"


def test_delivering_the_same_message_twice_sends_it_once(db):
    message = queue()
    assert outbox.deliver(message.pk) == Status.SENT
    assert outbox.deliver(message.pk) == Status.SENT
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert message.attempts == 1


def test_deliver_of_a_missing_message_does_nothing(db):
    assert outbox.deliver(987654) == "missing"


def test_smtp_failure_schedules_a_retry_with_backoff(db, smtp_port, settings):
    settings.OUTBOX_RETRY_BASE = timedelta(seconds=30)
    message = queue()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for attempt, delay in [(1, 30), (2, 60), (3, 120)]:
            assert outbox.deliver(message.pk) == Status.RETRYING
            message.refresh_from_db()
            assert message.attempts == attempt
            assert message.next_attempt_at == timezone.now() + timedelta(seconds=delay)
            assert "ConnectionRefusedError" in message.last_error
            assert message.sent_at is None
            retry = DBTaskResult.objects.filter(run_after=message.next_attempt_at)
            assert retry.count() == 1
            traveller.shift(timedelta(seconds=delay))


def test_backoff_is_capped_at_six_hours(settings):
    settings.OUTBOX_RETRY_BASE = timedelta(seconds=30)
    assert outbox.retry_delay(1) == timedelta(seconds=30)
    assert outbox.retry_delay(4) == timedelta(minutes=4)
    assert outbox.retry_delay(20) == timedelta(hours=6)


def test_message_fails_after_the_maximum_attempts(db, smtp_port, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    message = queue()
    assert [outbox.deliver(message.pk) for _ in range(3)] == [Status.RETRYING, Status.RETRYING, Status.FAILED]
    message.refresh_from_db()
    assert (message.status, message.attempts, message.next_attempt_at) == (Status.FAILED, 3, None)
    assert message.last_error
    assert outbox.deliver(message.pk) == Status.FAILED  # a stray task does not try again
    message.refresh_from_db()
    assert message.attempts == 3
    assert DBTaskResult.objects.filter(args_kwargs__args=[message.pk]).count() == 3  # first try + two retries


def test_retry_now_gives_a_failed_message_a_fresh_start(db, smtp_port, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    message = queue()
    assert outbox.deliver(message.pk) == Status.FAILED
    before = pending_deliveries(message).count()
    message.refresh_from_db()
    outbox.retry_now(message)
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error, message.next_attempt_at) == (
        Status.QUEUED,
        0,
        "",
        None,
    )
    assert pending_deliveries(message).count() == before + 1


def test_backoffice_retry_action_queues_failed_mail_again_and_leaves_sent_mail(admin_client, smtp_port, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    failed, sent = queue("failed@acme.example"), queue("sent@acme.example")
    outbox.deliver(failed.pk)
    OutboxMessage.objects.filter(pk=sent.pk).update(status=Status.SENT, attempts=1, sent_at=timezone.now())
    changelist = reverse("admin:core_outboxmessage_changelist")
    assert admin_client.get(changelist).status_code == 200
    response = admin_client.post(changelist, {"action": "retry", "_selected_action": [failed.pk, sent.pk]}, follow=True)
    assert response.status_code == 200
    assert "1 message queued again." in [str(m) for m in response.context["messages"]]
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == (Status.QUEUED, 0, "")
    assert (sent.status, sent.attempts) == (Status.SENT, 1)


def test_staff_see_the_outbox_message_with_its_error(admin_client, smtp_port):
    message = queue()
    outbox.deliver(message.pk)
    response = admin_client.get(reverse("admin:core_outboxmessage_change", args=[message.pk]))
    assert response.status_code == 200
    assert b"ConnectionRefusedError" in response.content


# ---------------------------------------------------------------- the SMTP outage, end to end


class Inbox:
    """aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def run_worker():
    """Return a function that runs the real task worker in this process until no task is ready."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}

    def run():
        call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0, stdout=StringIO())

    yield run
    for sig, handler in saved.items():  # the worker installs its own shutdown handlers
        signal.signal(sig, handler)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_mail_queued_during_an_smtp_outage_arrives_exactly_once_when_smtp_returns(smtp_port, run_worker):
    recipients = [f"person{n}@acme.example" for n in range(5)]
    with transaction.atomic():
        messages = [queue(to) for to in recipients]

    run_worker()
    for message in messages:
        message.refresh_from_db()
        assert (message.status, message.attempts) == (Status.RETRYING, 1)
        assert message.next_attempt_at > timezone.now()
    outbox.retry_now(messages[0])  # staff press "retry" during the outage: a second task for the same mail
    run_worker()
    messages[0].refresh_from_db()
    assert messages[0].status == Status.RETRYING
    assert not DBTaskResult.objects.ready().exists()  # every retry waits for its backoff

    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    server.start()
    try:
        later = max(OutboxMessage.objects.values_list("next_attempt_at", flat=True)) + timedelta(seconds=1)
        with time_machine.travel(later, tick=True):
            run_worker()
            assert sorted(rcpt for envelope in inbox.envelopes for rcpt in envelope.rcpt_tos) == recipients
            received = {envelope.rcpt_tos[0]: message_from_bytes(envelope.content) for envelope in inbox.envelopes}
            for message in messages:  # the Message-ID made when queued, unchanged by the failed attempts
                message.refresh_from_db()
                assert received[message.to]["Message-ID"] == message.message_id
                assert received[message.to]["Auto-Submitted"] == "auto-generated"
            assert OutboxMessage.objects.filter(status=Status.SENT).count() == len(recipients)
            assert not OutboxMessage.objects.exclude(status=Status.SENT).exists()

            run_worker()
            assert len(inbox.envelopes) == len(recipients)
            for message in messages:  # a stray duplicate task per message (a replayed enqueue) sends nothing
                deliver_email.enqueue(message.pk)
            run_worker()
            assert len(inbox.envelopes) == len(recipients)
            assert not DBTaskResult.objects.ready().exists()
    finally:
        server.stop()


def test_message_a_worker_is_sending_is_not_queued_again_by_staff(db):
    message = queue()
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxMessage.Status.SENDING, next_attempt_at=timezone.now() + outbox.SENDING_LEASE
    )
    assert outbox.retry_now(message) is False
    assert outbox.deliver(message.pk) == OutboxMessage.Status.SENDING
    assert mail.outbox == []


def test_message_abandoned_by_a_dead_worker_is_taken_over_after_its_lease(db):
    message = queue()
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxMessage.Status.SENDING, next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    assert outbox.deliver(message.pk) == OutboxMessage.Status.SENT
    assert len(mail.outbox) == 1


# ---------------------------------------------------------------- identity and threading headers


def test_a_message_gets_its_message_id_on_our_domain_when_queued(db, settings):
    settings.DEFAULT_FROM_EMAIL = "Acme Support <support@mail.acme.example>"
    first, second = queue(), queue()
    assert first.message_id.startswith("<") and first.message_id.endswith("@mail.acme.example>")
    assert first.message_id != second.message_id


def test_without_a_domain_in_the_sender_the_message_id_uses_the_sites_host(db, settings):
    settings.DEFAULT_FROM_EMAIL = "webmaster"
    settings.SITE_URL = "https://portal.acme.example"
    assert queue().message_id.endswith("@portal.acme.example>")


def test_every_email_says_it_is_automatic_and_carries_its_message_id(db):
    message = queue()
    outbox.deliver(message.pk)
    [sent] = mail.outbox
    email = sent.message()
    assert email["Message-ID"] == message.message_id
    assert email["Auto-Submitted"] == "auto-generated"
    assert email["In-Reply-To"] is None and email["References"] is None


def test_a_retry_sends_the_same_message_with_the_same_message_id(db, smtp_port, settings):
    message = queue()
    assert outbox.deliver(message.pk) == Status.RETRYING
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert outbox.deliver(message.pk) == Status.SENT
    [sent] = mail.outbox
    message.refresh_from_db()
    assert sent.message()["Message-ID"] == message.message_id


def test_threading_headers_given_when_queueing_are_sent(db):
    message = outbox.queue_email(
        to="bob@acme.example",
        subject="Re: Hello",
        text="Again",
        in_reply_to="<first@portico.example>",
        references=["<first@portico.example>", "<second@portico.example>", "<first@portico.example>"],
    )
    outbox.deliver(message.pk)
    email = mail.outbox[0].message()
    assert email["In-Reply-To"] == "<first@portico.example>"
    assert email["References"] == "<first@portico.example> <second@portico.example>"


def test_malformed_thread_ids_are_dropped_never_sent_as_headers(db):
    message = outbox.queue_email(
        to="bob@acme.example",
        subject="Hello",
        text="Hi",
        in_reply_to="<a@b>\r\nBcc: eve@evil.example",
        references=["not-an-id", "<ok@portico.example>", "<two words@x>", ""],
    )
    assert (message.in_reply_to, message.references) == ("", "<ok@portico.example>")
    outbox.deliver(message.pk)
    assert mail.outbox[0].message()["Bcc"] is None


def test_a_long_thread_keeps_its_first_and_latest_references(db):
    ids = [f"<m{n}@portico.example>" for n in range(30)]
    message = outbox.queue_email(to="bob@acme.example", subject="Hello", text="Hi", references=ids)
    kept = message.references.split()
    assert len(kept) == outbox.MAX_REFERENCES
    assert kept[0] == ids[0] and kept[1:] == ids[-(outbox.MAX_REFERENCES - 1) :]
