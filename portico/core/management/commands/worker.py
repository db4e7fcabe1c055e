"""`portico worker`: the task worker, with the scheduler of periodic jobs running in the same process."""

import signal
import sys
import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django_tasks_db.compat import DEFAULT_TASK_QUEUE_NAME

from portico.core.scheduler import Scheduler


def _exit(signum, frame):
    sys.exit(0)


class Command(BaseCommand):
    help = (
        "Run background tasks (email delivery and the rest) and enqueue the periodic jobs (reminders) on time. "
        "Stops cleanly on SIGTERM or Ctrl-C, after the task it is running."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--queue-name", default=DEFAULT_TASK_QUEUE_NAME, help="Queues to run, comma-separated; '*' for all."
        )
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds to wait for new tasks when the queue is empty."
        )
        parser.add_argument("--batch", action="store_true", help="Run the tasks that are waiting, then exit.")
        parser.add_argument(
            "--no-startup-delay", action="store_false", dest="startup_delay", help="Start without a random delay."
        )
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="Only run tasks; leave the periodic jobs to another worker or to `portico run_periodic` (cron).",
        )

    def handle(self, *, queue_name, interval, batch, startup_delay, no_scheduler, verbosity, **options):
        # Until the task worker installs its own handlers (finish the running task, then exit).
        signal.signal(signal.SIGTERM, _exit)
        stop = threading.Event()
        thread = None
        if not no_scheduler:
            scheduler = Scheduler()
            scheduler.tick()  # at start, so a restart never delays a job by a whole interval
            thread = threading.Thread(target=scheduler.run, args=(stop,), name="portico-scheduler", daemon=True)
            thread.start()
        try:
            call_command(
                "db_worker",
                queue_name=queue_name,
                interval=interval,
                batch=batch,
                startup_delay=startup_delay,
                reload=False,
                verbosity=verbosity,
                stdout=self.stdout,
                stderr=self.stderr,
            )
        finally:
            stop.set()
            if thread is not None:
                thread.join(timeout=30)
