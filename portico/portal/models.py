"""Portal settings kept by staff: branding, modules, the announcement and the email templates."""

from __future__ import annotations

import hashlib
import re
import uuid
from pathlib import PurePath

from asgiref.local import Local
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator, RegexValidator
from django.db import DatabaseError, models, transaction
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portico.access.principal import ModuleConfig
from portico.access.registry import grantable_modules
from portico.core.attachments import KINDS
from portico.core.validators import single_line

# --- Branding images --------------------------------------------------------------------------------------

MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_IMAGE_PIXELS = 25_000_000  # e.g. 5000 × 5000; larger images are refused before they are decoded
IMAGE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
IMAGE_EXTENSIONS = ["png", "jpg", "jpeg", "webp"]
CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}
NOT_AN_IMAGE = _("Upload a PNG, JPEG or WebP image. This file is not one (SVG and other formats are not accepted).")


def _too_large(size: int) -> ValidationError:
    return ValidationError(
        _("The image is too large (%(size)s MB). The limit is %(limit)s MB."),
        code="too_large",
        params={"size": f"{size / 1024 / 1024:.1f}", "limit": MAX_IMAGE_BYTES // 1024 // 1024},
    )


def check_image(file) -> None:
    """Refuse a branding image that is too large, too many pixels, or not a PNG, JPEG or WebP picture."""
    from PIL import Image

    if file.size is not None and file.size > MAX_IMAGE_BYTES:
        raise _too_large(file.size)
    try:
        file.seek(0)
        with Image.open(file) as image:
            kind, (width, height) = image.format, image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ValidationError(_("The image has too many pixels; use one under 5000 × 5000."), code="pixels")
            image.verify()
    except ValidationError:
        raise
    except Exception:  # Pillow raises many kinds of errors for files that are not images
        raise ValidationError(NOT_AN_IMAGE, code="invalid_image") from None
    finally:
        file.seek(0)
    if kind not in IMAGE_FORMATS:
        raise ValidationError(NOT_AN_IMAGE, code="invalid_image")


def validate_branding_image(value) -> None:
    """Model validator: check a newly uploaded branding image (files already stored were checked on upload)."""
    if value and not getattr(value, "_committed", True):
        check_image(value.file)


class BrandingImageFormField(forms.ImageField):
    """An image upload that accepts only PNG, JPEG and WebP up to 2 MB, with clear messages."""

    default_validators = [FileExtensionValidator(IMAGE_EXTENSIONS, message=NOT_AN_IMAGE)]
    default_error_messages = {"invalid_image": NOT_AN_IMAGE}

    def to_python(self, data):
        if data in self.empty_values:
            return None
        check_image(data)
        return super().to_python(data)


class BrandingImageField(models.ImageField):
    """An image field for public branding, validated on upload, stored under branding/ with a random name."""

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": BrandingImageFormField, **kwargs})


def branding_path(instance, filename: str) -> str:
    """Store uploads under a random name: the visitor's file name never reaches the storage or a URL."""
    suffix = PurePath(filename).suffix.lower()
    return f"branding/{uuid.uuid4().hex}{suffix if suffix.lstrip('.') in IMAGE_EXTENSIONS else ''}"


# --- Brand colour -----------------------------------------------------------------------------------------

PAGE_BACKGROUND = "#f6f7f9"  # the portal's light page background, where links take the brand colour
MIN_CONTRAST = 4.5  # WCAG 2.2 AA for normal text


def _luminance(colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(colour[i : i + 2], 16) / 255) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    """Return the WCAG contrast ratio of two #rrggbb colours (1 to 21)."""
    low, high = sorted((_luminance(first), _luminance(second)))
    return (high + 0.05) / (low + 0.05)


def validate_brand_colour(value: str) -> None:
    """Refuse a colour on which white text, or in which a link on the page background, is hard to read."""
    if not HEX_COLOUR.fullmatch(value or ""):
        return  # the format's own validator says what is wrong
    ratio = min(contrast(value, "#ffffff"), contrast(value, PAGE_BACKGROUND))
    if ratio < MIN_CONTRAST:
        raise ValidationError(
            _(
                "Choose a darker colour: white text on it and links in it need a contrast ratio of at least "
                "4.5:1, and this colour gives %(ratio)s:1."
            ),
            code="contrast",
            params={"ratio": f"{ratio:.1f}"},
        )


HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}\Z", _("Enter a colour as #rrggbb, for example #0b5cad."))


# --- Text per language ------------------------------------------------------------------------------------


