"""Background tasks of the core: delivering the outbox."""

from django_tasks import task

from portico.core import outbox


@task()
def deliver_email(message_id: int) -> str:
    """Deliver one outbox message."""
    return outbox.deliver(message_id)
