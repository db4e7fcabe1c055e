"""Email text: the quoted conversation is cut in the languages we serve, HTML becomes safe plain text."""

import pytest

from portico.helpdesk.intake.parsing import clean_subject, message_key
from portico.helpdesk.intake.text import html_to_text, strip_quoted

NEW = "The printer works again.\nThanks!"


@pytest.mark.parametrize(
    "introduction",
    [
        "On Tue, 24 Nov 2026 at 10:00, Aku Agent <aku@portico.example> wrote:",
        "On Tue, 24 Nov 2026 at 10:00, Aku Agent <aku@portico.example>\nwrote:",
        "On 23.11.2026 16.40, Portico Support wrote:",
        "ti 24.11.2026 klo 10.00 Aku Agent (aku@portico.example) kirjoitti:",
        "Aku Agent kirjoitti 24.11.2026 kello 10.00:\n",
        "Den 24 nov. 2026 kl. 10:00 skrev Aku Agent <aku@portico.example>:",
        "tir. 24. nov. 2026 kl. 10:00 skrev Aku Agent <aku@portico.example>:",
        "El mar, 24 nov 2026 a las 10:00, Aku Agent (<aku@portico.example>) escribió:",
        "Am Di., 24. Nov. 2026 um 10:00 Uhr schrieb Aku Agent <aku@portico.example>:",
        "-----Original Message-----",
        "----- Alkuperäinen viesti -----",
        "-----Ursprungligt meddelande-----",
        "-----Opprinnelig melding-----",
        "-----Mensaje original-----",
        "________________________________",
        "From: Portico Support <support@portico.example>\nSent: Monday, November 23, 2026 4:40 PM\nTo: Bob",
        "Lähettäjä: Portico Support <support@portico.example>\nLähetetty: maanantai 23. marraskuuta 2026 16.40",
        "Från: Portico Support <support@portico.example>\nSkickat: den 23 november 2026 16:40",
        "Fra: Portico Support <support@portico.example>\nSendt: mandag 23. november 2026 16:40",
        "De: Portico Support <support@portico.example>\nEnviado: lunes, 23 de noviembre de 2026 16:40",
    ],
)
def test_the_quoted_earlier_message_is_cut_in_every_language_we_serve(introduction):
    text = f"{NEW}\n\n{introduction}\nHello Bob,\nplease unplug the printer.\n"
    assert strip_quoted(text) == NEW


def test_quote_lines_and_the_signature_are_cut():
    text = f"{NEW}\n> earlier text\n> more\n\n-- \nBob Basic\nAcme Oy\n"
    assert strip_quoted(text) == NEW


def test_an_answer_written_between_quoted_lines_is_kept():
    text = "> Which model is it?\nA LaserJet 4.\n> And the serial?\n12345\n"
    assert strip_quoted(text) == "A LaserJet 4.\n12345"


def test_a_message_that_is_all_quote_keeps_its_text():
    text = "> forwarded text only\n> nothing new"
    assert strip_quoted(text) == text


def test_a_sentence_that_merely_mentions_from_is_not_cut():
    text = "From: the second floor, the noise comes.\nIt is loud."
    assert strip_quoted(text) == text


def test_html_becomes_plain_text_without_scripts_styles_or_markup():
    html = (
        "<html><head><title>t</title><style>p{color:red}</style></head><body>"
        "<script>alert(1)</script><p>Hello&nbsp;&amp; welcome,</p><div>line<br>break</div>"
        "<ul><li>one</li><li>two</li></ul><img src=x onerror=alert(1)><!-- hidden -->"
        "<blockquote>quoted <b>text</b></blockquote><p>after</p></body></html>"
    )
    text = html_to_text(html)
    assert text == "Hello & welcome,\n\nline\nbreak\n\n- one\n- two\n\n> quoted text\n\nafter"


def test_html_links_keep_their_address_but_never_a_script_url():
    html = (
        '<p><a href="https://acme.example/log">the log</a>, <a href="mailto:it@acme.example">IT</a>, '
        '<a href="https://acme.example">https://acme.example</a>, <a href="javascript:alert(1)">click</a></p>'
    )
    assert html_to_text(html) == (
        "the log (https://acme.example/log), IT (it@acme.example), https://acme.example, click"
    )


def test_broken_html_still_gives_its_text():
    assert html_to_text("<p>unclosed <b>bold <div>deep</p></span>&#xZZ;") == "unclosed bold\ndeep\n&#xZZ;"


@pytest.mark.parametrize(
    ("subject", "clean"),
    [
        ("Re: Printer", "Printer"),
        ("RE: Fwd: Printer", "Printer"),
        ("VS: VL: Printer", "Printer"),
        ("SV: Sv: Printer", "Printer"),
        ("AW: WG: Printer", "Printer"),
        ("RV: Printer", "Printer"),
        ("Re[2]: Printer", "Printer"),
        ("Reply about the printer", "Reply about the printer"),
    ],
)
def test_reply_and_forward_prefixes_are_dropped(subject, clean):
    assert clean_subject(subject) == clean


def test_the_message_key_is_the_message_id_or_a_content_hash():
    assert message_key(b"Message-ID:\r\n <a@b.example>\r\nSubject: x\r\n\r\nbody") == "<a@b.example>"
    key = message_key(b"Subject: x\r\n\r\nbody")
    assert key.startswith("<sha256-") and key == message_key(b"Subject: x\r\n\r\nbody")
    assert message_key(b"Subject: x\r\n\r\nMessage-ID: <in-body@x>") != "<in-body@x>"