def validate_per_language(value) -> None:
    """A {language code: text} mapping over the portal's languages."""
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ValidationError(_("Enter a text per language."), code="per_language")
    unknown = set(value) - set(dict(settings.LANGUAGES))
    if unknown:
        raise ValidationError(_("Unknown language: %(codes)s"), params={"codes": ", ".join(sorted(unknown))})


def in_language(texts: dict, language: str | None = None) -> str:
    """The text for a language (the active one by default); blank when there is none."""
    return (texts or {}).get(language or get_language() or settings.LANGUAGE_CODE, "").strip()


# --- The settings, cached ---------------------------------------------------------------------------------

CACHE_KEY = "portico:portal-settings:v2"  # v2: attachment rules; a new shape gets a new key
OLD_CACHE_KEYS = ("portico:portal-settings:v1",)  # earlier shapes: forgotten after migrations (see forget_cached)
_request = Local()  # the settings loaded for the request in progress, so a page reads the cache once


def begin_request(**kwargs) -> None:
    _request.snapshot = None
    _request.active = True


def end_request(**kwargs) -> None:
    _request.snapshot = None
    _request.active = False


def _load_snapshot() -> dict:
    """Read the settings from the cache, or from the database into the cache.

    The cache holds plain values (no pickled model instances), so a deploy that changes the models never
    meets an object of an older shape.
    """
    cached = cache.get(CACHE_KEY)
    if cached is None:
        row = PortalSettings.objects.filter(pk=PortalSettings.SINGLETON).first()
        cached = {
            "settings": _plain_values(row) if row else {},
            "modules": {m.key: (m.enabled, m.order, dict(m.labels or {})) for m in ModuleSetting.objects.all()},
        }
        cache.set(CACHE_KEY, cached, None)
    last = _built.get("last")
    if last is not None and last[0] == cached:
        return last[1]  # the same values as last time: the objects built from them, read-only, are reused
    names = {f.attname for f in PortalSettings._meta.concrete_fields}
    portal_settings = PortalSettings(**{k: v for k, v in cached["settings"].items() if k in names})
    portal_settings._state.adding = not cached["settings"]
    modules = {
        key: ModuleConfig(enabled=enabled, order=order, labels=labels)
        for key, (enabled, order, labels) in cached["modules"].items()
    }
    built = {"settings": portal_settings, "modules": modules}
    _built["last"] = (cached, built)
    return built


_built: dict[str, tuple[dict, dict]] = {}  # the last values read from the cache and what was built from them


def _plain_values(row: PortalSettings) -> dict:
    values = {}
    for f in PortalSettings._meta.concrete_fields:
        value = getattr(row, f.attname)
        values[f.attname] = value.name if isinstance(value, models.fields.files.FieldFile) else value
    return values


def snapshot() -> dict:
    """Return {"settings": PortalSettings, "modules": {key: ModuleConfig}}: one cache read per request."""
    if not getattr(_request, "active", False):
        return _load_snapshot()
    if getattr(_request, "snapshot", None) is None:
        _request.snapshot = _load_snapshot()
    return _request.snapshot


def attachment_rules() -> tuple[int, list[str]]:
    """The attachment rules staff set: (largest file in MB, chosen types), for `portico.core.uploads`."""
    portal_settings = PortalSettings.load()
    return portal_settings.attachment_max_mb, list(portal_settings.attachment_types or [])


def module_config() -> dict[str, ModuleConfig]:
    """How portal settings present each module; the access engine reads it through its provider hook."""
    return snapshot()["modules"]


def invalidate(**kwargs) -> None:
    """Forget the cached settings now and again when the transaction commits (a reader may have refilled it)."""
    _request.snapshot = None
    cache.delete(CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))


def forget_cached(**kwargs) -> None:
    """After migrations: forget every cached shape of the settings (a migration may have changed the rows, and a
    rollback must not find an old shape). Before the database cache has its table, there is nothing to forget."""
    try:
        cache.delete_many([CACHE_KEY, *OLD_CACHE_KEYS])
    except DatabaseError:
        pass


