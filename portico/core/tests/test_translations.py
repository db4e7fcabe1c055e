"""The Finnish, Swedish, Norwegian Bokmål and Spanish catalogs are complete, compiled and in use.

The .po files are read with a small reader below (standard library only). The compiled .mo files are
committed because msgfmt is not on every machine the project runs on, so a test checks that each .mo
holds exactly what its .po says: a .po edited without recompiling fails here.
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

LANGUAGES = ("fi", "sv", "nb", "es")
CONTEXT_SEPARATOR = "\x04"  # how gettext joins msgctxt and msgid in a compiled catalog


def locale_dir() -> Path:
    return Path(settings.LOCALE_PATHS[0])


def po_path(lang: str) -> Path:
    return locale_dir() / lang / "LC_MESSAGES" / "django.po"


def mo_path(lang: str) -> Path:
    return locale_dir() / lang / "LC_MESSAGES" / "django.mo"


# ---------------------------------------------------------------- a small PO reader


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: str = ""
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def key(self) -> str:
        """The msgid as a compiled catalog stores it (context first, when there is one)."""
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}{CONTEXT_SEPARATOR}{self.msgid}"

    @property
    def translations(self) -> list[str]:
        if self.msgid_plural is None:
            return [self.msgstr]
        return [self.msgstr_plural[i] for i in sorted(self.msgstr_plural)]

    def __str__(self) -> str:
        context = f" (context {self.msgctxt!r})" if self.msgctxt is not None else ""
        return f"line {self.line}: {self.msgid!r}{context}"


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')


def _unquote(text: str, where: str) -> str:
    text = text.strip()
    if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
        raise ValueError(f"{where}: expected a quoted string, got {text!r}")
    out, chars, i = [], text[1:-1], 0
    while i < len(chars):
        char = chars[i]
        if char == "\\":
            escaped = chars[i + 1 : i + 2]
            if escaped not in _ESCAPES:
                raise ValueError(f"{where}: unknown escape \\{escaped}")
            out.append(_ESCAPES[escaped])
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def read_po(path: Path) -> list[Entry]:
    """Return the entries of a .po file, header first; obsolete (#~) entries are left out."""
    entries: list[Entry] = []
    entry: Entry | None = None
    current: tuple[str, int | None] | None = None  # the keyword that continuation lines extend

    def finish():
        nonlocal entry, current
        if entry is not None:
            entries.append(entry)
        entry, current = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        where = f"{path}:{number}"
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue  # obsolete entry
        if line.startswith("#"):
            if entry is not None and current is not None:
                finish()  # a comment after the strings starts the next entry
            if entry is None:
                entry = Entry(line=number)
            if line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        if line.startswith('"'):
            if entry is None or current is None:
                raise ValueError(f"{where}: continuation line outside an entry")
            keyword, index = current
            value = _unquote(line, where)
            if keyword == "msgstr" and index is not None:
                entry.msgstr_plural[index] += value
            else:
                setattr(entry, keyword, getattr(entry, keyword) + value)
            continue
        match = _KEYWORD.match(line)
        if match is None:
            raise ValueError(f"{where}: cannot read {raw!r}")
        keyword, index, value = match.group(1), match.group(2), _unquote(match.group(3), where)
        if keyword in ("msgctxt", "msgid") and entry is not None and current is not None and current[0] == "msgstr":
            finish()  # entries not separated by a blank line
        if entry is None:
            entry = Entry(line=number)
        if index is not None:
            entry.msgstr_plural[int(index)] = value
            current = ("msgstr", int(index))
        else:
            setattr(entry, keyword, value)
            current = (keyword, None)
    finish()
    return entries


def header(entries: list[Entry]) -> dict[str, str]:
    head = next(e for e in entries if e.is_header)
    pairs = (line.split(":", 1) for line in head.msgstr.splitlines() if ":" in line)
    return {name.strip(): value.strip() for name, value in pairs}


def messages(entries: list[Entry]) -> list[Entry]:
    return [e for e in entries if not e.is_header]


def nplurals(entries: list[Entry]) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", header(entries).get("Plural-Forms", ""))
    assert match, "the catalog has no Plural-Forms header"
    return int(match.group(1))


PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%%")


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


# ---------------------------------------------------------------- the reader itself


def test_reader_handles_context_plurals_flags_and_continuations(tmp_path):
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: fi\\n"\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
        '#: a.py:1\n#, fuzzy, python-format\nmsgctxt "button"\nmsgid ""\n"Long %(n)s "\n"text"\nmsgstr "Pitkä"\n\n'
        'msgid "one \\"x\\""\nmsgid_plural "many"\nmsgstr[0] "yksi"\nmsgstr[1] ""\n"monta"\n\n'
        '#~ msgid "old"\n#~ msgstr "vanha"\n',
        encoding="utf-8",
    )
    entries = read_po(po)
    assert header(entries)["Language"] == "fi"
    first, second = messages(entries)
    assert (first.msgctxt, first.msgid, first.msgstr) == ("button", "Long %(n)s text", "Pitkä")
    assert first.flags == {"fuzzy", "python-format"}
    assert first.key == "button\x04Long %(n)s text"
    assert (second.msgid, second.msgid_plural, second.translations) == ('one "x"', "many", ["yksi", "monta"])
    assert nplurals(entries) == 2


