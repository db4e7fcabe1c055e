"""Writes: publishing and archiving (checked and audited), and readers' votes (one per contact, changeable)."""

import pytest
from django.core.exceptions import ValidationError

from portico.access.principal import Principal
from portico.core.models import AuditEntry
from portico.knowledge.models import Article, ArticleVote
from portico.knowledge.services import archive_article, change_article_status, publish_article, vote_on_article
from portico.knowledge.tests.factories import ArticleFactory, TranslationFactory

pytestmark = pytest.mark.django_db


def principal(access):
    return Principal(user=access.user, access=access)


def test_publishing_sets_the_publication_time_once_and_is_audited(sam):
    article = ArticleFactory(status="draft", published_at=None)
    publish_article(article=article, actor=sam)
    article.refresh_from_db()
    first = article.published_at
    assert article.status == "published" and first is not None
    archive_article(article=article, actor=sam)
    publish_article(article=article, actor=sam)
    article.refresh_from_db()
    assert article.published_at == first
    actions = list(AuditEntry.objects.filter(object_id=str(article.pk)).order_by("pk").values_list("action", "actor"))
    assert actions == [("article.published", sam.pk), ("article.archived", sam.pk), ("article.published", sam.pk)]


def test_an_article_without_a_default_language_version_cannot_be_published(sam):
    article = ArticleFactory(status="draft", published_at=None, title=False)
    TranslationFactory(article=article, language="fi")
    with pytest.raises(ValidationError) as error:
        publish_article(article=article, actor=sam)
    assert "English" in error.value.messages[0]
    article.refresh_from_db()
    assert article.status == "draft"
    assert not AuditEntry.objects.exists()


def test_changing_to_the_same_status_changes_nothing(sam):
    article = ArticleFactory()
    change_article_status(article=article, status="published", actor=sam)
    assert not AuditEntry.objects.exists()


def test_an_unknown_status_is_refused(sam):
    with pytest.raises(ValidationError):
        change_article_status(article=ArticleFactory(), status="deleted", actor=sam)


def test_a_contact_votes_once_and_may_change_the_vote(bob):
    article = ArticleFactory()
    vote_on_article(article=article, principal=principal(bob), helpful=True)
    vote_on_article(article=article, principal=principal(bob), helpful=True)  # a double submit
    article.refresh_from_db()
    assert (article.helpful_count, article.not_helpful_count) == (1, 0)
    vote_on_article(article=article, principal=principal(bob), helpful=False)
    article.refresh_from_db()
    assert (article.helpful_count, article.not_helpful_count) == (0, 1)
    assert ArticleVote.objects.filter(article=article, contact=bob.contact).count() == 1
    entries = AuditEntry.objects.filter(action="article.voted").order_by("pk")
    assert [e.changes for e in entries] == [{"helpful": [None, True]}, {"helpful": [True, False]}]
    assert {(e.source, e.actor_contact_id, e.account_id) for e in entries} == {
        ("portal", bob.contact_id, bob.contact.account_id)
    }


def test_votes_of_different_contacts_add_up(alice, bob, carol):
    article = ArticleFactory()
    for access, helpful in ((alice, True), (bob, True), (carol, False)):
        vote_on_article(article=article, principal=principal(access), helpful=helpful)
    article.refresh_from_db()
    assert (article.helpful_count, article.not_helpful_count) == (2, 1)


def test_a_vote_remembers_whether_it_came_from_a_new_case(alice, bob):
    """Deflection itself is counted by the helpdesk (opened suggestions without a case following)."""
    article = ArticleFactory()
    vote_on_article(article=article, principal=principal(alice), helpful=True, from_case=True)
    vote_on_article(article=article, principal=principal(bob), helpful=False)
    votes = dict(ArticleVote.objects.filter(article=article).values_list("contact_id", "from_case"))
    assert votes == {alice.contact_id: True, bob.contact_id: False}
    assert Article.objects.get(pk=article.pk).helpful_count == 1
