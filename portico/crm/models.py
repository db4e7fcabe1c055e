"""CRM core: accounts (companies) and their contacts (people)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from portico.core.validators import single_line

phone_validator = RegexValidator(
    r"^\+?[0-9 ()./-]{3,40}$", _("Enter a phone number using digits, spaces and + ( ) - . / only.")
)


class CrmRecord(models.Model):
    """Fields every CRM record has: the responsible staff user and timestamps."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_%(class)ss",
        limit_choices_to={"is_staff": True},
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class Account(CrmRecord):
    """A company the business deals with; may be a subsidiary of another account."""

    name = models.CharField(_("name"), max_length=200, validators=[single_line])
    business_id = models.CharField(_("business ID"), max_length=40, blank=True, validators=[single_line])
    vat_number = models.CharField(_("VAT number"), max_length=40, blank=True, validators=[single_line])
    country = CountryField(_("country"), blank=True)
    street_address = models.CharField(_("street address"), max_length=200, blank=True, validators=[single_line])
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True, validators=[single_line])
    city = models.CharField(_("city"), max_length=100, blank=True, validators=[single_line])
    phone = models.CharField(_("phone"), max_length=40, blank=True, validators=[phone_validator])
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subsidiaries",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta(CrmRecord.Meta):
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["name"]),
            models.Index(fields=["business_id"]),
            models.Index(fields=["country", "name"]),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        ancestor, seen = self.parent, set()
        while ancestor is not None:
            if ancestor.pk == self.pk or ancestor.pk in seen:
                raise ValidationError({"parent": _("An account cannot be its own parent or ancestor.")})
            seen.add(ancestor.pk)
            ancestor = ancestor.parent


class Contact(CrmRecord):
    """A person at an account. A person in several companies has one contact per company."""

    first_name = models.CharField(_("first name"), max_length=100, validators=[single_line])
    last_name = models.CharField(_("last name"), max_length=100, validators=[single_line])
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True, validators=[phone_validator])
    mobile = models.CharField(_("mobile"), max_length=40, blank=True, validators=[phone_validator])
    job_title = models.CharField(_("job title"), max_length=120, blank=True, validators=[single_line])
    department = models.CharField(_("department"), max_length=120, blank=True, validators=[single_line])
    language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    email_opt_out = models.BooleanField(_("email opt-out"), default=False)
    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="contacts")

    class Meta(CrmRecord.Meta):
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["last_name", "first_name"]),
            models.Index(Lower("email"), name="crm_contact_email_ci"),
            models.Index(fields=["account", "last_name"]),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
