"""Reminder emails before portal access ends, and the scheduler that runs periodic jobs."""

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import ngettext
from django_tasks_db.models import DBTaskResult

from portico.access import reminders
from portico.access.models import AccessReminder
from portico.access.tasks import send_access_ending_reminders
from portico.access.tests.factories import PortalAccessFactory
from portico.core.models import OutboxMessage
from portico.core.scheduler import PERIODIC, PeriodicJob, Scheduler
from portico.crm.tests.factories import AccountFactory, ContactFactory

TASK_PATH = "portico.access.tasks.send_access_ending_reminders"
SUBJECT = (
    "Your portal access for %(company)s ends in %(days)s day",
    "Your portal access for %(company)s ends in %(days)s days",
)


@pytest.fixture
def today(db):
    return timezone.localdate()


def ending_in(days, *, today=None, language="en", **access):
    """An open portal access (a contact at a company of its own) whose portal end date is `days` away."""
    today = today or timezone.localdate()
    contact = ContactFactory(language=language, account=access.pop("account", None) or AccountFactory())
    return PortalAccessFactory(contact=contact, portal_end=today + timedelta(days=days), **access)


def reminders_to(access):
    return OutboxMessage.objects.filter(to=access.contact.email, kind="access_ending")


def run(today, days_later=0):
    return reminders.send_access_ending_reminders(today=today + timedelta(days=days_later))


def test_a_contact_thirty_days_from_the_end_gets_one_reminder_in_their_language_through_the_outbox(today):
    access = ending_in(30, language="fi")
    assert run(today) == 1
    message = reminders_to(access).get()
    with translation.override("fi"):
        subject = ngettext(*SUBJECT, 30) % {"company": access.contact.account.name, "days": 30}
        end = date_format(access.portal_end, "DATE_FORMAT")
    assert (message.language, message.status, message.subject) == ("fi", "queued", subject)
    assert end in message.body_text and end in message.body_html
    assert f"{settings.SITE_URL}/portal/account/login/" in message.body_text
    assert DBTaskResult.objects.filter(task_path="portico.core.tasks.deliver_email", args_kwargs__args=[message.pk])
    assert AccessReminder.objects.get(access=access).days_before == 30


def test_the_thirty_day_reminder_is_sent_once_however_often_the_job_runs(today):
    access = ending_in(30)
    assert [run(today), run(today), run(today, 1), run(today, 20)] == [1, 0, 0, 0]
    assert reminders_to(access).count() == 1


def test_the_seven_day_reminder_follows_the_thirty_day_one_and_is_sent_once(today):
    access = ending_in(30)
    assert [run(today), run(today, 23), run(today, 23), run(today, 25), run(today, 30)] == [1, 1, 0, 0, 0]
    sent = reminders_to(access).order_by("pk")
    assert [m.subject for m in sent] == [
        f"Your portal access for {access.contact.account.name} ends in 30 days",
        f"Your portal access for {access.contact.account.name} ends in 7 days",
    ]
    assert sorted(AccessReminder.objects.values_list("days_before", flat=True)) == [7, 30]


def test_a_job_that_missed_days_sends_only_the_most_specific_reminder(today):
    access = ending_in(5)
    assert [run(today), run(today, 1)] == [1, 0]
    [message] = reminders_to(access)
    assert message.subject.endswith("ends in 5 days")
    assert list(AccessReminder.objects.values_list("days_before", flat=True)) == [7]


def test_a_job_that_missed_the_thirtieth_day_still_sends_the_thirty_day_reminder_later(today):
    access = ending_in(12)
    assert [run(today), run(today, 4), run(today, 5)] == [1, 0, 1]
    first, second = reminders_to(access).order_by("pk")
    assert first.subject.endswith("ends in 12 days") and second.subject.endswith("ends in 7 days")


def test_one_day_left_is_singular_and_the_last_day_says_today(today):
    one = ending_in(1)
    last = ending_in(0)
    assert run(today) == 2
    assert reminders_to(one).get().subject.endswith("ends in 1 day")
    assert reminders_to(last).get().subject.endswith("ends today")
    assert "ends today." in reminders_to(last).get().body_html


