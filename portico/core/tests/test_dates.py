from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format

from portico.core.dates import datetime_formatter

# Midnight, noon, single-digit days and months, a year before 1000, both daylight-saving changes in Helsinki.
MOMENTS = [
    datetime(2026, 1, 2, 0, 0, tzinfo=UTC),
    datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 0, 1, tzinfo=UTC),
    datetime(2026, 6, 15, 9, 0, tzinfo=UTC),
    datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
    datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
    datetime(2026, 12, 31, 22, 5, 7, tzinfo=UTC),
    datetime(999, 7, 4, 12, 0, tzinfo=UTC),
]


@pytest.mark.parametrize("language", ["en", "fi", "sv", "nb", "es"])
@pytest.mark.parametrize("format_name", ["SHORT_DATETIME_FORMAT", "DATETIME_FORMAT"])
@pytest.mark.parametrize("zone", ["Europe/Helsinki", "America/New_York", "UTC"])
def test_writes_exactly_what_django_writes(language, format_name, zone):
    with translation.override(language), timezone.override(zone):
        write = datetime_formatter(format_name)
        hourly = [MOMENTS[3] + timedelta(minutes=37 * n) for n in range(40)]
        for moment in [*MOMENTS, *hourly]:
            assert write(moment) == date_format(timezone.localtime(moment), format_name)


def test_escaped_letters_and_other_characters_are_django_s():
    with translation.override("es"), timezone.override("UTC"):
        moment = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
        # The Spanish long format escapes "de" and "a las"; its month name comes from Django.
        assert datetime_formatter("DATETIME_FORMAT")(moment) == "1 de mayo de 2026 a las 12:00"


def test_none_is_blank():
    assert datetime_formatter()(None) == ""
