"""Dates and times written as Django's `date_format` writes them, for pages that write many of them.

`date_format(localtime(value), "SHORT_DATETIME_FORMAT")` parses the format string again for every value.
`datetime_formatter()` reads the active language's format once and returns a function that writes each
value with plain arithmetic for the common format characters (day, month, year, hour, minute, second);
any other character (a month's name, "p.m.", "noon") is asked of Django's `DateFormat`, so the text is
always exactly Django's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import lru_cache

from django.utils import timezone
from django.utils.dateformat import DateFormat, re_escaped, re_formatchars
from django.utils.formats import get_format

_NUMERIC: dict[str, Callable[[datetime], str]] = {
    "d": lambda v: f"{v.day:02d}",
    "j": lambda v: str(v.day),
    "m": lambda v: f"{v.month:02d}",
    "n": lambda v: str(v.month),
    "Y": lambda v: f"{v.year:04d}",
    "y": lambda v: f"{v.year % 100:02d}",
    "H": lambda v: f"{v.hour:02d}",
    "G": lambda v: str(v.hour),
    "i": lambda v: f"{v.minute:02d}",
    "s": lambda v: f"{v.second:02d}",
}


@lru_cache(maxsize=64)
def _compile(format_string: str) -> tuple[tuple[str, object], ...]:
    """The format as pieces: ("text", literal), ("fast", function) or ("django", DateFormat method name)."""
    pieces = []
    for i, piece in enumerate(re_formatchars.split(format_string)):
        if i % 2:
            pieces.append(("fast", _NUMERIC[piece]) if piece in _NUMERIC else ("django", piece))
        elif piece:
            pieces.append(("text", re_escaped.sub(r"\1", piece)))
    return tuple(pieces)


def datetime_formatter(format_name: str = "SHORT_DATETIME_FORMAT") -> Callable[[datetime | None], str]:
    """A function writing aware datetimes in the current time zone and the active language's format; None as "".

    Build it once per page (it binds the language and time zone active now), then call it per value.
    """
    pieces = _compile(str(get_format(format_name)))
    zone = timezone.get_current_timezone()
    needs_django = any(kind == "django" for kind, _piece in pieces)

    def write(value: datetime | None) -> str:
        if value is None:
            return ""
        local = timezone.localtime(value, zone)
        django_format = DateFormat(local) if needs_django else None
        out = []
        for kind, piece in pieces:
            if kind == "text":
                out.append(piece)
            elif kind == "fast":
                out.append(piece(local))
            else:
                out.append(str(getattr(django_format, piece)()))
        return "".join(out)

    return write