def test_extending_the_end_date_re_arms_both_reminders(today):
    access = ending_in(7)
    assert run(today) == 1
    access.portal_end = today + timedelta(days=60)
    access.save()
    assert [run(today), run(today, 30), run(today, 30), run(today, 53), run(today, 53)] == [0, 1, 0, 1, 0]
    assert reminders_to(access).count() == 3
    assert AccessReminder.objects.filter(portal_end=access.portal_end).count() == 2


@pytest.mark.parametrize(
    "case",
    ["inactive access", "ended yesterday", "ends in 31 days", "not started", "no email", "inactive company"],
)
def test_accesses_that_cannot_be_used_get_no_reminder(today, case):
    access = {
        "inactive access": lambda: ending_in(7, is_active=False),
        "ended yesterday": lambda: ending_in(-1),
        "ends in 31 days": lambda: ending_in(31),
        "not started": lambda: ending_in(7, support_start=today + timedelta(days=1)),
        "no email": lambda: ending_in(7),
        "inactive company": lambda: ending_in(7, account=AccountFactory(is_active=False)),
    }[case]()
    if case == "no email":
        type(access.contact).objects.filter(pk=access.contact.pk).update(email="")
    assert run(today) == 0
    assert not OutboxMessage.objects.exists()
    assert not AccessReminder.objects.exists()


def test_a_reminder_already_recorded_for_the_end_date_is_not_sent_again(today):
    access = ending_in(7)
    AccessReminder.objects.create(access=access, days_before=7, portal_end=access.portal_end)
    assert run(today) == 0
    assert not OutboxMessage.objects.exists()


def test_a_parallel_run_that_sent_first_makes_the_other_run_send_nothing(today):
    accesses = [ending_in(7), ending_in(30)]
    stale = list(reminders.due_accesses(today=today))  # the other run read the same accesses ...
    assert run(today) == 2  # ... but this one recorded and queued them first
    assert [reminders.remind(access=access, today=today) for access in stale] == [False, False]
    assert OutboxMessage.objects.count() == 2
    assert sum(reminders_to(access).count() for access in accesses) == 2


def run_counting_queries(today):
    """Run the job; return how many it sent, its reads of accesses, contacts and companies, and all its queries."""
    with CaptureQueriesContext(connection) as queries:
        sent = run(today)
    sql = [q["sql"].lstrip() for q in queries.captured_queries]
    reads = [q for q in sql if q.upper().startswith("SELECT") and '"access_portalaccess"' in q]
    lookups = [q for q in sql if q.upper().startswith("SELECT") and q.partition(" FROM ")[2].startswith('"crm_')]
    assert not lookups  # contacts and companies come with the accesses, never one by one
    return sent, len(reads), len(sql)


def test_the_job_costs_one_read_per_batch_and_a_fixed_number_of_queries_per_email(today):
    nothing_due = run_counting_queries(today)
    ending_in(7)
    one = run_counting_queries(today)
    for days in (7, 6, 30, 20, 1):
        ending_in(days)
    five = run_counting_queries(today)
    assert (nothing_due[0], one[0], five[0]) == (0, 1, 5)
    assert nothing_due[1] == one[1] == five[1] == 1
    per_email = one[2] - nothing_due[2]
    assert five[2] == nothing_due[2] + 5 * per_email


def test_the_job_reads_one_batch_at_a_time(today, monkeypatch):
    monkeypatch.setattr(reminders, "BATCH_SIZE", 2)
    for _ in range(5):
        ending_in(7)
    sent, reads, _total = run_counting_queries(today)
    assert (sent, reads) == (5, 3)


def test_the_task_runs_the_job(today):
    access = ending_in(7)
    assert send_access_ending_reminders.call() == 1
    assert reminders_to(access).count() == 1


def test_run_periodic_runs_every_periodic_job_once(today):
    access = ending_in(30)
    out = StringIO()
    call_command("run_periodic", stdout=out)
    assert f"{TASK_PATH}: 1" in out.getvalue()
    assert reminders_to(access).count() == 1
    call_command("run_periodic", stdout=StringIO())
    assert reminders_to(access).count() == 1


