"""Background task of the email intake: poll the helpdesk mailbox."""

from django_tasks import task

from portico.helpdesk.intake import imap


@task()
def poll_imap() -> int:
    """Fetch and process the unseen messages of the helpdesk mailbox; return how many were processed."""
    return imap.poll().processed
