"""`portico run_periodic`: run every periodic job once, now; for deployments that schedule with cron."""

import logging
import signal
import sys

from django.core.management.base import BaseCommand, CommandError

from portico.core.scheduler import PERIODIC

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Run every periodic job (reminders) once, in this process. Schedule it with cron, e.g. hourly. "
        "SIGTERM or Ctrl-C stops after the running job; a second one stops at once."
    )

    def handle(self, *args, **options):
        stopping = []

        def stop(signum, frame):
            if stopping:
                sys.exit(1)
            stopping.append(signum)

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        failed = []
        try:
            for job in list(PERIODIC):
                if stopping:
                    break
                try:
                    result = job.task.call()
                except Exception:  # one broken job must not keep the others from running
                    logger.exception("The periodic job %s failed.", job.name)
                    failed.append(job.name)
                else:
                    self.stdout.write(f"{job.name}: {result}")
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if failed:
            raise CommandError(f"Periodic jobs failed: {', '.join(failed)}")
