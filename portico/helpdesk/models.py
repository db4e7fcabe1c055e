"""Helpdesk: cases raised by contacts, their conversation and attachments, teams, categories, SLA, holidays and
settings.
"""

from __future__ import annotations

import zoneinfo
from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portico.core.attachments import AttachmentBase
from portico.core.validators import single_line

SUBJECT_MAX = 200
BODY_MAX = 20_000  # characters of one message: a long email, not a log file (attach those)


class Priority(models.IntegerChoices):
    """How urgent a case is; stored as a number so that lists sort from low to urgent."""

    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


class Status(models.TextChoices):
    """Where a case is in its life: closed is final."""

    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting for customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


ACTIVE_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING)  # someone still has to do something


class Source(models.TextChoices):
    """Where a case or a message came from."""

    PORTAL = "portal", _("Portal")
    EMAIL = "email", _("Email")
    STAFF = "staff", _("Staff")


def validate_labels(value) -> None:
    """A {language code: text} mapping over the installation's languages, each a single line."""
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ValidationError(_("Enter a text per language."), code="labels")
    unknown = set(value) - set(dict(settings.LANGUAGES))
    if unknown:
        raise ValidationError(_("Unknown language: %(codes)s"), params={"codes": ", ".join(sorted(unknown))})
    for text in value.values():
        single_line(text)


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(zone)s"), params={"zone": value}, code="time_zone")


def validate_weekdays(value) -> None:
    if not isinstance(value, list) or not all(isinstance(d, int) and 0 <= d <= 6 for d in value):
        raise ValidationError(_("Choose working days from Monday to Sunday."), code="weekdays")


def default_weekdays() -> list[int]:
    return [0, 1, 2, 3, 4]


def default_time_zone() -> str:
    return settings.TIME_ZONE


class Team(models.Model):
    """A group of staff users a case can be assigned to; its members are notified when it has no assignee."""

    name = models.CharField(_("name"), max_length=100, unique=True, validators=[single_line])
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("members"),
        blank=True,
        related_name="helpdesk_teams",
        limit_choices_to={"is_staff": True},
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CaseCategory(models.Model):
    """A kind of case the customer chooses from; its name is shown in the reader's language."""

    name = models.CharField(
        _("name"),
        max_length=100,
        validators=[single_line],
        help_text=_("The name in the default language; shown where no translation is given."),
    )
    labels = models.JSONField(_("translations"), default=dict, blank=True, validators=[validate_labels])
    order = models.PositiveSmallIntegerField(_("order"), default=100, help_text=_("Lower numbers come first."))
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Inactive: no longer offered."))

    class Meta:
        verbose_name = _("case category")
        verbose_name_plural = _("case categories")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.label()

    def label(self, language: str | None = None) -> str:
        """The category's name in a language (the active one by default), else its default name."""
        return (self.labels or {}).get(language or get_language() or "", "").strip() or self.name


class SlaPolicy(models.Model):
    """Service-level targets for one priority: first response and resolution, in minutes."""

    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, unique=True)
    first_response_minutes = models.PositiveIntegerField(
        _("first response within (minutes)"), validators=[MinValueValidator(1)]
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution within (minutes)"), validators=[MinValueValidator(1)]
    )
    business_hours_only = models.BooleanField(
        _("count business hours only"),
        default=True,
        help_text=_("Count only the business hours of the helpdesk settings; otherwise every hour of every day."),
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["priority"]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_response_minutes__gt=0)
                & Q(resolution_minutes__gte=models.F("first_response_minutes")),
                name="helpdesk_sla_targets_positive_and_ordered",
            ),
        ]

    def __str__(self) -> str:
        return str(Priority(self.priority).label)

    def clean(self):
        first, resolution = self.first_response_minutes, self.resolution_minutes
        if first and resolution and resolution < first:
            raise ValidationError(
                {"resolution_minutes": _("The resolution target cannot be shorter than the first-response target.")}
            )


