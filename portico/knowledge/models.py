"""The knowledge base: categories, articles with a version per language, votes and images."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from portico.core.attachments import AttachmentBase
from portico.core.validators import single_line

MAX_BODY_CHARS = 100_000
RESERVED_SLUGS = frozenset({"suggest", "search", "images"})  # path segments of the knowledge base's own pages


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def reader_language(language: str | None) -> str:
    """The article language for a UI language ("fi", "fi-FI" → "fi"); the default language when unsupported."""
    code = (language or "").split("-")[0].lower()
    return code if code in language_codes() else settings.LANGUAGE_CODE


def validate_names(value) -> None:
    """A {language: name} mapping over the portal's languages, with a name in the default language."""
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ValidationError(_("Enter a name per language."), code="names")
    unknown = set(value) - set(language_codes())
    if unknown:
        raise ValidationError(_("Unknown language: %(codes)s"), params={"codes": ", ".join(sorted(unknown))})
    if not (value.get(settings.LANGUAGE_CODE) or "").strip():
        raise ValidationError(_("Give the name in the default language."), code="default_name")


def validate_slug(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(_("“%(slug)s” is reserved; choose another address."), params={"slug": value})


class Category(models.Model):
    """A group of articles, shown in the order staff give, named in each portal language."""

    slug = models.SlugField(_("address"), max_length=80, unique=True)
    names = models.JSONField(_("names"), default=dict, validators=[validate_names])
    position = models.PositiveSmallIntegerField(_("order"), default=100, help_text=_("Lower numbers come first."))

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name_in(settings.LANGUAGE_CODE) or self.slug

    def name_in(self, language: str | None) -> str:
        """The name in a language, else in the default language."""
        names = self.names or {}
        return (names.get(reader_language(language)) or names.get(settings.LANGUAGE_CODE) or "").strip()


class ArticleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Article.Status.PUBLISHED)

    def public(self):
        """Published articles anyone may read without signing in."""
        return self.published().filter(visibility=Article.Visibility.PUBLIC)


class Article(models.Model):
    """One knowledge-base article: its status, who may read it, related articles and how helpful readers found it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public: anyone, also without signing in")
        PORTAL = "portal", _("All portal users")
        PROFILES = "profiles", _("Portal users with the chosen profiles")

    slug = models.SlugField(
        _("address"),
        max_length=120,
        unique=True,
        validators=[validate_slug],
        help_text=_("The last part of the article's web address, e.g. reset-your-password."),
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PORTAL)
    profiles = models.ManyToManyField(
        "access.PortalProfile",
        verbose_name=_("profiles"),
        blank=True,
        related_name="+",
        help_text=_("Who may read the article when its visibility is “chosen profiles”."),
    )
    related = models.ManyToManyField("self", verbose_name=_("related articles"), blank=True)
    helpful_count = models.PositiveIntegerField(_("helpful"), default=0, editable=False)
    not_helpful_count = models.PositiveIntegerField(_("not helpful"), default=0, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-published_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "visibility", "published_at"], name="kb_article_listing"),
            models.Index(fields=["status", "helpful_count"], name="kb_article_helpful"),
        ]

    def __str__(self) -> str:
        shown = self.translation_in(settings.LANGUAGE_CODE)
        return shown.title if shown else self.slug

    def translation_in(self, language: str | None) -> ArticleTranslation | None:
        """The version in a language, else in the default language (from prefetched translations when there)."""
        wanted = reader_language(language)
        by_language = {t.language: t for t in self.translations.all()}
        return by_language.get(wanted) or by_language.get(settings.LANGUAGE_CODE)


class ArticleTranslation(models.Model):
    """An article's title, summary and Markdown body in one language.

    The full-text index follows these rows by itself: a trigger keeps a weighted `tsvector` on PostgreSQL
    and an FTS5 table on SQLite (migration 0002).
    """

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="translations"
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    title = models.CharField(_("title"), max_length=200, validators=[single_line])
    summary = models.CharField(
        _("summary"),
        max_length=300,
        blank=True,
        validators=[single_line],
        help_text=_("One or two sentences shown in lists and search results."),
    )
    body = models.TextField(
        _("body"),
        validators=[MaxLengthValidator(MAX_BODY_CHARS)],
        help_text=_(
            "Markdown: **bold**, *italic*, # headings, - lists, [links](https://example.com) and images uploaded "
            "below as ![description](image:NUMBER). HTML and scripts are removed."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("language version")
        verbose_name_plural = _("language versions")
        ordering = ["article", "language"]
        constraints = [models.UniqueConstraint(fields=["article", "language"], name="kb_translation_one_per_language")]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"


class ArticleVote(models.Model):
    """One contact's answer to “was this helpful?” for one article; they may change it."""

    article = models.ForeignKey(Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="votes")
    contact = models.ForeignKey(
        "crm.Contact", verbose_name=_("contact"), on_delete=models.CASCADE, related_name="article_votes"
    )
    helpful = models.BooleanField(_("helpful"))
    from_case = models.BooleanField(
        _("while opening a case"), default=False, help_text=_("The contact came from a case they were writing.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [models.UniqueConstraint(fields=["article", "contact"], name="kb_vote_one_per_contact")]

    def __str__(self) -> str:
        return f"{self.article_id}: {self.contact_id} {'+' if self.helpful else '-'}"


class ArticleImage(AttachmentBase):
    """A picture staff upload for an article and place in its body as ![description](image:NUMBER)."""

    article = models.ForeignKey(Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="images")

    class Meta:
        verbose_name = _("image")
        verbose_name_plural = _("images")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def markdown(self) -> str:
        """The Markdown that shows this image in the article."""
        return f"![{self.name.rsplit('.', 1)[0]}](image:{self.pk})"
