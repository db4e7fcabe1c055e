"""Writes of the knowledge base: status changes by staff (audited) and readers' votes."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from portico.core.audit import log_action
from portico.knowledge.models import Article, ArticleVote

STATUS_ACTIONS = {
    Article.Status.PUBLISHED: "article.published",
    Article.Status.ARCHIVED: "article.archived",
    Article.Status.DRAFT: "article.returned_to_draft",
}


def check_publishable(article: Article) -> None:
    """Raise ValidationError unless the article has a version in the default language to fall back to."""
    if not article.pk or not article.translations.filter(language=settings.LANGUAGE_CODE).exists():
        language = dict(settings.LANGUAGES)[settings.LANGUAGE_CODE]
        raise ValidationError(
            _("Write the article in %(language)s (the default language) before publishing it."),
            code="no_default_version",
            params={"language": language},
        )


@transaction.atomic
def change_article_status(*, article: Article, status: str, actor) -> Article:
    """Publish, archive or return an article to draft; audited. Publishing needs a default-language version."""
    if status not in Article.Status.values:
        raise ValidationError(_("Unknown status."), code="status")
    current = Article.objects.select_for_update().get(pk=article.pk)
    if current.status == status:
        article.status = status
        return article
    if status == Article.Status.PUBLISHED:
        check_publishable(current)
    fields = {"status": status}
    if status == Article.Status.PUBLISHED and current.published_at is None:
        fields["published_at"] = timezone.now()
    Article.objects.filter(pk=article.pk).update(updated_at=timezone.now(), **fields)
    for name, value in fields.items():
        setattr(article, name, value)
    log_action(action=STATUS_ACTIONS[status], actor=actor, target=article, changes={"status": [current.status, status]})
    return article


def publish_article(*, article: Article, actor) -> Article:
    """Make an article readable by its audience."""
    return change_article_status(article=article, status=Article.Status.PUBLISHED, actor=actor)


def archive_article(*, article: Article, actor) -> Article:
    """Take an article out of the knowledge base without deleting it."""
    return change_article_status(article=article, status=Article.Status.ARCHIVED, actor=actor)


@transaction.atomic
def vote_on_article(*, article: Article, principal, helpful: bool, from_case: bool = False) -> ArticleVote:
    """Record the principal's contact's “was this helpful?” answer: one vote per contact, changeable; audited."""
    contact = principal.contact
    vote, created = ArticleVote.objects.get_or_create(
        article=article, contact=contact, defaults={"helpful": helpful, "from_case": from_case}
    )
    if not created:
        vote = ArticleVote.objects.select_for_update().get(pk=vote.pk)
        if vote.helpful == helpful:
            return vote
    before = None if created else vote.helpful
    gained, lost = ("helpful_count", "not_helpful_count") if helpful else ("not_helpful_count", "helpful_count")
    counts = {gained: F(gained) + 1}
    if not created:
        counts[lost] = F(lost) - 1
        vote.helpful = helpful
        vote.from_case = vote.from_case or from_case
        vote.save(update_fields=["helpful", "from_case", "updated_at"])
    Article.objects.filter(pk=article.pk).update(**counts)
    log_action(
        action="article.voted",
        actor=principal.user,
        actor_contact=contact,
        target=article,
        changes={"helpful": [before, helpful]},
        source="portal",
        account_id=contact.account_id,
    )
    return vote
