"""Models: names and versions per language with the default language as fallback, slugs, the full-text index."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from portico.knowledge.models import Article, Category, reader_language, validate_names
from portico.knowledge.tests.factories import ArticleFactory, CategoryFactory, TranslationFactory, add_image

pytestmark = pytest.mark.django_db


def test_reader_language_is_a_portal_language_or_the_default():
    assert reader_language("fi") == "fi"
    assert reader_language("sv-SE") == "sv"
    assert reader_language("de") == "en"
    assert reader_language("") == "en"
    assert reader_language(None) == "en"


def test_a_category_name_falls_back_to_the_default_language():
    category = CategoryFactory(names={"en": "Billing", "fi": "Laskutus"})
    assert category.name_in("fi") == "Laskutus"
    assert category.name_in("sv") == "Billing"
    assert str(category) == "Billing"


@pytest.mark.parametrize("names", [{}, {"fi": "Laskutus"}, {"en": "  "}, {"en": "Billing", "de": "Rechnung"}, ["en"]])
def test_category_names_need_the_default_language_and_only_portal_languages(names):
    with pytest.raises(ValidationError):
        validate_names(names)


def test_an_article_is_shown_in_the_readers_language_else_the_default():
    article = ArticleFactory(title="Reset your password")
    TranslationFactory(article=article, language="fi", title="Salasanan vaihtaminen")
    assert article.translation_in("fi").title == "Salasanan vaihtaminen"
    assert article.translation_in("es").title == "Reset your password"
    assert str(article) == "Reset your password"


def test_an_article_without_any_version_is_named_by_its_slug():
    assert str(ArticleFactory(slug="empty", title=False)) == "empty"


def test_slugs_that_name_the_knowledge_bases_own_pages_are_refused():
    article = ArticleFactory.build(slug="suggest")
    with pytest.raises(ValidationError) as error:
        article.full_clean(exclude=["category"])
    assert "slug" in error.value.message_dict


def test_one_version_per_language():
    article = ArticleFactory()
    with pytest.raises(ValidationError):
        TranslationFactory.build(article=article, language="en", title="Again").validate_constraints()


def test_an_image_knows_the_markdown_that_shows_it(private_media):
    image = add_image(ArticleFactory(), name="paper tray.png")
    assert image.markdown == f"![paper tray](image:{image.pk})"
    assert image.is_image and image.content_type == "image/png"


def test_the_full_text_index_is_kept_by_the_database():
    """A migration that rebuilds the versions' table (SQLite does for many changes) must recreate these."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'knowledge_articletranslation'::regclass "
                "AND NOT tgisinternal"
            )
            assert {row[0] for row in cursor.fetchall()} == {"knowledge_translation_search_vector"}
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                ["knowledge_articletranslation"],
            )
            assert {row[0] for row in cursor.fetchall()} == {
                "knowledge_article_fts_insert",
                "knowledge_article_fts_update",
                "knowledge_article_fts_delete",
            }


def test_deleting_an_article_deletes_its_versions_and_keeps_the_categories():
    category = CategoryFactory()
    article = ArticleFactory(category=category)
    article.delete()
    assert Category.objects.filter(pk=category.pk).exists()
    assert not Article.objects.filter(pk=article.pk).exists()
