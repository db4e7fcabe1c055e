"""Public knowledge-base pages: search and read public articles without signing in, in the visitor's language."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portico.knowledge.tests.factories import ArticleFactory, CategoryFactory, TranslationFactory, add_image

pytestmark = pytest.mark.django_db

INDEX = reverse("kb:index")


@pytest.fixture
def published():
    category = CategoryFactory(slug="accounts", names={"en": "Accounts", "es": "Cuentas"})
    article = ArticleFactory(
        slug="reset-password",
        category=category,
        visibility="public",
        title="Reset your password",
        summary="Ask for a link.",
        body="Choose **Forgot your password?**",
    )
    TranslationFactory(article=article, language="es", title="Restablecer la contraseña", body="Elija **¿Olvidó?**")
    ArticleFactory(slug="portal-only", visibility="portal", title="Portal password rules")
    return article


def test_the_index_lists_public_articles_and_their_categories(client, published):
    content = client.get(INDEX).content.decode()
    assert "Reset your password" in content and "Accounts" in content
    assert "Portal password rules" not in content


def test_the_index_searches_public_articles_only(client, published):
    response = client.get(INDEX, {"q": "password"})
    content = response.content.decode()
    assert "1 article found" in content and "Reset your password" in content
    assert "Portal password rules" not in content
    partial = client.get(INDEX, {"q": "password"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "Reset your password" in partial


def test_the_visitors_language_picks_the_version(client, published):
    content = client.get(reverse("kb:article", kwargs={"slug": "reset-password"}), HTTP_ACCEPT_LANGUAGE="es").content
    assert "Restablecer la contraseña".encode() in content and b"Cuentas" in content
    content = client.get(reverse("kb:article", kwargs={"slug": "reset-password"}), HTTP_ACCEPT_LANGUAGE="fi").content
    assert b"Reset your password" in content


def test_a_category_filter_and_bad_input_on_the_public_index(client, published):
    assert b"Reset your password" in client.get(INDEX, {"category": "accounts"}).content
    assert client.get(INDEX, {"category": "<script>"}).status_code == 400
    huge = client.get(INDEX, {"q": "x" * 100_000})
    assert huge.status_code == 400 and b"at most 200 characters" in huge.content
    for hostile in ('"', "NEAR(", "*", "')--", "a OR b NOT c"):
        assert client.get(INDEX, {"q": hostile}).status_code == 200


def test_public_images_are_shown_inline_in_the_article(client, published, private_media):
    image = add_image(published)
    published.translations.filter(language="en").update(body=f"![Tray](image:{image.pk})")
    content = client.get(reverse("kb:article", kwargs={"slug": "reset-password"})).content.decode()
    assert f'src="{reverse("kb:image", kwargs={"slug": "reset-password", "pk": image.pk})}"' in content


def _count(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", [INDEX, INDEX + "?q=password", INDEX + "?category=accounts"])
def test_public_list_pages_cost_the_same_queries_whatever_the_number_of_articles(client, published, url):
    before = _count(client, url)
    for n in range(12):
        article = ArticleFactory(category=published.category, visibility="public", title=f"Password tip {n}")
        TranslationFactory(article=article, language="es")
    assert _count(client, url) == before


def test_a_public_article_page_costs_the_same_queries_whatever_its_related_articles(client, published):
    url = reverse("kb:article", kwargs={"slug": "reset-password"})
    published.related.add(ArticleFactory(visibility="public"))  # none at all saves the query for their versions
    before = _count(client, url)
    for _ in range(5):
        published.related.add(ArticleFactory(visibility="public"))
    assert _count(client, url) == before
