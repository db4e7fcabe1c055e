"""CSV exports that open cleanly in Excel and cannot smuggle formulas into a spreadsheet."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from decimal import Decimal

from django.http import HttpResponse

from portico.core.http import content_disposition

# A spreadsheet treats a cell starting with one of these as a formula (full-width forms included: some
# spreadsheet input methods turn them into the ASCII ones). Leading whitespace is skipped before the test.
_FORMULA_START = re.compile(r"\s*[=+\-@\t\r\n＝＋－＠]")
# Digits, signs and separators alone cannot call a function or reference a cell: phone numbers such as
# "+358 40 123 4567" and amounts such as "-12.50" stay as they are.
_HARMLESS = re.compile(r"[\d\s+\-().,/%]*")


def safe_cell(value: object) -> str | int | float | Decimal:
    """Return a value for a CSV cell: numbers as they are, text with a quote before anything formula-like."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return value
    text = "" if value is None else str(value)
    if _FORMULA_START.match(text) and not _HARMLESS.fullmatch(text):
        return f"'{text}"
    return text


def csv_response(filename: str, header: Iterable[object], rows: Iterable[Iterable[object]]) -> HttpResponse:
    """Return a CSV download: UTF-8 with a byte-order mark (so Excel reads it as UTF-8), every cell made safe."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    response = HttpResponse(buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition(filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private"
    return response