# ---------------------------------------------------------------- the catalogs


def test_every_product_language_has_a_catalog():
    configured = {code for code, _name in settings.LANGUAGES} - {"en"}
    assert configured == set(LANGUAGES)
    for lang in LANGUAGES:
        assert po_path(lang).is_file(), f"missing {po_path(lang)}"
        assert mo_path(lang).is_file(), f"missing {mo_path(lang)}: run compilemessages and commit the .mo"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_header(lang):
    entries = read_po(po_path(lang))
    head = next(e for e in entries if e.is_header)
    assert "fuzzy" not in head.flags, "a fuzzy header is ignored by msgfmt"
    fields = header(entries)
    assert fields.get("Language") == lang
    assert "charset=UTF-8" in fields.get("Content-Type", "")
    assert fields.get("Plural-Forms", "").replace(" ", "") == "nplurals=2;plural=(n!=1);"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_untranslated_or_fuzzy_entry(lang):
    entries = read_po(po_path(lang))
    forms = nplurals(entries)
    assert messages(entries), "the catalog is empty"
    fuzzy = [str(e) for e in messages(entries) if "fuzzy" in e.flags]
    untranslated = [str(e) for e in messages(entries) if not all(s.strip() for s in e.translations)]
    wrong_forms = [str(e) for e in messages(entries) if e.msgid_plural is not None and len(e.translations) != forms]
    assert not fuzzy, f"fuzzy in {lang}: {fuzzy}"
    assert not untranslated, f"untranslated in {lang}: {untranslated}"
    assert not wrong_forms, f"plural entries without {forms} forms in {lang}: {wrong_forms}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_are_kept(lang):
    wrong = []
    for entry in messages(read_po(po_path(lang))):
        sources = [entry.msgid] if entry.msgid_plural is None else [entry.msgid, entry.msgid_plural]
        expected = {tuple(placeholders(s)) for s in sources}
        for text in entry.translations:
            if tuple(placeholders(text)) not in expected:
                wrong.append(f"{entry}: {text!r}")
    assert not wrong, f"placeholders changed in {lang}: {wrong}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_committed_mo_matches_po(lang):
    entries = read_po(po_path(lang))
    with mo_path(lang).open("rb") as fp:
        compiled = gettext.GNUTranslations(fp)
    catalog = compiled._catalog  # the parsed .mo: {msgid: str} and {(msgid, form): str}
    stale = []
    for entry in messages(entries):
        if entry.msgid_plural is None:
            if catalog.get(entry.key) != entry.msgstr:
                stale.append(str(entry))
        else:
            got = [catalog.get((entry.key, i)) for i in range(len(entry.translations))]
            if got != entry.translations:
                stale.append(str(entry))
    expected_keys = {e.key for e in messages(entries)} | {""}
    compiled_keys = {key if isinstance(key, str) else key[0] for key in catalog}
    extra = sorted(compiled_keys - expected_keys)
    assert not stale, f"{mo_path(lang)} is older than its .po; run compilemessages. Differs: {stale}"
    assert not extra, f"{mo_path(lang)} holds messages its .po no longer has; run compilemessages: {extra}"
    assert compiled.info().get("plural-forms", "").replace(" ", "") == "nplurals=2;plural=(n!=1);"


# ---------------------------------------------------------------- at run time

EXPECTED = {
    "fi": {
        "Sign in": "Kirjaudu sisään",
        "Sign out": "Kirjaudu ulos",
        "My details": "Omat tiedot",
        "My company": "Yritykseni",
    },
    "sv": {"Sign in": "Logga in", "Sign out": "Logga ut", "My details": "Mina uppgifter", "My company": "Mitt företag"},
    "nb": {"Sign in": "Logg inn", "Sign out": "Logg ut", "My details": "Mine opplysninger", "My company": "Mitt firma"},
    "es": {
        "Sign in": "Iniciar sesión",
        "Sign out": "Cerrar sesión",
        "My details": "Mis datos",
        "My company": "Mi empresa",
    },
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_activating_a_language_translates(lang):
    with translation.override(lang):
        assert translation.get_language() == lang
        for english, translated in EXPECTED[lang].items():
            assert translation.gettext(english) == translated
            assert translated != english
        two = translation.ngettext("%(count)d invitation sent.", "%(count)d invitations sent.", 2) % {"count": 2}
        assert two.startswith("2 ") and two != "2 invitations sent."
    with translation.override("en"):
        assert translation.gettext("Sign in") == "Sign in"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_po_entry_is_served_at_run_time(lang):
    """What Django serves with the language active is what the .po says (no other catalog overrides it)."""
    entries = messages(read_po(po_path(lang)))
    with translation.override(lang):
        for entry in entries:
            if entry.msgid_plural is not None:
                continue
            if entry.msgctxt is None:
                served = translation.gettext(entry.msgid)
            else:
                served = translation.pgettext(entry.msgctxt, entry.msgid)
            assert served == entry.msgstr, f"{lang} {entry}: served {served!r}"
