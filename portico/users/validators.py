"""Password rules after NIST SP 800-63B: long passphrases welcome, no composition rules."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

PRODUCT_WORDS = {"portico", "portal", "password", "salasana", "losenord", "passord", "contraseña"}


class MaximumLengthValidator:
    """Refuse absurdly long passwords, which only cost hashing time."""

    def __init__(self, max_length: int = 256):
        self.max_length = max_length

    def validate(self, password, user=None):
        if len(password) > self.max_length:
            raise ValidationError(
                ngettext(
                    "This password is too long. It must contain at most %(max)d character.",
                    "This password is too long. It must contain at most %(max)d characters.",
                    self.max_length,
                ),
                code="password_too_long",
                params={"max": self.max_length},
            )

    def get_help_text(self):
        return _("Your password can be a long passphrase of up to %(max)d characters.") % {"max": self.max_length}


class ProductWordsValidator:
    """Refuse passwords that are just the product's name or the word "password" with small changes."""

    def validate(self, password, user=None):
        core = "".join(ch for ch in password.lower() if ch.isalpha())
        if core in PRODUCT_WORDS:
            raise ValidationError(_("This password is too easy to guess."), code="password_context")

    def get_help_text(self):
        return _("Your password cannot be the name of this service or a word like “password”.")
