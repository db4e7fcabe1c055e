"""Periodic jobs: tasks that run every so often, enqueued by `portico worker` or run by `portico run_periodic`.

Apps register their jobs from `AppConfig.ready()`; the core knows no app. A job may be enqueued more
than once (several workers, a restart), so every periodic task must be idempotent.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import connections
from django_tasks.base import Task
from django_tasks_db import DatabaseBackend
from django_tasks_db.compat import TaskResultStatus

logger = logging.getLogger(__name__)

# The scheduler thread wakes up at least this often (seconds) to look for due jobs and for a stop request.
POLL_SECONDS = 30.0


@dataclass(frozen=True)
class PeriodicJob:
    """A task and the interval between two of its runs."""

    task: Task
    every: timedelta

    @property
    def name(self) -> str:
        return self.task.module_path


PERIODIC: list[PeriodicJob] = []


def register(task: Task, *, every: timedelta) -> None:
    """Run a task periodically; registering the same task again replaces its interval."""
    if every <= timedelta(0):
        raise ValueError("A periodic job needs a positive interval.")
    job = PeriodicJob(task=task, every=every)
    PERIODIC[:] = [other for other in PERIODIC if other.name != job.name] + [job]


def is_waiting(task: Task) -> bool:
    """Whether a run of the task is already queued and not started (so enqueueing another would pile up)."""
    backend = task.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return False
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY, backend_name=backend.alias)
    return waiting.filter(task_path=task.module_path).exists()


class Scheduler:
    """Enqueue each periodic job at once, then whenever its interval has passed on a monotonic clock."""

    def __init__(self, jobs: list[PeriodicJob] | None = None, clock: Callable[[], float] = time.monotonic):
        self.jobs = PERIODIC if jobs is None else jobs
        self.clock = clock
        self.last_enqueued: dict[str, float] = {}

    def due(self, now: float) -> list[PeriodicJob]:
        """Return the jobs whose interval has passed since this scheduler last enqueued them."""
        return [
            job
            for job in self.jobs
            if job.name not in self.last_enqueued or now - self.last_enqueued[job.name] >= job.every.total_seconds()
        ]

    def tick(self) -> list[PeriodicJob]:
        """Enqueue the due jobs; return them. A job that could not be enqueued is tried again next tick."""
        now = self.clock()
        enqueued = []
        for job in self.due(now):
            try:
                if not is_waiting(job.task):
                    job.task.enqueue()
            except Exception:  # a database hiccup must not kill the worker; the next tick tries again
                logger.exception("Could not enqueue the periodic job %s.", job.name)
                continue
            self.last_enqueued[job.name] = now
            enqueued.append(job)
        return enqueued

    def run(self, stop: threading.Event, poll: float = POLL_SECONDS) -> None:
        """Tick every `poll` seconds until `stop` is set (the loop of the scheduler thread)."""
        try:
            while not stop.wait(poll):
                self.tick()
                connections.close_all()  # this thread's connections only; idle for a while now
        finally:
            connections.close_all()
