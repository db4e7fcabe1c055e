"""Migration helpdesk 0008: a case already waiting for the customer when SLA pauses came in gets its pause start.

Each test migrates the helpdesk back to 0007 (pauses known, but none set for the cases waiting from before),
writes rows, migrates forward and reads the result; the database is put back to the latest state.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from portico.helpdesk import services
from portico.helpdesk.models import Case, CaseStatusChange, Priority, SlaPolicy, Status
from portico.helpdesk.tests.factories import open_case

BEFORE = [("helpdesk", "0007_helpdesksettings_remove_attachment_rules")]
AFTER = [("helpdesk", "0008_case_pause_waiting_cases")]
HELSINKI = ZoneInfo("Europe/Helsinki")

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=HELSINKI)


def at(*args):
    return time_machine.travel(local(*args), tick=False)


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)


@pytest.fixture
def before():
    """The state before the pauses were set; the latest state again after the test.

    The urgent policy is set here: a test that commits empties the database, and this one must not depend on
    which ran before it in the same process.
    """
    SlaPolicy.objects.update_or_create(
        priority=Priority.URGENT,
        defaults={"first_response_minutes": 30, "resolution_minutes": 240, "business_hours_only": False},
    )
    migrate(BEFORE)
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def step(case, old, new) -> None:
    """A status change as the code before pauses made it: history and status, no pause."""
    CaseStatusChange.objects.create(case=case, old_status=old, new_status=new)
    Case.objects.filter(pk=case.pk).update(status=new)


def test_a_waiting_case_is_paused_from_its_last_change_into_waiting(before, bob, agent):
    with at(2026, 11, 25, 10):
        case = open_case(bob, priority=Priority.URGENT)  # resolution due 14:00
    with at(2026, 11, 25, 10, 30):
        step(case, Status.NEW, Status.WAITING)
    with at(2026, 11, 25, 11):
        step(case, Status.WAITING, Status.OPEN)
    with at(2026, 11, 25, 12):
        step(case, Status.OPEN, Status.WAITING)
    migrate(AFTER)
    case.refresh_from_db()
    assert case.sla_paused_at == local(2026, 11, 25, 12)
    with at(2026, 11, 25, 13):
        services.change_status(case=case, status=Status.OPEN, actor=agent)
    case.refresh_from_db()
    # Both waits count: half an hour from the history, an hour from the pause the migration set.
    assert (case.sla_paused_at, case.resolution_due) == (None, local(2026, 11, 25, 15, 30))


def test_a_waiting_case_without_a_change_into_waiting_is_paused_from_its_last_update(before, bob):
    with at(2026, 11, 25, 10):
        case = open_case(bob)
    with at(2026, 11, 25, 11):
        Case.objects.filter(pk=case.pk).update(status=Status.WAITING, updated_at=local(2026, 11, 25, 9, 45))
    migrate(AFTER)
    assert Case.objects.get(pk=case.pk).sla_paused_at == local(2026, 11, 25, 9, 45)


def test_other_cases_and_a_pause_already_set_are_left_alone(before, bob):
    with at(2026, 11, 25, 10):
        running = open_case(bob)
        paused = open_case(bob)
    with at(2026, 11, 25, 11):
        step(running, Status.NEW, Status.WAITING)
        step(running, Status.WAITING, Status.OPEN)
        step(paused, Status.NEW, Status.WAITING)
        Case.objects.filter(pk=paused.pk).update(sla_paused_at=local(2026, 11, 25, 11, 15))  # set by the clock
    migrate(AFTER)
    assert Case.objects.get(pk=running.pk).sla_paused_at is None
    assert Case.objects.get(pk=paused.pk).sla_paused_at == local(2026, 11, 25, 11, 15)
