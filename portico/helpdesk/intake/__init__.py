"""Email intake: customers' emails become case messages or new cases; everything else is refused and logged.

Messages arrive raw (RFC 5322) from an MTA pipe (`portico intake_email`) or an IMAP mailbox (`portico poll_imap`);
both hand them to `receive_email()`.
"""
