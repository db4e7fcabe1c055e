"""CSV exports that open cleanly in Excel and cannot smuggle formulas into a spreadsheet.

An export is streamed: rows are written in batches as the client reads them, so a large export never sits in
memory whole and the rows may come lazily from the database (`queryset.iterator()`).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from itertools import islice

from django.http import StreamingHttpResponse
from django.utils import translation

from portico.core.http import content_disposition

# A spreadsheet treats a cell starting with one of these as a formula (full-width forms included: some
# spreadsheet input methods turn them into the ASCII ones). Leading whitespace is skipped before the test.
_FORMULA_START = re.compile(r"\s*[=+\-@\t\r\n＝＋－＠]")
# Digits, signs and separators alone cannot call a function or reference a cell: phone numbers such as
# "+358 40 123 4567" and amounts such as "-12.50" stay as they are.
_HARMLESS = re.compile(r"[\d\s+\-().,/%]*")
# Rows written per chunk sent: big enough that the per-chunk overhead vanishes, small enough to stay in memory.
BATCH_SIZE = 500


def safe_cell(value: object) -> str | int | float | Decimal:
    """Return a value for a CSV cell: numbers as they are, text with a quote before anything formula-like."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return value
    text = "" if value is None else str(value)
    if _FORMULA_START.match(text) and not _HARMLESS.fullmatch(text):
        return f"'{text}"
    return text


class _Echo:
    """A file-like object whose `write` returns what it is given, so csv.writer hands back each line."""

    def write(self, value: str) -> str:
        return value


def csv_response(filename: str, header: Iterable[object], rows: Iterable[Iterable[object]]) -> StreamingHttpResponse:
    """Return a streamed CSV download: UTF-8 with a byte-order mark (so Excel reads it as UTF-8), every cell made
    safe. `rows` is read only while the response is sent, `BATCH_SIZE` rows a chunk."""
    response = StreamingHttpResponse(
        _chunks(header, rows, translation.get_language()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition(filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private"
    return response


def _chunks(header: Iterable[object], rows: Iterable[Iterable[object]], language: str | None) -> Iterator[bytes]:
    """The byte-order mark and the header, then the rows in batches, each in the request's language.

    The server sends the chunks after the view has returned; the language is set again around each batch so
    that translated values (choice labels, yes and no) read as in the request, and the rows (a database cursor)
    are closed even when the client goes away half-way.
    """
    writer = csv.writer(_Echo())
    with translation.override(language):
        first = "\ufeff" + writer.writerow([safe_cell(cell) for cell in header])
    yield first.encode("utf-8")
    iterator = iter(rows)
    try:
        while True:
            with translation.override(language):
                batch = "".join(
                    writer.writerow([safe_cell(cell) for cell in row]) for row in islice(iterator, BATCH_SIZE)
                )
            if not batch:
                return
            yield batch.encode("utf-8")
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()
