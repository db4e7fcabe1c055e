"""Bare twins of the measured portal pages: the same SQL statements, a plain template of the same size.

On the first request for a page, each server process requests the real portal page in-process, as the
same visitor (the same cookies), and records every SQL statement it runs with its parameters. From then
on the bare view replays those statements with a cursor, session and user lookups included, and renders
the rows it fetched with a plain template of the byte size of the real page (columns left out or text added).
"""

import threading
from dataclasses import dataclass

from django.db import connection
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext

PAGES = {
    "login": "/portal/account/login/",
    "dashboard": "/portal/",
    "colleagues": "/portal/colleagues/",
}
FILLER = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore. "
# Transaction bookkeeping is not a query of the page; a bare view outside a transaction cannot replay it.
TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT")


@dataclass
class Capture:
    """The SQL statements of one real page and the byte size of its response."""

    statements: list[tuple[str, object, bool]]
    size: int
    columns: int | None = None
    padding: str = ""


_captures: dict[str, Capture] = {}
_lock = threading.Lock()


def capture_page(page: str, cookies: dict[str, str]) -> Capture:
    """Request the real page in-process with these cookies and record its SQL statements and size."""
    client = Client(HTTP_HOST="127.0.0.1")
    for name, value in cookies.items():
        client.cookies[name] = value
    url = PAGES[page]
    client.get(url)  # a first visit may write the session; the measured requests find it settled
    statements: list[tuple[str, object, bool]] = []

    def record(execute, sql, params, many, context):
        statements.append((sql, params, many))
        return execute(sql, params, many, context)

    with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(record):
        response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}, not 200")
    if len(captured) != len(statements):
        raise RuntimeError(f"{url}: {len(captured)} queries captured but {len(statements)} recorded")
    replayable = [s for s in statements if not s[0].lstrip().upper().startswith(TRANSACTION_CONTROL)]
    return Capture(statements=replayable, size=len(response.content))


def _capture_for(page: str, cookies: dict[str, str]) -> Capture:
    capture = _captures.get(page)
    if capture is None:
        with _lock:
            capture = _captures.get(page)
            if capture is None:
                capture = capture_page(page, cookies)
                _fit(capture, page)
                _captures[page] = capture
    return capture


def _fit(capture: Capture, page: str) -> None:
    """Keep as many columns as fit in the real page's size, then pad the rest to exactly that size."""
    tables = _replay(capture)

    def size(columns: int | None) -> int:
        return len(_render(None, page, _cells(tables, columns), "").encode())

    if size(None) > capture.size:
        low, high = 0, max((len(row) for rows in tables for row in rows), default=0)
        while low < high:  # the most columns per row that still fit
            middle = (low + high + 1) // 2
            low, high = (middle, high) if size(middle) <= capture.size else (low, middle - 1)
        capture.columns = low
    capture.padding = _padding(capture.size - size(capture.columns))


def _padding(length: int) -> str:
    """ASCII text of exactly this many bytes (none when the bare page is already as large as the real one)."""
    return (FILLER * (length // len(FILLER) + 1))[: max(length, 0)]


def _replay(capture: Capture) -> list[list[tuple]]:
    """Run the captured statements; return the rows of each one that returned rows."""
    tables = []
    with connection.cursor() as cursor:
        for sql, params, many in capture.statements:
            if many:
                cursor.executemany(sql, params)
            else:
                cursor.execute(sql, params)
            if cursor.description is not None:
                tables.append(cursor.fetchall())
    return tables


def _cells(tables: list[list[tuple]], columns: int | None) -> list[list[list[str]]]:
    """The fetched values as text (as the database gave them, no time zone conversion), first columns only."""
    return [[[str(cell) for cell in row[:columns]] for row in rows] for rows in tables]


def _render(request, page: str, tables: list[list[tuple]], padding: str) -> str:
    context = {"page": page, "tables": tables, "padding": padding}
    return render_to_string("bench/bare.html", context, request=request, using="bare")


def bare_page(request, page: str) -> HttpResponse:
    """The bare twin of a portal page: replay its SQL, render the rows, answer as many bytes."""
    if page not in PAGES:
        raise Http404
    capture = _capture_for(page, request.COOKIES)
    tables = _cells(_replay(capture), capture.columns)
    return HttpResponse(_render(request, page, tables, capture.padding))


def empty(request) -> HttpResponse:
    """An empty page: no query, no template (bench/breakdown.py measures the fixed cost of a portal request)."""
    return HttpResponse(b"")
