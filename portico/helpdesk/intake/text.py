"""Email text: HTML turned into plain text, and the quoted earlier conversation cut from a reply."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Elements whose content is never text a person wrote for the reader.
_SKIPPED = frozenset({"script", "style", "head", "title", "template", "noscript", "object", "svg", "math"})
_BLOCKS = frozenset(
    {
        "p", "div", "section", "article", "header", "footer", "table", "tr", "ul", "ol", "dl", "dt", "dd",
        "h1", "h2", "h3", "h4", "h5", "h6", "pre", "hr", "address", "figure", "form",
    }
)  # fmt: skip


class _TextExtractor(HTMLParser):
    """Collect the text of an HTML document: blocks on their own lines, quotes marked with "> "."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.quote = 0
        self.pre = 0
        self.links: list[tuple[str, int]] = []  # (address, where the link's text starts in `out`)

    def _newline(self):
        self.out.append("\n" + "> " * self.quote)

    def handle_starttag(self, tag, attrs):
        if tag in _SKIPPED:
            self.skip += 1
        elif tag == "a":
            href = (dict(attrs).get("href") or "").strip()
            self.links.append((href if re.match(r"(?i)^(https?:|mailto:)", href) else "", len(self.out)))
        elif tag == "blockquote":
            self.quote += 1
            self._newline()
        elif tag == "br":
            self._newline()
        elif tag == "li":
            self._newline()
            self.out.append("- ")
        elif tag in ("td", "th"):
            self.out.append(" ")
        elif tag in _BLOCKS:
            self.pre += tag == "pre"
            self._newline()

    def handle_startendtag(self, tag, attrs):
        if tag in ("br", "hr"):
            self._newline()

    def handle_endtag(self, tag):
        if tag in _SKIPPED:
            self.skip = max(self.skip - 1, 0)
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            shown = href.removeprefix("mailto:")
            if href and shown not in "".join(self.out[start:]):
                self.out.append(f" ({shown})")  # the address a link hides is part of what the sender said
        elif tag == "blockquote":
            self.quote = max(self.quote - 1, 0)
            self._newline()
        elif tag in _BLOCKS:
            self.pre -= tag == "pre" and self.pre > 0
            self._newline()

    def handle_data(self, data):
        if self.skip:
            return
        if self.pre:
            self.out.append(data.replace("\n", "\n" + "> " * self.quote))
        else:
            self.out.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """Return the readable text of an HTML email: no markup, scripts or styles; entities decoded."""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # hopelessly broken markup: keep what was read so far
        pass
    return _squeeze([line.strip() for line in "".join(parser.out).replace("\xa0", " ").split("\n")])


def _squeeze(lines: list[str]) -> str:
    """Join lines, with at most one blank line in a row and none at either end."""
    text = "\n".join(line.rstrip() for line in lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# A line that introduces the quoted message: "On <date>, <name> wrote:" and its translations (a date in it).
_ATTRIBUTION = re.compile(
    r"^\s*(?=.*\d).{0,300}\b(wrote|kirjoitti|skrev|escribió|schrieb|a\s+écrit|schreef|ha\s+scritto)\b.{0,300}:\s*$",
    re.IGNORECASE,
)
# Outlook and webmail separators: "-----Original Message-----" in the languages we serve, and a line of underscores.
_SEPARATOR = re.compile(
    r"""^\s*(
        -{2,}\s*(original\s+message|alkuperäinen\s+viesti|ursprungligt\s+meddelande|opprinnelig\s+melding
                 |original\s+melding|mensaje\s+original|ursprüngliche\s+nachricht|forwarded\s+message
                 |välitetty\s+viesti|vidarebefordrat\s+meddelande|videresendt\s+melding|mensaje\s+reenviado)\s*-{2,}
      | _{20,}
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
# An Outlook header block: "From:" followed within a few lines by "Sent:"/"Date:" (and their translations).
_HEADER_FROM = re.compile(r"^\s*\*?(from|lähettäjä|från|fra|de|von)\s*:\*?\s+\S", re.IGNORECASE)
_HEADER_SENT = re.compile(
    r"^\s*\*?(sent|date|lähetetty|päivämäärä|skickat|datum|sendt|dato|enviado|fecha|gesendet)\s*:\*?\s", re.IGNORECASE
)


def _starts_quote(lines: list[str], i: int) -> bool:
    line = lines[i]
    if _SEPARATOR.match(line) or _ATTRIBUTION.match(line):
        return True
    # Clients wrap a long attribution over two lines ("On Tue, ... Aku Agent <aku@x>\nwrote:").
    if i + 1 < len(lines) and _ATTRIBUTION.match(f"{line} {lines[i + 1]}") and not line.startswith(">"):
        return bool(re.match(r"^\s*(on|am|el|den|le)\b", line, re.IGNORECASE))
    if _HEADER_FROM.match(line):
        return any(_HEADER_SENT.match(following) for following in lines[i + 1 : i + 5])
    return False


def strip_quoted(text: str) -> str:
    """Return the new part of a reply: without the quoted earlier messages, the quote's introduction and the
    signature after "-- ". When nothing would be left (a message that is all quote), return the text unchanged.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        if line.rstrip() == "--":
            break  # the RFC 3676 signature delimiter
        if _starts_quote(lines, i):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    new = _squeeze(kept)
    return new or text.strip()
