"""SLA due times: a policy's targets added to a start time, in calendar time or in business hours.

Business hours are one window a day (start to end, wall-clock time in the helpdesk's time zone) on chosen
weekdays, except on public holidays (`Holiday`): a holiday is a day off. Adding N business minutes walks forward
one day at a time: each business day contributes the part of its window after the running time; the due time
falls inside the day that exhausts N. Windows are built in local time with `zoneinfo` and measured in UTC, so a
window on a daylight-saving change day counts its real length. A start outside business hours begins at the next
window; a target that ends exactly at closing time is due at closing time, not at the next opening. The holidays
a walk may meet are read once, in one query, before it starts (`BusinessHours.from_settings`).

While a case waits for the customer its clock stands still: on leaving that status, a due time still ahead when
the pause began moves on by the pause (`resume_due`), in business time for a business-hours policy (the business
time left from the pause to the due time is added again from the resumption), in calendar time otherwise. A due
time already passed when the pause began stays passed: a breach is not undone.

A dependency was considered: `businesstimedelta` does this too but has not been released since 2019, and
the whole algorithm is the twenty lines below, tested over weekends, holidays, evenings and daylight-saving
changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from portico.helpdesk.models import Holiday

MAX_DAYS = 3 * 366  # beyond three years of walking, a target is not a service level: give up (no due time)


@dataclass(frozen=True)
class BusinessHours:
    """One opening window a day on some weekdays (0 = Monday), in a time zone, except on holidays."""

    weekdays: frozenset[int]
    start: time
    end: time
    zone: ZoneInfo
    holidays: frozenset[date] = frozenset()

    @classmethod
    def from_settings(
        cls, helpdesk_settings, *, start: datetime | None = None, until: datetime | None = None
    ) -> BusinessHours:
        """The business hours of the settings, with the holidays of a walk from `start` (one query); a walk may
        go on for MAX_DAYS after `until` (by default `start`). Without `start`, no holidays are read.
        """
        zone = helpdesk_settings.zone
        holidays: frozenset[date] = frozenset()
        if start is not None:
            first = start.astimezone(zone).date()
            last = max(start, until or start).astimezone(zone).date() + timedelta(days=MAX_DAYS)
            holidays = load_holidays(first, last)
        return cls(
            weekdays=frozenset(helpdesk_settings.business_days or ()),
            start=helpdesk_settings.business_start,
            end=helpdesk_settings.business_end,
            zone=zone,
            holidays=holidays,
        )

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """The day's opening window in UTC, or None on a day off (a weekday not worked, or a holiday)."""
        if day.weekday() not in self.weekdays or self.end <= self.start or day in self.holidays:
            return None
        opens = datetime.combine(day, self.start, tzinfo=self.zone).astimezone(UTC)
        closes = datetime.combine(day, self.end, tzinfo=self.zone).astimezone(UTC)
        return opens, closes


def load_holidays(first: date, last: date) -> frozenset[date]:
    """The dates of the holidays from `first` to `last`, both included, in one query."""
    return frozenset(Holiday.objects.filter(date__range=(first, last)).values_list("date", flat=True))


def add_business_minutes(start: datetime, minutes: int, hours: BusinessHours) -> datetime | None:
    """Return the moment `minutes` of business time after `start`; None when the hours allow no time at all."""
    return add_business_time(start, timedelta(minutes=minutes), hours)


def add_business_time(start: datetime, amount: timedelta, hours: BusinessHours) -> datetime | None:
    """Return the moment `amount` of business time after `start`; None when the hours allow no time at all."""
    if amount <= timedelta(0):
        return start
    remaining = amount
    now = start.astimezone(UTC)
    day = start.astimezone(hours.zone).date()
    for _ in range(MAX_DAYS):
        window = hours.window(day)
        if window is not None:
            opens, closes = window
            begin = max(opens, now)
            if begin < closes:
                available = closes - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += timedelta(days=1)
    return None


