"""Attachment rules and the upload box, shared by every module that takes files.

Staff set the rules once, in portal settings (largest file, allowed types). A module reads them with
`attachment_rules()`, gives its form the box with `attachments_field(rules)`, and its service checks each file
with `portico.core.attachments.validate_upload(upload, max_bytes=rules.max_bytes, allowed_types=rules.types)`.
The portal app installs `rules_provider` (core and the domain apps never import the portal); without it, the
defaults hold: 10 MB, every type the catalogue knows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext_lazy as _

from portico.core.attachments import KINDS

MAX_FILES = 10  # attachments on one message or record
DEFAULT_MAX_MB = 10

# Returns (largest file in MB, chosen types; empty: every known type), read once per request at most.
rules_provider: Callable[[], tuple[int, Sequence[str]]] = lambda: (DEFAULT_MAX_MB, ())  # noqa: E731


@dataclass(frozen=True)
class AttachmentRules:
    """What a portal upload may be: its size, its types (with their file name extensions) and how many at once."""

    max_bytes: int
    max_mb: int
    types: tuple[str, ...]
    extensions: tuple[str, ...]
    max_files: int = MAX_FILES


def attachment_rules(*, max_files: int = MAX_FILES) -> AttachmentRules:
    """Return the attachment rules staff set (portal settings: cached, no query in a request that read them)."""
    max_mb, chosen = rules_provider()
    types = tuple(t for t in chosen if t in KINDS) if chosen else tuple(KINDS)
    return AttachmentRules(
        max_bytes=max_mb * 1024 * 1024,
        max_mb=max_mb,
        types=types,
        extensions=tuple(sorted({ext for key in types for ext in KINDS[key].extensions})),
        max_files=max_files,
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one box; each is checked by the service (size, type, content)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files if f]


def attachments_field(rules: AttachmentRules) -> MultipleFileField:
    """An optional box for several files; its `accept` and help text follow the rules."""
    return MultipleFileField(
        label=_("Attachments"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ",".join(f".{e}" for e in rules.extensions)}),
        help_text=_("Up to %(count)d files, each at most %(size)d MB: %(types)s.")
        % {"count": rules.max_files, "size": rules.max_mb, "types": ", ".join(rules.extensions)},
    )
