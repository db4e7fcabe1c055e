"""`portico intake_email`: read one raw email on standard input and hand it to the helpdesk (for an MTA pipe).

Postfix, for example, in master.cf: `portico unix - n n - - pipe flags=Rq user=portico
argv=/path/to/portico intake_email --sender ${sender}`.
"""

import logging
import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from portico.helpdesk.intake.services import receive_email

logger = logging.getLogger(__name__)

EX_TEMPFAIL = 75  # sysexits.h: the MTA keeps the message and tries again later


class Command(BaseCommand):
    help = (
        "Read one email (RFC 5322) on standard input and add it to its case, open a case, or refuse and log it. "
        "Exit 0 when the email was accepted or refused and logged; 75 (temporary failure) when it could not be "
        "processed now, so the mail server delivers it again later."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument(
            "--sender",
            default=None,
            help="The envelope sender (MAIL FROM) as the mail server saw it; empty for bounces.",
        )

    def handle(self, *args, **options):
        stream = options.get("stdin") or sys.stdin.buffer
        try:
            raw = stream.read(settings.INTAKE_MAX_MESSAGE_BYTES + 1)
            result = receive_email(raw, envelope_sender=options["sender"], channel="pipe")
        except Exception:  # the database or the disk is away: keep the message at the mail server
            logger.exception("Email intake failed; asking the mail server to retry.")
            sys.exit(EX_TEMPFAIL)
        self.stdout.write(f"{result.outcome} {result.reason}".strip())
