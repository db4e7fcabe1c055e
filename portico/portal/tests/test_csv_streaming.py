"""A record module's CSV export streams its rows straight from a database cursor, on SQLite and PostgreSQL.

The export view passes `queryset.iterator(2000)` to the streamed response, so the rows are read after the view
has returned: inside the test's transaction, in autocommit (PostgreSQL holds its server-side cursor across
commits), and with ATOMIC_REQUESTS (the view's transaction has committed before the first row is read).
"""

import csv
import io

import pytest
from django.db import connection
from django.urls import reverse

from portico.helpdesk.models import Case
from portico.helpdesk.tests.factories import give_cases

ROWS = 4500  # more than two of the iterator's chunks (2,000) and many of the response's batches


def make_cases(access, count=ROWS):
    contact = access.contact
    Case.objects.bulk_create(
        Case(number=f"CS-{n:06d}", subject=f"Printer {n}", description="-", contact=contact, account=contact.account)
        for n in range(count)
    )


def read_export(client) -> tuple[int, list[list[str]]]:
    response = client.get(reverse("portal:cases_export"))
    assert response.status_code == 200
    assert response.streaming
    stream = iter(response.streaming_content)
    chunks = [next(stream), next(stream)]
    assert open_cursors() in (1, None)  # the rows come from a server-side cursor, open while streaming
    chunks.extend(stream)
    assert open_cursors() in (0, None)  # and closed (even one held across commits) once the rows are sent
    return len(chunks), list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))


def open_cursors() -> int | None:
    """Django's server-side cursors open on this connection (PostgreSQL); None where there are none (SQLite)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors WHERE name LIKE '_django_curs_%%'")
        return cursor.fetchone()[0]


def assert_every_case_once(chunks: int, rows: list[list[str]]) -> None:
    assert chunks > 2
    numbers = [row[0] for row in rows[1:]]
    assert sorted(numbers) == [f"CS-{n:06d}" for n in range(ROWS)]


def test_a_large_export_streams_inside_a_transaction(portal_client, bob, carol):
    give_cases(bob, scope="own")
    make_cases(bob)
    make_cases_of_another_company(carol)
    assert_every_case_once(*read_export(portal_client(bob)))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # seeded rows come back for later tests
@pytest.mark.parametrize("atomic_requests", [False, True])
def test_a_large_export_streams_after_the_view_has_returned(portal_client, bob, carol, monkeypatch, atomic_requests):
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", atomic_requests)
    give_cases(bob, scope="own")
    make_cases(bob)
    make_cases_of_another_company(carol)
    assert connection.get_autocommit()  # no test transaction around the request: as in production
    assert_every_case_once(*read_export(portal_client(bob)))


def make_cases_of_another_company(access):
    contact = access.contact
    Case.objects.bulk_create(
        Case(number=f"GX-{n:06d}", subject="Globex", description="-", contact=contact, account=contact.account)
        for n in range(50)
    )
