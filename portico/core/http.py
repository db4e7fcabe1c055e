"""Small HTTP helpers shared by downloads and exports."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """Return a Content-Disposition value (RFC 6266): an ASCII `filename` fallback and the exact `filename*`."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    ascii_name = "".join(ch if ch.isprintable() and ch not in '"\\;' else "_" for ch in ascii_name)
    if not ascii_name.strip(" ._"):
        ascii_name = "download"
    elif ascii_name.startswith("."):  # the name had only non-Latin letters before its extension
        ascii_name = f"download{ascii_name}"
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
