"""The intake log: one row per email received, what became of it and why."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    """What became of an email."""

    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    IGNORED = "ignored", _("Ignored (bounce or automatic reply)")


class Reason(models.TextChoices):
    """Why an email was not accepted (or, for accepted ones, empty)."""

    NONE = "", _("—")
    MALFORMED = "malformed", _("Malformed message")
    TOO_LARGE = "too_large", _("Message too large")
    BOUNCE = "bounce", _("Bounce (delivery report)")
    AUTO_REPLY = "auto_reply", _("Automatic reply")
    BULK = "bulk", _("Bulk or mailing-list mail")
    OWN = "own", _("Sent by the helpdesk itself")
    FORGED = "forged", _("Sender looks forged")
    UNKNOWN_SENDER = "unknown_sender", _("Sender is not a portal user")
    UNKNOWN_CASE = "unknown_case", _("Refers to no known case")
    AMBIGUOUS = "ambiguous", _("Refers to more than one case")
    NOT_ALLOWED = "not_allowed", _("Sender may not see or write to the case")
    REFUSED = "refused", _("The case refused the message")


class InboundEmail(models.Model):
    """One email received by the helpdesk: its sender and subject, the outcome, the reason and refused files.

    The Message-ID (or, without one, a hash of the message) is unique: a message delivered again is ignored.
    """

    received_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    message_id = models.CharField(_("Message-ID"), max_length=998, unique=True)
    channel = models.CharField(_("received by"), max_length=10, default="pipe")
    sender = models.CharField(_("sender"), max_length=320, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, db_index=True)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    case = models.ForeignKey(
        "helpdesk.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_emails",
    )
    refused_attachments = models.JSONField(
        _("refused attachments"), default=list, blank=True, help_text=_("Files not stored, with the reason.")
    )
    headers = models.TextField(_("headers"), blank=True, help_text=_("The message's headers, for investigation."))

    class Meta:
        verbose_name = _("received email")
        verbose_name_plural = _("received emails")
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.sender or '?'}: {self.subject}"[:200]