class Holiday(models.Model):
    """A public holiday: a day off for the SLA policies that count business hours only."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=100, validators=[single_line])

    class Meta:
        verbose_name = _("public holiday")
        verbose_name_plural = _("public holidays")
        ordering = ["date"]

    def __str__(self) -> str:
        return self.name


class HelpdeskSettings(models.Model):
    """The helpdesk's settings, one row: who gets portal cases, the reopen window, business hours.

    Attachment rules are the portal's (`PortalSettings`), the same for every module.
    """

    SINGLETON = 1

    default_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("default assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"is_staff": True, "is_active": True},
        help_text=_("New cases from the portal and by email are assigned to this person."),
    )
    default_team = models.ForeignKey(
        Team,
        verbose_name=_("default team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "New cases from the portal and by email go to this team; without an assignee, its members are told."
        ),
    )
    reopen_days = models.PositiveSmallIntegerField(
        _("reopen window (days)"),
        default=7,
        validators=[MinValueValidator(0), MaxValueValidator(365)],
        help_text=_(
            "A customer may reopen a resolved case for this many days; after that it is closed for good. "
            "0: resolved cases cannot be reopened."
        ),
    )
    business_days = models.JSONField(
        _("business days"), default=default_weekdays, validators=[validate_weekdays], blank=True
    )
    business_start = models.TimeField(_("business hours start"), default=time(8, 0))
    business_end = models.TimeField(_("business hours end"), default=time(16, 0))
    time_zone = models.CharField(
        _("time zone"), max_length=64, default=default_time_zone, validators=[validate_time_zone]
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("helpdesk settings")
        verbose_name_plural = _("helpdesk settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(business_end__gt=models.F("business_start")), name="helpdesk_business_hours_ordered"
            ),
        ]

    def __str__(self) -> str:
        return str(_("Helpdesk settings"))

    def save(self, *args, **kwargs):
        self.pk = self.SINGLETON
        super().save(*args, **kwargs)

    def clean(self):
        if self.business_start and self.business_end and self.business_end <= self.business_start:
            raise ValidationError({"business_end": _("Business hours must end after they start.")})

    @classmethod
    def load(cls) -> HelpdeskSettings:
        """Return the settings row (unsaved defaults before staff first save them)."""
        return cls.objects.select_related("default_assignee", "default_team").filter(pk=cls.SINGLETON).first() or cls()

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Case(models.Model):
    """A customer's support request: numbered, prioritised, assigned, timed against the SLA and rated."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX, validators=[single_line])
    description = models.TextField(_("description"), max_length=BODY_MAX)
    category = models.ForeignKey(
        CaseCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        limit_choices_to={"is_active": True},
    )
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NEW)
    contact = models.ForeignKey(
        "crm.Contact", verbose_name=_("contact"), on_delete=models.PROTECT, related_name="cases"
    )
    account = models.ForeignKey(
        "crm.Account", verbose_name=_("account"), on_delete=models.PROTECT, related_name="cases"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
        limit_choices_to={"is_staff": True},
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.PORTAL)
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True)
    # Set while the case waits for the customer: the SLA clock stands still, and the due times move on by the
    # pause when the case leaves that status.
    sla_paused_at = models.DateTimeField(_("SLA paused since"), null=True, blank=True, editable=False)
    first_responded_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_cases",
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    rating_comment = models.TextField(_("rating comment"), blank=True, max_length=2000)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # When something the customer sees last changed (a message they may read, the status, the rating). Internal
    # notes never touch it, so neither the portal's list order nor its live updates can betray one.
    public_updated_at = models.DateTimeField(_("last update"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-public_updated_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="helpdesk_case_rating_1_to_5"
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(resolved_at__isnull=False),
                name="helpdesk_case_rated_after_resolution",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False), name="helpdesk_case_closed_has_time"
            ),
            models.CheckConstraint(
                condition=~Q(status="resolved") | Q(resolved_at__isnull=False), name="helpdesk_case_resolved_has_time"
            ),
            models.CheckConstraint(condition=Q(priority__gte=1, priority__lte=4), name="helpdesk_case_priority_known"),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in Status]), name="helpdesk_case_status_known"
            ),
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | ~Q(merged_into=models.F("pk")),
                name="helpdesk_case_not_merged_into_itself",
            ),
        ]
        indexes = [
            # The portal's lists: a company's or a contact's cases, latest update first.
            models.Index(fields=["account", "-public_updated_at"], name="helpdesk_case_account_upd"),
            models.Index(fields=["contact", "-public_updated_at"], name="helpdesk_case_contact_upd"),
            models.Index(fields=["account", "status"], name="helpdesk_case_account_status"),
            # The back-office queue: by status and priority, by assignee, and by what is due soon.
            models.Index(fields=["status", "-priority", "-created_at"], name="helpdesk_case_queue"),
            models.Index(fields=["assignee", "status"], name="helpdesk_case_assignee"),
            models.Index(fields=["first_response_due"], name="helpdesk_case_fr_due"),
            models.Index(fields=["resolution_due"], name="helpdesk_case_res_due"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_closed(self) -> bool:
        return self.status == Status.CLOSED

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def sla_paused(self) -> bool:
        """True while the SLA clock stands still because the case waits for the customer."""
        return self.sla_paused_at is not None


class MessageKind(models.TextChoices):
    """Who a message is for: the customer's messages and public replies are seen by both sides, notes by staff."""

    CUSTOMER = "customer", _("Customer message")
    REPLY = "reply", _("Public reply")
    NOTE = "note", _("Internal note")


PUBLIC_KINDS = (MessageKind.CUSTOMER, MessageKind.REPLY)


class CaseMessageQuerySet(models.QuerySet):
    def public(self):
        """Messages the customer may see: never an internal note."""
        return self.filter(kind__in=PUBLIC_KINDS)


class CaseMessage(models.Model):
    """One entry of a case's conversation: a customer message, a public staff reply or an internal note."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=10, choices=MessageKind.choices)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    author_contact = models.ForeignKey(
        "crm.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.TextField(_("message"), max_length=BODY_MAX)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.PORTAL)
    email_message_id = models.CharField(
        _("email Message-ID"), max_length=998, blank=True, help_text=_("For threading replies by email.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = CaseMessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("case message")
        verbose_name_plural = _("case messages")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in MessageKind]), name="helpdesk_message_kind_known"
            ),
            models.CheckConstraint(
                condition=~Q(kind="customer") | Q(author_contact__isnull=False),
                name="helpdesk_customer_message_has_contact",
            ),
            # The same email never becomes two messages (a replayed delivery, a retried poll).
            models.UniqueConstraint(
                fields=["email_message_id"], condition=~Q(email_message_id=""), name="helpdesk_message_email_once"
            ),
        ]
        indexes = [models.Index(fields=["case", "kind", "created_at"], name="helpdesk_message_case")]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.pk}"

    @property
    def is_internal(self) -> bool:
        return self.kind == MessageKind.NOTE


class CaseEmail(models.Model):
    """An email sent to a case's contact, by its Message-ID: the case's later emails refer to it, so mail clients
    show one conversation, and a reply that answers it (In-Reply-To, References) is found to belong to the case.
    """

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="emails")
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("case email")
        verbose_name_plural = _("case emails")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.message_id


class CaseAttachment(AttachmentBase):
    """A file attached to one message of a case."""

    message = models.ForeignKey(
        CaseMessage, verbose_name=_("message"), on_delete=models.CASCADE, related_name="attachments"
    )

    class Meta(AttachmentBase.Meta):
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["pk"]


class CaseStatusChange(models.Model):
    """One step of a case's status history: from, to, who and when."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="status_changes")
    old_status = models.CharField(_("previous status"), max_length=10, choices=Status.choices, blank=True)
    new_status = models.CharField(_("new status"), max_length=10, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_contact = models.ForeignKey(
        "crm.Contact", verbose_name=_("as contact"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status history")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["case", "created_at"], name="helpdesk_status_case")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.old_status} → {self.new_status}"


class CaseDeflection(models.Model):
    """A contact opened a suggested knowledge-base article from the new-case form.

    Linked to the case when they still submitted one; without a case the article answered the question.
    """

    contact = models.ForeignKey(
        "crm.Contact", verbose_name=_("contact"), on_delete=models.CASCADE, related_name="case_deflections"
    )
    account = models.ForeignKey(
        "crm.Account", verbose_name=_("account"), on_delete=models.CASCADE, related_name="case_deflections"
    )
    article_slug = models.SlugField(_("article"), max_length=200, allow_unicode=True)
    query = models.CharField(_("typed subject"), max_length=SUBJECT_MAX, blank=True)
    case = models.ForeignKey(
        Case, verbose_name=_("case"), null=True, blank=True, on_delete=models.SET_NULL, related_name="deflections"
    )
    created_at = models.DateTimeField(_("opened"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("suggested article opened")
        verbose_name_plural = _("suggested articles opened")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["contact", "case"], name="helpdesk_deflection_contact")]

    def __str__(self) -> str:
        return self.article_slug

    @property
    def deflected(self) -> bool:
        """True when no case followed: the article answered the question."""
        return self.case_id is None