def business_time_between(start: datetime, end: datetime, hours: BusinessHours) -> timedelta:
    """The business time from `start` to `end` (nothing when `end` is not later)."""
    total = timedelta(0)
    begin_at, end_at = start.astimezone(UTC), end.astimezone(UTC)
    day = start.astimezone(hours.zone).date()
    last = end.astimezone(hours.zone).date()
    for _ in range(min((last - day).days + 1, MAX_DAYS)):
        window = hours.window(day)
        if window is not None:
            begin, finish = max(window[0], begin_at), min(window[1], end_at)
            if begin < finish:
                total += finish - begin
        day += timedelta(days=1)
    return total


def resume_due(
    due: datetime | None, paused_at: datetime, now: datetime, policy, hours: BusinessHours
) -> datetime | None:
    """A due time after a pause from `paused_at` to `now`: moved on by the pause, in business time under a policy
    that counts business hours only, else in calendar time. A due time passed when the pause began stays.
    """
    if due is None or due <= paused_at or now <= paused_at:
        return due
    if policy is not None and policy.business_hours_only:
        moved = add_business_time(now, business_time_between(paused_at, due, hours), hours)
        if moved is not None:
            return moved
    return due + (now - paused_at)


def due_times(created: datetime, policy, hours: BusinessHours) -> tuple[datetime | None, datetime | None]:
    """Return (first response due, resolution due) for a case created at `created` under a policy (or None)."""
    if policy is None:
        return None, None
    if policy.business_hours_only:
        return (
            add_business_minutes(created, policy.first_response_minutes, hours),
            add_business_minutes(created, policy.resolution_minutes, hours),
        )
    return (
        created + timedelta(minutes=policy.first_response_minutes),
        created + timedelta(minutes=policy.resolution_minutes),
    )


# --- SLA state of a case ------------------------------------------------------------------------------------

BREACHED = "breached"
DUE_SOON = "due_soon"
ON_TRACK = "on_track"
MET = "met"
PAUSED = "paused"
NONE = "none"

DUE_SOON_WINDOW = timedelta(hours=4)


def next_due(case) -> datetime | None:
    """The next SLA deadline still to meet: the first response, then the resolution; None when none is open."""
    if case.status in ("resolved", "closed"):
        return None
    if case.first_responded_at is None and case.first_response_due is not None:
        return case.first_response_due
    return case.resolution_due


def stands_still(case, due: datetime | None) -> bool:
    """Whether a due time is paused now: the case waits for the customer and it was not yet due when the wait
    began (a due time missed before the wait stays missed)."""
    paused_at = getattr(case, "sla_paused_at", None)
    return paused_at is not None and due is not None and due > paused_at


def missed_before_pause(case, paused_at: datetime) -> bool:
    """Whether a waiting case had missed a due time before its pause began: resolution due by then, the first
    response answered late, or unanswered and due by then. The pause does not undo such a breach (`resume_due`).
    """
    first_due, answered = case.first_response_due, case.first_responded_at
    if case.resolution_due is not None and case.resolution_due <= paused_at:
        return True
    if first_due is None:
        return False
    return answered > first_due if answered is not None else first_due <= paused_at


def sla_state(case, now: datetime | None = None) -> str:
    """How a case stands against its SLA: breached, due soon (within four hours), on track, met, paused (waiting
    for the customer), or none. A waiting case is breached when it had missed a due time before the wait began.
    """
    now = now or timezone.now()
    done = case.status in ("resolved", "closed")
    end = (case.resolved_at or case.closed_at or now) if done else now
    missed_first = case.first_response_due and (case.first_responded_at or end) > case.first_response_due
    missed_resolution = case.resolution_due and (case.resolved_at or end) > case.resolution_due
    if done:
        return BREACHED if (missed_first or missed_resolution) else (MET if case.resolution_due else NONE)
    paused_at = getattr(case, "sla_paused_at", None)
    if paused_at is not None:
        if missed_before_pause(case, paused_at):
            return BREACHED
        return PAUSED if (case.first_response_due or case.resolution_due) else NONE
    if missed_first or missed_resolution:
        return BREACHED
    due = next_due(case)
    if due is None:
        return NONE
    return DUE_SOON if due - now <= DUE_SOON_WINDOW else ON_TRACK
