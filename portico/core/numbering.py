"""Readable record numbers (CS-000123) from gap-free series kept in the database."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from portico.core.models import NumberSequence


def next_number(series: str, *, prefix: str, width: int = 6) -> str:
    """Take the next number of a series and return it formatted, e.g. ("case", prefix="CS-") -> "CS-000123".

    Call it inside the transaction that saves the numbered record: the increment locks the series' row
    until that transaction ends, so concurrent callers wait and each gets its own number, and a rollback
    gives the number back, so the series has no gaps.
    """
    with transaction.atomic():
        if not NumberSequence.objects.filter(series=series).update(last_value=F("last_value") + 1):
            # The first number of a series: create the row (a concurrent creator wins, we then wait on it).
            NumberSequence.objects.bulk_create([NumberSequence(series=series)], ignore_conflicts=True)
            NumberSequence.objects.filter(series=series).update(last_value=F("last_value") + 1)
        value = NumberSequence.objects.filter(series=series).values_list("last_value", flat=True).get()
    return f"{prefix}{value:0{width}d}"
