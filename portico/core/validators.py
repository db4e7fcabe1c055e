"""Validators shared by domain models."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# Bidirectional overrides and isolates can make text display differently from what it says.
BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


@deconstructible
class SingleLineValidator:
    """Refuse line breaks, control characters and bidirectional overrides in one-line text."""

    message = _("Use a single line of plain text.")
    code = "single_line"

    def __call__(self, value):
        if any(unicodedata.category(ch) == "Cc" or ch in BIDI_CONTROLS for ch in str(value)):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other):
        return isinstance(other, SingleLineValidator)


single_line = SingleLineValidator()
