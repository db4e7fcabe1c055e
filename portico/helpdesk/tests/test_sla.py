"""SLA due times: calendar time, business hours over evenings, weekends and daylight-saving changes; SLA states."""

from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from portico.helpdesk.sla import (
    BREACHED,
    DUE_SOON,
    MET,
    NONE,
    ON_TRACK,
    BusinessHours,
    add_business_minutes,
    due_times,
    next_due,
    sla_state,
)

HELSINKI = ZoneInfo("Europe/Helsinki")
OFFICE = BusinessHours(weekdays=frozenset(range(5)), start=time(8), end=time(16), zone=HELSINKI)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=HELSINKI)


def policy(first: int, resolution: int, business: bool = True):
    return SimpleNamespace(first_response_minutes=first, resolution_minutes=resolution, business_hours_only=business)


def test_minutes_inside_the_same_business_day_are_added_as_they_are():
    # Wednesday 2026-11-25 09:00 + 2 h
    assert add_business_minutes(local(2026, 11, 25, 9), 120, OFFICE) == local(2026, 11, 25, 11)


def test_what_is_left_at_closing_time_carries_over_to_the_next_morning():
    # Wednesday 15:00 + 2 h = 1 h on Wednesday and 1 h on Thursday from 08:00
    assert add_business_minutes(local(2026, 11, 25, 15), 120, OFFICE) == local(2026, 11, 26, 9)


def test_a_case_opened_on_friday_afternoon_is_due_on_monday():
    # Friday 2026-11-27 15:30 + 4 h: 30 min on Friday, 3 h 30 on Monday
    assert add_business_minutes(local(2026, 11, 27, 15, 30), 240, OFFICE) == local(2026, 11, 30, 11, 30)


def test_a_case_opened_at_the_weekend_starts_counting_on_monday_morning():
    assert add_business_minutes(local(2026, 11, 28, 23), 60, OFFICE) == local(2026, 11, 30, 9)


def test_a_case_opened_before_opening_time_starts_counting_at_opening():
    assert add_business_minutes(local(2026, 11, 25, 6, 15), 30, OFFICE) == local(2026, 11, 25, 8, 30)


def test_a_case_opened_in_the_evening_starts_counting_the_next_morning():
    assert add_business_minutes(local(2026, 11, 25, 20), 30, OFFICE) == local(2026, 11, 26, 8, 30)


def test_a_target_that_ends_at_closing_time_is_due_at_closing_time_not_next_morning():
    assert add_business_minutes(local(2026, 11, 25, 8), 8 * 60, OFFICE) == local(2026, 11, 25, 16)


def test_a_target_of_several_days_skips_every_weekend_on_the_way():
    # Five business days of eight hours from Monday 08:00: the following Monday 08:00 is never reached,
    # it ends on Friday 16:00; one minute more is Monday 08:01.
    start = local(2026, 11, 23, 8)
    assert add_business_minutes(start, 5 * 8 * 60, OFFICE) == local(2026, 11, 27, 16)
    assert add_business_minutes(start, 5 * 8 * 60 + 1, OFFICE) == local(2026, 11, 30, 8, 1)


def test_business_hours_follow_the_local_clock_across_daylight_saving_time():
    # Helsinki moves from UTC+3 to UTC+2 on Sunday 2026-10-25. Friday 15:00 local + 2 h ends Monday 09:00 local,
    # which is 07:00 UTC (it would be 06:00 UTC before the change).
    due = add_business_minutes(local(2026, 10, 23, 15), 120, OFFICE)
    assert due == local(2026, 10, 26, 9)
    assert due.astimezone(UTC) == datetime(2026, 10, 26, 7, tzinfo=UTC)


def test_a_start_given_in_utc_is_read_in_the_helpdesks_time_zone():
    # 05:30 UTC is 07:30 in Helsinki in November: half an hour before opening.
    assert add_business_minutes(datetime(2026, 11, 25, 5, 30, tzinfo=UTC), 60, OFFICE) == local(2026, 11, 25, 9)


def test_weekend_work_counts_when_the_helpdesk_works_weekends():
    every_day = BusinessHours(weekdays=frozenset(range(7)), start=time(10), end=time(14), zone=HELSINKI)
    assert add_business_minutes(local(2026, 11, 28, 13), 120, every_day) == local(2026, 11, 29, 11)


def test_without_any_business_day_there_is_no_due_time():
    closed = BusinessHours(weekdays=frozenset(), start=time(8), end=time(16), zone=HELSINKI)
    assert add_business_minutes(local(2026, 11, 25, 9), 60, closed) is None


def test_zero_minutes_is_due_at_once():
    assert add_business_minutes(local(2026, 11, 28, 9), 0, OFFICE) == local(2026, 11, 28, 9)


def test_calendar_time_policies_ignore_business_hours():
    created = local(2026, 11, 27, 15)
    assert due_times(created, policy(30, 240, business=False), OFFICE) == (
        created + timedelta(minutes=30),
        created + timedelta(hours=4),
    )


def test_business_hour_policies_use_the_business_hours_for_both_targets():
    created = local(2026, 11, 27, 15)
    assert due_times(created, policy(60, 16 * 60), OFFICE) == (local(2026, 11, 27, 16), local(2026, 12, 1, 15))


def test_without_a_policy_there_are_no_due_times():
    assert due_times(local(2026, 11, 27, 15), None, OFFICE) == (None, None)


NOW = local(2026, 11, 25, 12)


def case(**fields):
    values = {
        "status": "open",
        "first_response_due": None,
        "resolution_due": None,
        "first_responded_at": None,
        "resolved_at": None,
        "closed_at": None,
    }
    return SimpleNamespace(**(values | fields))


@pytest.mark.parametrize(
    ("fields", "state"),
    [
        ({}, NONE),
        ({"first_response_due": NOW + timedelta(hours=8), "resolution_due": NOW + timedelta(days=3)}, ON_TRACK),
        ({"first_response_due": NOW + timedelta(hours=1), "resolution_due": NOW + timedelta(days=3)}, DUE_SOON),
        ({"first_response_due": NOW - timedelta(minutes=1)}, BREACHED),
        (
            {
                "first_response_due": NOW - timedelta(hours=1),
                "first_responded_at": NOW - timedelta(hours=2),
                "resolution_due": NOW + timedelta(days=1),
            },
            ON_TRACK,
        ),
        ({"first_responded_at": NOW - timedelta(hours=2), "resolution_due": NOW - timedelta(hours=1)}, BREACHED),
        (
            {"status": "resolved", "resolved_at": NOW - timedelta(hours=3), "resolution_due": NOW - timedelta(hours=1)},
            MET,
        ),
        (
            {"status": "closed", "closed_at": NOW - timedelta(hours=3), "resolution_due": NOW - timedelta(hours=5)},
            BREACHED,
        ),
    ],
    ids=[
        "no policy",
        "on track",
        "due soon",
        "first response missed",
        "answered in time",
        "resolution missed",
        "resolved in time",
        "closed after the due time",
    ],
)
def test_sla_state_of_a_case(fields, state):
    assert sla_state(case(**fields), now=NOW) == state


def test_the_next_due_time_is_the_first_response_until_it_is_given():
    first, resolution = NOW + timedelta(hours=1), NOW + timedelta(days=1)
    assert next_due(case(first_response_due=first, resolution_due=resolution)) == first
    assert next_due(case(first_response_due=first, resolution_due=resolution, first_responded_at=NOW)) == resolution
    assert next_due(case(status="resolved", resolution_due=resolution)) is None