class PortalSettings(models.Model):
    """The portal's settings, one row: name, logo, colour, sign-in background, announcement, banner lead time and
    the attachment rules every portal module follows.
    """

    SINGLETON = 1

    portal_name = models.CharField(
        _("portal name"),
        max_length=80,
        blank=True,
        validators=[single_line],
        help_text=_("Shown in the header, the browser tab and emails. Blank: the installation's default name."),
    )
    logo = BrandingImageField(
        _("logo"),
        upload_to=branding_path,
        blank=True,
        validators=[validate_branding_image],
        help_text=_("PNG, JPEG or WebP, at most 2 MB; shown in the header, about 40 pixels high. Public."),
    )
    login_background = BrandingImageField(
        _("sign-in background image"),
        upload_to=branding_path,
        blank=True,
        validators=[validate_branding_image],
        help_text=_("PNG, JPEG or WebP, at most 2 MB; fills the sign-in page behind the form. Public."),
    )
    brand_colour = models.CharField(
        _("brand colour"),
        max_length=7,
        blank=True,
        validators=[hex_colour, validate_brand_colour],
        help_text=_(
            "#rrggbb, used for buttons, links and the current menu entry. It must be dark enough for white text "
            "(contrast at least 4.5:1). Blank: the built-in blue."
        ),
    )
    announcement = models.JSONField(
        _("announcement"),
        default=dict,
        blank=True,
        validators=[validate_per_language],
        help_text=_("Plain text shown on every portal user's start page, per language."),
    )
    access_ending_banner_days = models.PositiveSmallIntegerField(
        _("banner before access ends (days)"),
        default=30,
        validators=[MinValueValidator(0), MaxValueValidator(365)],
        help_text=_("A portal user sees a banner this many days before their access ends. 0: no banner."),
    )
    attachment_max_mb = models.PositiveSmallIntegerField(
        _("largest attachment (MB)"), default=10, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    attachment_types = models.JSONField(
        _("allowed attachment types"),
        default=list,
        blank=True,
        help_text=_("None chosen: every type the attachment catalogue knows."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("portal settings")
        verbose_name_plural = _("portal settings")

    def __str__(self) -> str:
        return str(_("Portal settings"))

    def save(self, *args, **kwargs):
        self.pk = self.SINGLETON
        old = PortalSettings.objects.filter(pk=self.pk).values("logo", "login_background").first() or {}
        super().save(*args, **kwargs)
        replaced = [
            old[name]
            for name in ("logo", "login_background")
            if old.get(name) not in ("", None, getattr(self, name).name)
        ]
        if replaced:
            storage = self.logo.storage
            transaction.on_commit(lambda: [storage.delete(name) for name in replaced])

    def clean(self):
        unknown = [t for t in self.attachment_types or [] if t not in KINDS]
        if not isinstance(self.attachment_types, list) or unknown:
            raise ValidationError({"attachment_types": _("Choose attachment types from the list.")})

    @classmethod
    def load(cls) -> PortalSettings:
        """Return the settings (unsaved defaults before staff first save them), cached."""
        return snapshot()["settings"]

    @property
    def display_name(self) -> str:
        return self.portal_name or settings.PORTAL_NAME

    def announcement_text(self, language: str | None = None) -> str:
        """The announcement in a language (the active one by default), else the default language's."""
        return in_language(self.announcement, language) or in_language(self.announcement, settings.LANGUAGE_CODE)

    def image_url(self, kind: str) -> str:
        """The public URL of a branding image, versioned so browsers may cache it for a year."""
        image = getattr(self, BRANDING_FIELDS[kind])
        if not image:
            return ""
        version = hashlib.sha256(image.name.encode()).hexdigest()[:12]  # each upload gets a new random name
        return f"{reverse('portal:branding', kwargs={'kind': kind})}?v={version}"

    @property
    def css_brand_colour(self) -> str:
        """The brand colour for the style sheet: only a well-formed #rrggbb ever reaches the CSS."""
        return self.brand_colour if HEX_COLOUR.fullmatch(self.brand_colour or "") else ""

    @property
    def logo_url(self) -> str:
        return self.image_url("logo")

    @property
    def background_url(self) -> str:
        return self.image_url("background")


BRANDING_FIELDS = {"logo": "logo", "background": "login_background"}


class ModuleSetting(models.Model):
    """One portal module in portal settings: on or off for everyone, its menu position and label per language."""

    portal_settings = models.ForeignKey(
        PortalSettings, on_delete=models.CASCADE, related_name="modules", default=PortalSettings.SINGLETON
    )
    key = models.CharField(_("module"), max_length=60, unique=True)
    enabled = models.BooleanField(
        _("on"), default=True, help_text=_("Off: the module does not exist for anyone, whatever the profiles say.")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=100, help_text=_("Lower numbers come first."))
    labels = models.JSONField(_("labels"), default=dict, blank=True, validators=[validate_per_language])

    class Meta:
        verbose_name = _("portal module")
        verbose_name_plural = _("portal modules")
        ordering = ["order", "key"]

    def __str__(self) -> str:
        module = self.module
        return str(module.label) if module else self.key

    @property
    def module(self):
        return next((m for m in grantable_modules() if m.key == self.key), None)


class ExternalLink(models.Model):
    """A link to another site shown on the dashboard, to every portal user or to chosen profiles only."""

    portal_settings = models.ForeignKey(
        PortalSettings, on_delete=models.CASCADE, related_name="links", default=PortalSettings.SINGLETON
    )
    title = models.CharField(_("title"), max_length=100, validators=[single_line])
    url = models.URLField(_("URL"), max_length=500)
    profiles = models.ManyToManyField(
        "access.PortalProfile",
        verbose_name=_("profiles"),
        blank=True,
        help_text=_("Show the link to contacts with these profiles only. None chosen: everyone."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=100, help_text=_("Lower numbers come first."))

    class Meta:
        verbose_name = _("external link")
        verbose_name_plural = _("external links")
        ordering = ["order", "title"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        PortalSettings.objects.get_or_create(pk=PortalSettings.SINGLETON)  # links hang off the settings row
        super().save(*args, **kwargs)

    @classmethod
    def for_profile(cls, profile):
        """Return the links a contact with a profile sees, in order (one query)."""
        return cls.objects.filter(models.Q(profiles=None) | models.Q(profiles=profile)).distinct()


# --- Email templates --------------------------------------------------------------------------------------


class EmailKind(models.TextChoices):
    INVITATION = "invitation", _("Invitation")
    PASSWORD_RESET = "password_reset", _("Password reset")
    ACCESS_ENDING = "access_ending", _("Access ending reminder")


COMMON_PLACEHOLDERS = ("first_name", "last_name", "email", "company", "portal_name")
PLACEHOLDERS = {
    EmailKind.INVITATION: (*COMMON_PLACEHOLDERS, "link", "valid_hours", "portal_end"),
    EmailKind.PASSWORD_RESET: (*COMMON_PLACEHOLDERS, "link", "valid_hours"),
    EmailKind.ACCESS_ENDING: (*COMMON_PLACEHOLDERS, "link", "portal_end", "days_left"),
}
PLACEHOLDER_HELP = _(
    "Plain text. Placeholders in braces are filled in for each recipient: {first_name}, {last_name}, {email}, "
    "{company}, {portal_name} in every email; {link} (the invitation, password reset or sign-in link); "
    "{valid_hours} (how long the invitation or reset link works); {portal_end} (the date access ends) and "
    "{days_left} (access-ending reminder). Anything else in braces is refused."
)
PLACEHOLDER = re.compile(r"\{(\w+)\}")
BRACED = re.compile(r"\{([^{}]*)\}")


def fill_placeholders(text: str, values: dict[str, str]) -> str:
    """Replace {name} with values[name]; every other brace (unknown names, {0}, {a.b}, lone braces) stays as is.

    A single regular-expression pass rather than str.format: no attribute or index lookups, no format
    specifications, no exception on unbalanced braces, and a value is never expanded again.
    """
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)


class EmailTemplate(models.Model):
    """A staff-written email in one language; it replaces the built-in email of its kind in that language."""

    portal_settings = models.ForeignKey(
        PortalSettings, on_delete=models.CASCADE, related_name="email_templates", default=PortalSettings.SINGLETON
    )
    kind = models.CharField(_("email"), max_length=30, choices=EmailKind.choices)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    subject = models.CharField(
        _("subject"),
        max_length=200,
        validators=[single_line],
        help_text=_("One line; the same placeholders as the body."),
    )
    body = models.TextField(_("body"), help_text=PLACEHOLDER_HELP)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("email template")
        verbose_name_plural = _("email templates")
        ordering = ["kind", "language"]
        constraints = [models.UniqueConstraint(fields=["kind", "language"], name="portal_email_template_kind_language")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.language})"

    def clean(self):
        allowed = set(PLACEHOLDERS.get(self.kind, ()))
        errors = {}
        for name in ("subject", "body"):
            unknown = sorted({m for m in BRACED.findall(getattr(self, name) or "") if m not in allowed})
            if unknown:
                errors[name] = ValidationError(
                    _("Unknown placeholder: %(names)s. This email can use: %(allowed)s."),
                    params={
                        "names": ", ".join(f"{{{n}}}" for n in unknown),
                        "allowed": ", ".join(f"{{{n}}}" for n in PLACEHOLDERS.get(self.kind, ())),
                    },
                )
        if errors:
            raise ValidationError(errors)

    def render(self, values: dict[str, str]) -> tuple[str, str]:
        """Return the subject (one line) and the plain-text body with the placeholders filled."""
        subject = " ".join(fill_placeholders(self.subject, values).split())
        return subject, fill_placeholders(self.body, values)
