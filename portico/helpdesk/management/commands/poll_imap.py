"""`portico poll_imap`: process the unseen emails of the helpdesk's IMAP mailbox once (the worker also does it
periodically when IMAP_HOST is set).
"""

from django.core.management.base import BaseCommand, CommandError

from portico.helpdesk.intake.imap import ImapError, poll


class Command(BaseCommand):
    help = (
        "Fetch the unseen emails of the helpdesk mailbox (IMAP_HOST, IMAP_PORT, IMAP_USER, IMAP_PASSWORD, IMAP_TLS, "
        "IMAP_FOLDER, IMAP_DONE_FOLDER), process each and mark it done once its outcome is stored."
    )

    def handle(self, *args, **options):
        try:
            result = poll()
        except ImapError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"processed {result.processed}, left for the next poll {result.failed}")
        if result.failed:
            raise CommandError(f"{result.failed} message(s) could not be processed; see the log.")
