"""SLA clock: it stands still while a case waits for the customer, and business hours skip public holidays."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from portico.helpdesk import services
from portico.helpdesk.models import Case, CaseStatusChange, HelpdeskSettings, Holiday, Priority, SlaPolicy, Status
from portico.helpdesk.sla import (
    BREACHED,
    DUE_SOON,
    MAX_DAYS,
    PAUSED,
    BusinessHours,
    add_business_minutes,
    business_time_between,
    due_times,
    sla_state,
)
from portico.helpdesk.tests.factories import open_case

HELSINKI = ZoneInfo("Europe/Helsinki")
OFFICE = BusinessHours(weekdays=frozenset(range(5)), start=time(8), end=time(16), zone=HELSINKI)
QUEUE = reverse("admin:helpdesk_case_changelist")

# The starting policies (migration 0002): normal = 4 business hours to answer, 24 to resolve (three business
# days); high = 1 and 8 business hours; urgent = 30 minutes and 4 hours around the clock.


def local(*args) -> datetime:
    return datetime(*args, tzinfo=HELSINKI)


def at(*args):
    """Freeze the clock at a wall-clock time in Helsinki (the helpdesk's time zone)."""
    return time_machine.travel(local(*args), tick=False)


def reply_as_customer(case, bob) -> None:
    services.add_customer_message(case=case, contact=bob.contact, body="Here it is.", actor=bob.user, source="portal")


def statuses(case) -> list[tuple[str, str]]:
    return list(CaseStatusChange.objects.filter(case=case).values_list("old_status", "new_status"))


@pytest.fixture
def staff_client(client, sam):
    client.force_login(sam)
    return client


def listed(response) -> list[str]:
    return [c.number for c in response.context["cl"].result_list]


# --- pause and resume ----------------------------------------------------------------------------------------


def test_waiting_for_the_customer_stops_the_calendar_clock_and_the_resolution_moves_on_by_the_wait(bob, agent):
    with at(2026, 11, 25, 10):  # Wednesday
        case = open_case(bob, priority=Priority.URGENT)
    assert case.resolution_due == local(2026, 11, 25, 14)
    with at(2026, 11, 25, 10, 10):
        services.add_staff_reply(case=case, user=agent, body="Which printer?", status=Status.WAITING)
    assert (case.sla_paused, case.sla_paused_at) == (True, local(2026, 11, 25, 10, 10))
    assert sla_state(case, now=local(2026, 11, 25, 15)) == PAUSED  # past the old due time, yet not breached
    with at(2026, 11, 25, 12, 10):  # two hours later, staff open it again
        services.change_status(case=case, status=Status.OPEN, actor=agent)
    case.refresh_from_db()
    assert (case.sla_paused, case.resolution_due) == (False, local(2026, 11, 25, 16))
    assert case.first_response_due == local(2026, 11, 25, 10, 30)  # answered before the wait: never moves
    assert sla_state(case, now=local(2026, 11, 25, 15)) == DUE_SOON


def test_a_customer_reply_to_a_waiting_case_opens_it_and_starts_the_clock_again(bob, agent):
    with at(2026, 11, 25, 10):
        case = open_case(bob, priority=Priority.URGENT)
        services.add_staff_reply(case=case, user=agent, body="Which printer?", status=Status.WAITING)
    with at(2026, 11, 25, 11, 30):
        reply_as_customer(case, bob)
    case.refresh_from_db()
    assert (case.status, case.sla_paused_at) == (Status.OPEN, None)
    assert case.resolution_due == local(2026, 11, 25, 15, 30)
    assert statuses(case)[-2:] == [("new", "waiting"), ("waiting", "open")]  # the pause and resume, audited


def test_a_business_hours_wait_over_a_weekend_costs_only_the_business_hours_it_lasted(bob, agent):
    with at(2026, 11, 27, 10):  # Friday: 24 business hours end on Wednesday 10:00
        case = open_case(bob)
    assert case.resolution_due == local(2026, 12, 2, 10)
    with at(2026, 11, 27, 11):
        services.add_staff_reply(case=case, user=agent, body="Send a photo?", status=Status.WAITING)
    with at(2026, 11, 28, 12):  # Saturday: the 23 business hours left count from Monday 08:00
        reply_as_customer(case, bob)
    case.refresh_from_db()
    assert case.resolution_due == local(2026, 12, 2, 15)  # calendar time would have said Thursday 11:00


def test_a_wait_that_begins_and_ends_out_of_hours_moves_nothing(bob, agent):
    with at(2026, 11, 25, 10):
        case = open_case(bob)
    due = case.resolution_due
    with at(2026, 11, 27, 17):  # Friday evening
        services.change_status(case=case, status=Status.WAITING, actor=agent)
    with at(2026, 11, 29, 20):  # Sunday evening
        reply_as_customer(case, bob)
    case.refresh_from_db()
    assert case.resolution_due == due


def test_a_due_time_passed_before_the_wait_stays_passed(bob, agent):
    with at(2026, 11, 25, 10):
        case = open_case(bob, priority=Priority.URGENT)  # resolution due 14:00
    with at(2026, 11, 25, 15):
        services.add_staff_reply(case=case, user=agent, body="Sorry, which printer?", status=Status.WAITING)
    with at(2026, 11, 25, 18):
        reply_as_customer(case, bob)
    case.refresh_from_db()
    assert case.resolution_due == local(2026, 11, 25, 14)
    assert sla_state(case, now=local(2026, 11, 25, 18)) == BREACHED


def test_an_unanswered_first_response_waits_too_until_staff_answer(bob, agent):
    with at(2026, 11, 25, 10):
        case = open_case(bob, priority=Priority.URGENT)  # first response due 10:30
    with at(2026, 11, 25, 10, 20):
        services.change_status(case=case, status=Status.WAITING, actor=agent)  # set without a reply
    with at(2026, 11, 25, 11, 20):  # an hour into the wait: the first-response clock ends at the answer
        services.add_staff_reply(case=case, user=agent, body="Hello")
    case.refresh_from_db()
    assert (case.first_response_due, case.first_responded_at) == (
        local(2026, 11, 25, 11, 30),
        local(2026, 11, 25, 11, 20),
    )
    assert case.sla_paused  # the resolution still waits for the customer
    with at(2026, 11, 25, 12, 20):
        reply_as_customer(case, bob)
    case.refresh_from_db()
    assert case.first_response_due == local(2026, 11, 25, 11, 30)
    assert case.resolution_due == local(2026, 11, 25, 16)


def test_an_unanswered_first_response_moves_on_with_the_resolution_when_the_wait_ends(bob, agent):
    with at(2026, 11, 25, 10):
        case = open_case(bob, priority=Priority.URGENT)
    with at(2026, 11, 25, 10, 20):
        services.change_status(case=case, status=Status.WAITING, actor=agent)
    with at(2026, 11, 25, 10, 50):
        services.change_status(case=case, status=Status.OPEN, actor=agent)
    case.refresh_from_db()
    assert (case.first_response_due, case.resolution_due) == (local(2026, 11, 25, 11), local(2026, 11, 25, 14, 30))


def test_closing_a_waiting_case_ends_the_pause(bob, agent):
    with at(2026, 11, 25, 10):
        case = open_case(bob, priority=Priority.URGENT)
        services.add_staff_reply(case=case, user=agent, body="Fixed?", status=Status.WAITING)
    with at(2026, 11, 25, 20):
        services.close_case(case=case, actor=agent)
    case.refresh_from_db()
    assert (case.sla_paused_at, case.resolution_due) == (None, local(2026, 11, 26, 0))
    assert sla_state(case) != BREACHED


def test_a_new_priority_keeps_the_credit_of_earlier_waits(bob, agent):
    with at(2026, 11, 25, 10):
        case = open_case(bob)
    with at(2026, 11, 25, 11):
        services.add_staff_reply(case=case, user=agent, body="Which printer?", status=Status.WAITING)
    with at(2026, 11, 26, 11):  # a wait of eight business hours
        reply_as_customer(case, bob)
    with at(2026, 11, 26, 12):
        services.update_case(case=case, actor=agent, priority=Priority.HIGH)
    case.refresh_from_db()
    # High: 8 business hours from Wednesday 10:00 is Thursday 10:00; the seven left at the wait (Wednesday 11:00)
    # count again from Thursday 11:00: five on Thursday, two on Friday.
    assert case.resolution_due == local(2026, 11, 27, 10)
    assert case.first_response_due == local(2026, 11, 25, 11)  # answered as the wait began


def pause_before_pausing_existed(case, start, end) -> None:
    """A wait from the days before the SLA clock paused: in the status history only, the due times untouched."""
    for when, old, new in ((start, Status.OPEN, Status.WAITING), (end, Status.WAITING, Status.OPEN)):
        with time_machine.travel(when, tick=False):
            CaseStatusChange.objects.create(case=case, old_status=old, new_status=new)
            Case.objects.filter(pk=case.pk).update(status=new)


def test_a_wait_from_before_pausing_counts_the_same_at_the_end_of_a_wait_and_at_a_new_priority(bob, agent):
    with at(2026, 11, 25, 10):  # Wednesday
        high, normal = open_case(bob, priority=Priority.HIGH), open_case(bob, priority=Priority.NORMAL)
    with at(2026, 11, 25, 10, 30):
        for case in (high, normal):
            services.add_staff_reply(case=case, user=agent, body="Looking.")
            pause_before_pausing_existed(case, local(2026, 11, 25, 11), local(2026, 11, 26, 11))
            case.refresh_from_db()
    assert high.resolution_due == local(2026, 11, 26, 10)  # the old wait never moved it
    with at(2026, 11, 26, 12):
        for case in (high, normal):
            services.add_staff_reply(case=case, user=agent, body="A photo?", status=Status.WAITING)
    with at(2026, 11, 26, 13):
        for case in (high, normal):
            reply_as_customer(case, bob)  # the high case: due times moved at the end of the wait
        services.update_case(case=normal, actor=agent, priority=Priority.HIGH)  # the other: by the new priority
    high.refresh_from_db()
    normal.refresh_from_db()
    # High, 8 business hours from Wednesday 10:00: Thursday 10:00; the old wait (Wednesday 11:00 to Thursday 11:00)
    # leaves seven from Thursday 11:00, Friday 10:00; the new one (Thursday 12:00 to 13:00) leaves six from 13:00.
    assert high.resolution_due == normal.resolution_due == local(2026, 11, 27, 11)
    assert high.first_response_due == normal.first_response_due == local(2026, 11, 25, 11)


def test_a_first_answer_during_a_wait_gives_the_due_times_a_new_priority_would(bob, agent):
    with at(2026, 11, 25, 10):
        high, normal = open_case(bob, priority=Priority.HIGH), open_case(bob, priority=Priority.NORMAL)
    with at(2026, 11, 25, 10, 30):
        for case in (high, normal):
            services.change_status(case=case, status=Status.WAITING, actor=agent)  # without a reply
    with at(2026, 11, 25, 12):
        for case in (high, normal):
            services.add_staff_reply(case=case, user=agent, body="Hello")
        services.update_case(case=normal, actor=agent, priority=Priority.HIGH)
    high.refresh_from_db()
    normal.refresh_from_db()
    # One business hour to answer from 10:00: half an hour left at the wait, counted from the answer at 12:00.
    assert high.first_response_due == normal.first_response_due == local(2026, 11, 25, 12, 30)
    assert high.resolution_due == normal.resolution_due == local(2026, 11, 26, 10)  # still waiting: not moved yet


# --- a breach before the wait stays visible while waiting --------------------------------------------------


def test_a_resolution_missed_before_the_wait_is_breached_while_the_case_waits(client, sam, bob, agent):
    with at(2026, 11, 25, 10):
        case = open_case(bob, priority=Priority.URGENT)  # resolution due 14:00
        services.add_staff_reply(case=case, user=agent, body="On it.")
    with at(2026, 11, 25, 15):
        services.change_status(case=case, status=Status.WAITING, actor=agent)
    with at(2026, 11, 25, 16):
        client.force_login(sam)  # a session signed in at another frozen time has expired
        case.refresh_from_db()
        assert (case.sla_paused, sla_state(case)) == (True, BREACHED)
        assert listed(client.get(QUEUE, {"sla": "breached"})) == [case.number]
        assert listed(client.get(QUEUE, {"sla": "24"})) == []
        page = client.get(reverse("admin:helpdesk_case_change", args=[case.pk])).content.decode()
        assert "Breached" in page and "Paused: waiting for the customer" not in page


def test_a_first_response_answered_late_is_breached_while_the_case_waits(client, sam, bob, agent):
    with at(2026, 11, 25, 10):
        case = open_case(bob, priority=Priority.URGENT)  # first response due 10:30, resolution 14:00
    with at(2026, 11, 25, 11):
        services.add_staff_reply(case=case, user=agent, body="Which printer?", status=Status.WAITING)
    with at(2026, 11, 25, 12):
        client.force_login(sam)  # a session signed in at another frozen time has expired
        case.refresh_from_db()
        assert sla_state(case) == BREACHED
        assert listed(client.get(QUEUE, {"sla": "breached"})) == [case.number]


def test_an_unanswered_first_response_due_before_the_wait_is_breached_while_the_case_waits(client, sam, bob, agent):
    with at(2026, 11, 25, 10):
        case = open_case(bob, priority=Priority.URGENT)  # first response due 10:30
    with at(2026, 11, 25, 10, 30):  # set waiting without a reply, exactly at the due time
        services.change_status(case=case, status=Status.WAITING, actor=agent)
    with at(2026, 11, 25, 11):
        client.force_login(sam)  # a session signed in at another frozen time has expired
        case.refresh_from_db()
        assert sla_state(case) == BREACHED
        assert listed(client.get(QUEUE, {"sla": "breached"})) == [case.number]


def test_a_case_waiting_before_its_due_times_passed_is_paused_and_in_neither_queue_filter(client, sam, bob, agent):
    with at(2026, 11, 25, 10):
        case = open_case(bob, priority=Priority.URGENT)  # first response due 10:30, resolution 14:00
    with at(2026, 11, 25, 10, 20):
        services.change_status(case=case, status=Status.WAITING, actor=agent)  # neither answered nor due yet
    with at(2026, 11, 25, 16):
        client.force_login(sam)  # a session signed in at another frozen time has expired
        case.refresh_from_db()
        assert sla_state(case) == PAUSED
        assert listed(client.get(QUEUE, {"sla": "breached"})) == []
        assert listed(client.get(QUEUE, {"sla": "24"})) == []
        services.change_status(case=case, status=Status.OPEN, actor=agent)
        assert sla_state(case) == DUE_SOON  # the answer: 10:30 + 5 h 40 min of waiting
    assert (case.first_response_due, case.resolution_due) == (local(2026, 11, 25, 16, 10), local(2026, 11, 25, 19, 40))


# --- holidays ------------------------------------------------------------------------------------------------


def test_a_holiday_is_a_day_off_for_business_hours():
    christmas = BusinessHours(
        weekdays=OFFICE.weekdays,
        start=OFFICE.start,
        end=OFFICE.end,
        zone=HELSINKI,
        holidays=frozenset({date(2026, 12, 24), date(2026, 12, 25)}),
    )
    # Wednesday 23 December 15:00 + 4 h: one hour that day, Christmas Eve and Day off, the weekend, Monday 11:00.
    assert add_business_minutes(local(2026, 12, 23, 15), 240, christmas) == local(2026, 12, 28, 11)
    assert add_business_minutes(local(2026, 12, 23, 15), 240, OFFICE) == local(2026, 12, 24, 11)
    assert business_time_between(local(2026, 12, 23, 15), local(2026, 12, 28, 11), christmas) == timedelta(hours=4)


def test_a_new_case_is_due_after_the_holidays(bob, agent):
    Holiday.objects.create(date=date(2026, 12, 24), name="Christmas Eve")
    Holiday.objects.create(date=date(2026, 12, 25), name="Christmas Day")
    with at(2026, 12, 23, 15):
        case = open_case(bob)  # normal: four business hours to answer
    assert case.first_response_due == local(2026, 12, 28, 11)


def test_a_holiday_during_the_wait_is_not_counted_when_the_clock_starts_again(bob, agent):
    Holiday.objects.create(date=date(2026, 11, 30), name="Company day")
    with at(2026, 11, 27, 10):  # Friday: due Wednesday 10:00 without the holiday, Thursday 10:00 with it
        case = open_case(bob)
    assert case.resolution_due == local(2026, 12, 3, 10)
    with at(2026, 11, 27, 11):
        services.add_staff_reply(case=case, user=agent, body="Send a photo?", status=Status.WAITING)
    with at(2026, 11, 30, 12):  # on the holiday: 23 business hours left, counted from Tuesday 08:00
        reply_as_customer(case, bob)
    case.refresh_from_db()
    assert case.resolution_due == local(2026, 12, 3, 15)


def test_only_the_holidays_within_the_walk_are_read(db):
    Holiday.objects.create(date=date(2026, 11, 24), name="Before")
    Holiday.objects.create(date=date(2026, 12, 24), name="Within")
    start = local(2026, 11, 25, 10)
    Holiday.objects.create(date=start.date() + timedelta(days=MAX_DAYS + 1), name="Beyond")
    hours = BusinessHours.from_settings(HelpdeskSettings.load(), start=start)
    assert hours.holidays == {date(2026, 12, 24)}


@pytest.mark.parametrize("holidays", [0, 40])
def test_due_times_with_holidays_cost_one_query_however_many_holidays(db, django_assert_num_queries, holidays):
    Holiday.objects.bulk_create(
        Holiday(date=date(2027, 1, 1) + timedelta(days=7 * n), name="Off") for n in range(holidays)
    )
    helpdesk_settings = HelpdeskSettings.load()
    policy = SlaPolicy.objects.get(priority=Priority.LOW)  # five business days: the walk crosses many days
    with django_assert_num_queries(1):
        hours = BusinessHours.from_settings(helpdesk_settings, start=local(2026, 12, 30, 10))
        first, resolution = due_times(local(2026, 12, 30, 10), policy, hours)
    assert len(hours.holidays) == holidays
    assert resolution == (local(2027, 1, 7, 10) if holidays else local(2027, 1, 6, 10))


def test_holidays_have_their_back_office_screen(staff_client):
    Holiday.objects.create(date=date(2026, 12, 24), name="Christmas Eve")
    Holiday.objects.create(date=date(2026, 12, 6), name="Independence Day")
    page = staff_client.get(reverse("admin:helpdesk_holiday_changelist"), {"q": "christmas"})
    assert [h.name for h in page.context["cl"].result_list] == ["Christmas Eve"]
    add = reverse("admin:helpdesk_holiday_add")
    assert staff_client.post(add, {"date": "2026-12-25", "name": "Christmas Day"}).status_code == 302
    again = staff_client.post(add, {"date": "2026-12-25", "name": "Twice"})
    assert again.status_code == 200 and again.context["adminform"].form.errors["date"]
    assert Holiday.objects.filter(date=date(2026, 12, 25)).get().name == "Christmas Day"


# --- the back-office queue -----------------------------------------------------------------------------------


def test_the_queue_counts_a_waiting_case_neither_breached_nor_due_soon(client, sam, bob, agent):
    with at(2026, 11, 25, 10):
        late = open_case(bob, priority=Priority.URGENT)  # resolution due 14:00
        waiting = open_case(bob, priority=Priority.URGENT)
        for case in (late, waiting):
            services.add_staff_reply(case=case, user=agent, body="On it.")
    with at(2026, 11, 25, 13, 30):
        client.force_login(sam)
        services.change_status(case=waiting, status=Status.WAITING, actor=agent)
        assert listed(client.get(QUEUE, {"sla": "1"})) == [late.number]
    with at(2026, 11, 25, 15):
        client.force_login(sam)
        assert listed(client.get(QUEUE, {"sla": "breached"})) == [late.number]
        page = client.get(reverse("admin:helpdesk_case_change", args=[waiting.pk]))
        assert "Paused: waiting for the customer" in page.content.decode()
        services.change_status(case=waiting, status=Status.OPEN, actor=agent)  # 14:00 + 90 minutes of waiting
        assert listed(client.get(QUEUE, {"sla": "1"})) == [waiting.number]
    assert Case.objects.get(pk=waiting.pk).resolution_due == local(2026, 11, 25, 15, 30)
