"""Background tasks of the access engine."""

from django_tasks import task

from portico.access import reminders


@task()
def send_access_ending_reminders() -> int:
    """Queue the access-ending reminders that are due today; return how many."""
    return reminders.send_access_ending_reminders()
