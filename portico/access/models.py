"""Portal access per contact and the staff-defined portal profiles."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portico.crm.models import Contact


class Scope(models.TextChoices):
    """Which records of a module a profile reaches."""

    OWN = "own", _("Own records")
    COMPANY = "company", _("Company")
    COMPANY_AND_SUBSIDIARIES = "company_tree", _("Company and subsidiaries")


class FieldMode(models.TextChoices):
    """What a profile may do with one field of a module."""

    HIDDEN = "hidden", _("Hidden")
    READ = "read", _("Read-only")
    EDIT = "edit", _("Editable")


class PortalProfile(models.Model):
    """A named set of grants: per portal module view/create/edit/actions, record scope and field modes."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    grants = models.JSONField(_("grants"), default=dict, blank=True)
    assignable_by_company_admin = models.BooleanField(
        _("company admins may hand out"),
        default=False,
        help_text=_("Company admins may give this profile to colleagues at their own company."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("portal profile")
        verbose_name_plural = _("portal profiles")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        from portico.access.registry import validate_grants

        validate_grants(self.grants)


def default_start():
    return timezone.localdate()


def default_end():
    return timezone.localdate() + timedelta(days=365)


class PortalAccess(models.Model):
    """Whether and when a contact may use the portal, with which profile, and how it has been used."""

    contact = models.OneToOneField(
        Contact, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="portal_access"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="portal_accesses",
    )
    is_active = models.BooleanField(_("active"), default=False)
    is_company_admin = models.BooleanField(
        _("company admin"), default=False, help_text=_("May manage colleagues at the same company.")
    )
    profile = models.ForeignKey(
        PortalProfile,
        verbose_name=_("profile"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accesses",
    )
    support_start = models.DateField(_("support start date"), default=default_start, null=True, blank=True)
    portal_end = models.DateField(_("portal end date"), default=default_end, null=True, blank=True)
    invitation_sent_at = models.DateTimeField(_("invitation sent"), null=True, blank=True, editable=False)
    invitation_accepted_at = models.DateTimeField(_("invitation accepted"), null=True, blank=True, editable=False)
    last_login_at = models.DateTimeField(_("last login"), null=True, blank=True, editable=False)
    login_count = models.PositiveIntegerField(_("login count"), default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("portal access")
        verbose_name_plural = _("portal access")
        permissions = [("view_portal_as", _("Can view the portal as a contact"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(portal_end__gte=models.F("support_start"))
                | models.Q(portal_end__isnull=True)
                | models.Q(support_start__isnull=True),
                name="access_portal_end_after_start",
            ),
        ]
        indexes = [models.Index(fields=["is_active", "portal_end"])]

    def __str__(self) -> str:
        return str(self.contact)

    def clean(self):
        errors = {}
        if self.support_start and self.portal_end and self.portal_end < self.support_start:
            errors["portal_end"] = _("The portal end date cannot be before the support start date.")
        if self.is_active:
            if not self.profile_id:
                errors["profile"] = _("Choose a portal profile to activate portal access.")
            if not self.support_start:
                errors["support_start"] = _("Give a support start date to activate portal access.")
            if not self.portal_end:
                errors["portal_end"] = _("Give a portal end date to activate portal access.")
            if not self.contact.email:
                errors["is_active"] = _("The contact needs a valid email address to get portal access.")
            elif self._email_is_staff_login():
                errors["is_active"] = _("This email address belongs to a staff login, which cannot get portal access.")
        if errors:
            raise ValidationError(errors)

    def _email_is_staff_login(self) -> bool:
        from django.contrib.auth import get_user_model

        staff = models.Q(is_staff=True) | models.Q(is_superuser=True)
        return get_user_model().objects.filter(staff, email__iexact=self.contact.email).exists()


class AccessReminder(models.Model):
    """An email sent before portal access ends: at most one per access, lead time and portal end date."""

    class Lead(models.IntegerChoices):
        MONTH = 30, _("30 days before")
        WEEK = 7, _("7 days before")

    access = models.ForeignKey(
        PortalAccess, verbose_name=_("portal access"), on_delete=models.CASCADE, related_name="reminders"
    )
    days_before = models.PositiveSmallIntegerField(_("days before"), choices=Lead.choices)
    portal_end = models.DateField(_("for portal end date"))
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("access-ending reminder")
        verbose_name_plural = _("access-ending reminders")
        constraints = [
            models.UniqueConstraint(fields=["access", "days_before", "portal_end"], name="access_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.access} ({self.days_before}, {self.portal_end})"
