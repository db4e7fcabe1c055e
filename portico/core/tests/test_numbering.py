"""Numbering series: readable numbers without gaps or duplicates, also when many requests ask at once."""

import threading

import pytest
from django.db import connection, connections, transaction

from portico.core.models import NumberSequence
from portico.core.numbering import next_number


@pytest.mark.django_db
def test_numbers_count_up_from_one_with_the_prefix_and_width():
    assert next_number("case", prefix="CS-") == "CS-000001"
    assert next_number("case", prefix="CS-") == "CS-000002"
    assert next_number("case", prefix="CS-", width=3) == "CS-003"


@pytest.mark.django_db
def test_each_series_counts_on_its_own():
    next_number("case", prefix="CS-")
    next_number("case", prefix="CS-")
    assert next_number("invoice", prefix="INV-2026-", width=4) == "INV-2026-0001"
    assert NumberSequence.objects.get(series="case").last_value == 2


@pytest.mark.django_db
def test_a_number_wider_than_the_width_is_never_cut():
    NumberSequence.objects.create(series="case", last_value=999_999)
    assert next_number("case", prefix="CS-") == "CS-1000000"


@pytest.mark.django_db
def test_staff_can_continue_a_series_from_an_earlier_system():
    NumberSequence.objects.create(series="case", last_value=41_999)
    assert next_number("case", prefix="CS-") == "CS-042000"


@pytest.mark.django_db
def test_a_rolled_back_transaction_gives_its_number_back():
    assert next_number("case", prefix="CS-") == "CS-000001"
    with pytest.raises(RuntimeError), transaction.atomic():
        assert next_number("case", prefix="CS-") == "CS-000002"
        raise RuntimeError("saving the case failed")
    assert next_number("case", prefix="CS-") == "CS-000002"


@pytest.mark.django_db
def test_a_series_that_was_never_used_starts_in_a_rolled_back_transaction_without_trace():
    with pytest.raises(RuntimeError), transaction.atomic():
        next_number("order", prefix="SO-")
        raise RuntimeError("saving the order failed")
    assert not NumberSequence.objects.filter(series="order").exists()
    assert next_number("order", prefix="SO-") == "SO-000001"


@pytest.fixture
def shared_database(django_db_serialized_rollback, transactional_db, tmp_path):
    """A database that threads share, with the production connection settings.

    PostgreSQL's test database is one already. SQLite's test database lives in memory, where threads get
    "table is locked" at once instead of waiting; so on SQLite the threads' new connections open a database
    file instead, with the WAL, busy timeout and BEGIN IMMEDIATE of the production settings.
    """
    if connection.vendor != "sqlite":
        yield
        return
    database = connections.settings["default"]  # the dict new connections in any thread are made from
    memory_name, database["NAME"] = database["NAME"], str(tmp_path / "threads.sqlite3")
    try:
        file_connection = connections.create_connection("default")
        with file_connection.schema_editor() as editor:
            editor.create_model(NumberSequence)
        file_connection.close()
        yield
    finally:
        database["NAME"] = memory_name


def _in_threads(count, work):
    """Run `work(index)` in `count` threads that start together; return their results."""
    start = threading.Barrier(count)
    results, errors = [None] * count, []

    def run(index):
        try:
            start.wait()
            results[index] = work(index)
        except Exception as error:  # reported to the test below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    return results


def test_concurrent_requests_each_get_their_own_number_without_gaps(shared_database):
    def take_numbers(index):
        taken = []
        for _ in range(5):
            with transaction.atomic():
                taken.append(next_number("case", prefix="CS-"))
        return taken

    numbers = [n for taken in _in_threads(8, take_numbers) for n in taken]
    assert sorted(numbers) == [f"CS-{i:06d}" for i in range(1, 41)]


def test_a_number_taken_in_an_open_transaction_makes_the_next_request_wait(shared_database):
    taken, release = threading.Event(), threading.Event()
    order = []

    def first(index):
        with transaction.atomic():
            number = next_number("case", prefix="CS-")
            taken.set()
            release.wait(timeout=30)
            order.append("first commits")
        return number

    def second(index):
        taken.wait(timeout=30)
        with transaction.atomic():
            number = next_number("case", prefix="CS-")
            order.append("second numbered")
        return number

    def work(index):
        if index == 0:
            return first(index)
        if index == 1:
            return second(index)
        taken.wait(timeout=30)
        threading.Event().wait(0.5)  # give the second request time to get ahead of the commit if it could
        release.set()
        return None

    assert _in_threads(3, work)[:2] == ["CS-000001", "CS-000002"]
    assert order == ["first commits", "second numbered"]