class BrokenTask:
    module_path = "tests.broken_job"

    def call(self):
        raise RuntimeError("broken")


def test_run_periodic_runs_the_other_jobs_when_one_fails_and_reports_it(today):
    access = ending_in(7)
    PERIODIC.insert(0, PeriodicJob(task=BrokenTask(), every=timedelta(hours=1)))
    try:
        with pytest.raises(CommandError, match="tests.broken_job"):
            call_command("run_periodic", stdout=StringIO())
    finally:
        del PERIODIC[0]
    assert reminders_to(access).count() == 1


def test_the_reminders_job_is_registered_to_run_hourly():
    [job] = [job for job in PERIODIC if job.name == TASK_PATH]
    assert job.every == timedelta(hours=1)


def waiting_runs():
    return DBTaskResult.objects.filter(task_path=TASK_PATH, status="READY")


def test_the_scheduler_enqueues_the_job_at_start_and_then_every_hour(db):
    now = [1000.0]
    scheduler = Scheduler(clock=lambda: now[0])
    assert TASK_PATH in [job.name for job in scheduler.tick()]
    assert waiting_runs().count() == 1
    now[0] += 3599
    assert scheduler.tick() == []
    waiting_runs().update(status="SUCCESSFUL")  # a worker ran it
    now[0] += 1
    assert TASK_PATH in [job.name for job in scheduler.tick()]
    assert waiting_runs().count() == 1


def test_the_scheduler_does_not_pile_up_runs_while_one_is_still_waiting(db):
    now = [0.0]
    scheduler = Scheduler(clock=lambda: now[0])
    for _ in range(3):
        scheduler.tick()
        now[0] += 3600
    assert waiting_runs().count() == 1


class FakeTask:
    """Stands in for a task in the scheduler thread, so the thread never touches the test database."""

    module_path = "tests.fake_job"

    def __init__(self):
        self.enqueued = threading.Event()

    def get_backend(self):
        return None

    def enqueue(self):
        self.enqueued.set()


def test_the_scheduler_thread_ticks_and_stops_promptly_when_asked():
    task = FakeTask()
    scheduler = Scheduler(jobs=[PeriodicJob(task=task, every=timedelta(hours=1))])
    stop = threading.Event()
    thread = threading.Thread(target=scheduler.run, args=(stop, 0.01))
    thread.start()
    assert task.enqueued.wait(5)
    stop.set()
    thread.join(5)
    assert not thread.is_alive()


@pytest.fixture
def restore_signals():
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for sig, handler in saved.items():  # the worker installs its own shutdown handlers
        signal.signal(sig, handler)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_enqueues_the_reminders_job_runs_it_and_delivers_the_email(restore_signals):
    access = ending_in(7)
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0, stdout=StringIO())
    assert DBTaskResult.objects.get(task_path=TASK_PATH).status == "SUCCESSFUL"
    assert [m.to for m in mail.outbox] == [[access.contact.email]]
    assert reminders_to(access).get().status == "sent"
    assert not [t for t in threading.enumerate() if t.name == "portico-scheduler"]


def test_the_worker_process_stops_cleanly_on_sigterm(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portico.config.test_settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.sqlite3'}",
        "PORTICO_DATA_DIR": str(tmp_path),
    }
    root = Path(__file__).resolve().parents[3]
    manage = [sys.executable, "-m", "portico.manage"]
    subprocess.run([*manage, "migrate", "--verbosity", "0"], env=env, cwd=root, check=True, timeout=120)  # noqa: S603
    worker = subprocess.Popen(  # noqa: S603
        [*manage, "worker", "--no-startup-delay"], env=env, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "worker.sqlite3").exists() or not _enqueued(tmp_path / "worker.sqlite3"):
            assert worker.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == 0
    finally:
        if worker.poll() is None:
            worker.kill()


def _enqueued(path):
    """Whether the worker's scheduler has enqueued the reminders job in the database at `path`."""
    import sqlite3

    with sqlite3.connect(path) as db:
        return bool(db.execute("select count(*) from django_tasks_database_dbtaskresult").fetchone()[0])
