"""Demo data: the knowledge base has categories and articles in all five languages, readable in the portal."""

import pytest
from django.conf import settings
from django.urls import reverse

from portico.access.demo import load_demo_data
from portico.access.models import PortalAccess
from portico.knowledge.demo import ARTICLES
from portico.knowledge.models import Article, ArticleTranslation, Category

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    load_demo_data()


def test_the_demo_has_published_articles_in_every_language(demo):
    languages = {code for code, _name in settings.LANGUAGES}
    published = Article.objects.published()
    assert published.count() == 5 and Category.objects.count() == 3
    for article in published:
        assert set(article.translations.values_list("language", flat=True)) == languages, article.slug
    assert Article.objects.filter(status="draft").count() == 1
    assert ArticleTranslation.objects.count() == sum(len(versions) for *_rest, versions in ARTICLES.values())


def test_demo_readers_see_articles_in_their_language_and_key_contacts_see_theirs(demo, client):
    aino = PortalAccess.objects.get(contact__email="aino.virtanen@revontuli.example")  # key contact, Finnish
    mikko = PortalAccess.objects.get(contact__email="mikko.korhonen@revontuli.example")  # standard user, Finnish
    client.force_login(aino.user)
    content = client.get(reverse("portal:kb")).content.decode()
    assert "Yhteyshenkilöiden kiireellinen tuki" in content and "Salasanan vaihtaminen" in content
    assert "Our new invoice layout" not in content
    client.force_login(mikko.user)
    assert "Yhteyshenkilöiden kiireellinen tuki" not in client.get(reverse("portal:kb")).content.decode()
    assert client.get(reverse("kb:article", kwargs={"slug": "invite-a-colleague"})).status_code == 404
    assert client.get(reverse("kb:article", kwargs={"slug": "reset-your-password"})).status_code == 200


def test_demo_votes_match_the_counts(demo):
    for article in Article.objects.all():
        assert article.helpful_count == article.votes.filter(helpful=True).count()
        assert article.not_helpful_count == article.votes.filter(helpful=False).count()
    assert Article.objects.get(slug="reset-your-password").helpful_count == 2
