"""Reminder emails before a contact's portal access ends: 30 and 7 days ahead, each sent once per end date."""

from __future__ import annotations

import logging
import operator
from datetime import date, timedelta
from functools import reduce

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from portico.access.models import AccessReminder, PortalAccess
from portico.core.outbox import queue_template_email

logger = logging.getLogger(__name__)

# Lead times in days, most specific (shortest) first.
LEADS = sorted(AccessReminder.Lead.values)
BATCH_SIZE = 500


def lead_for(days_left: int) -> int | None:
    """Return the most specific reminder due with this many days left (7 before 30), or None."""
    return next((lead for lead in LEADS if 0 <= days_left <= lead), None)


def _not_yet_reminded(today: date) -> Q:
    """Accesses inside some lead's window that got no reminder of that lead (or a shorter one) for this end date.

    With days left in (previous lead, lead], the lead is the one due; a missed day therefore never sends
    the longer reminder after the shorter one, and a new end date starts afresh.
    """
    conditions = []
    previous = -1
    for lead in LEADS:
        sent = AccessReminder.objects.filter(
            access=OuterRef("pk"), portal_end=OuterRef("portal_end"), days_before__lte=lead
        )
        window = Q(portal_end__gt=today + timedelta(days=previous), portal_end__lte=today + timedelta(days=lead))
        conditions.append(window & ~Exists(sent))
        previous = lead
    return reduce(operator.or_, conditions)


def due_accesses(*, today: date, after_pk: int = 0, limit: int | None = None) -> QuerySet[PortalAccess]:
    """Return the next batch of open accesses whose access-ending reminder is due and not yet sent (one query)."""
    return (
        PortalAccess.objects.filter(
            _not_yet_reminded(today),
            pk__gt=after_pk,
            is_active=True,
            support_start__lte=today,
            contact__account__is_active=True,
        )
        .exclude(contact__email="")
        .select_related("contact__account")
        .order_by("pk")[: limit or BATCH_SIZE]
    )


def remind(*, access: PortalAccess, today: date) -> bool:
    """Record and queue one access-ending reminder; return False when it was already sent (e.g. by a parallel run)."""
    days_left = (access.portal_end - today).days
    lead = lead_for(days_left)
    if lead is None:
        return False
    contact = access.contact
    try:
        with transaction.atomic():
            AccessReminder.objects.create(access=access, days_before=lead, portal_end=access.portal_end)
            queue_template_email(
                to=contact.email,
                template="access_ending",
                language=contact.language,
                kind="access_ending",
                context={
                    "contact": contact,
                    "account": contact.account,
                    "portal_end": access.portal_end,
                    "days_left": days_left,
                    "url": settings.SITE_URL + reverse("account_login"),
                },
            )
    except IntegrityError:
        return False
    return True


def send_access_ending_reminders(*, today: date | None = None) -> int:
    """Email every contact whose portal access ends in 30 or 7 days (or fewer, if a run was missed); return the count.

    Safe to run as often as wanted and in parallel: a unique row per access, lead and end date is written in
    the transaction that queues the email, so each reminder goes out once.
    """
    today = today or timezone.localdate()
    sent = 0
    after_pk = 0
    while True:
        batch = list(due_accesses(today=today, after_pk=after_pk, limit=BATCH_SIZE))
        sent += sum(remind(access=access, today=today) for access in batch)
        if len(batch) < BATCH_SIZE:
            break
        after_pk = batch[-1].pk
    if sent:
        logger.info("Queued %s access-ending reminders.", sent)
    return sent
