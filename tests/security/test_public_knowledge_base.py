"""The public knowledge base (/kb/, no sign-in): only published public articles exist there, for everyone.

Every URL under /kb/ is listed in PUBLIC_URLS (a guard fails on a new one). For each, every kind of article
that is not public — for all portal users, for chosen profiles, a draft, an archived one — is a 404 exactly
like a missing one, for anonymous visitors and for signed-in portal users and staff alike (the public pages
never use anyone's portal rights).
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from portico.knowledge.tests.factories import ArticleFactory, add_image, grant_knowledge

pytestmark = pytest.mark.django_db

PUBLIC_URLS = {"kb:index", "kb:article", "kb:image"}
HIDDEN = {
    "portal": {"visibility": "portal"},
    "profiles": {"visibility": "profiles"},
    "draft": {"visibility": "public", "status": "draft", "published_at": None},
    "archived": {"visibility": "public", "status": "archived"},
}


def kb_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and route.startswith("kb/"):
                names.add(f"{namespace}:{pattern.name}")

    walk(get_resolver().url_patterns, "", None)
    return names


def test_every_public_knowledge_base_url_is_checked_here():
    assert kb_url_names() == PUBLIC_URLS


@pytest.fixture
def world(private_media, alice, sam):
    """One public article and one of each hidden kind (each with an image), alice may read the hidden ones."""
    grant_knowledge(alice)
    articles = {"public": ArticleFactory(slug="open-article", visibility="public", title="Public printer help")}
    for kind, fields in HIDDEN.items():
        articles[kind] = ArticleFactory(slug=f"hidden-{kind}", title=f"Secret {kind} printer help", **fields)
    articles["profiles"].profiles.add(alice.profile)
    images = {kind: add_image(article) for kind, article in articles.items()}
    return articles, images


def visitors(client, alice, sam):
    yield "anonymous", client
    client.force_login(alice.user)
    yield "alice (reads them all in the portal)", client
    client.force_login(sam)
    yield "sam (staff)", client


@pytest.mark.parametrize("kind", sorted(HIDDEN))
def test_a_hidden_article_and_its_image_are_404_on_the_public_pages_for_everyone(client, world, alice, sam, kind):
    articles, images = world
    article, image = articles[kind], images[kind]
    for who, visitor in visitors(client, alice, sam):
        page = visitor.get(reverse("kb:article", kwargs={"slug": article.slug}))
        assert page.status_code == 404, who
        assert f"Secret {kind}".encode() not in page.content
        picture = visitor.get(reverse("kb:image", kwargs={"slug": article.slug, "pk": image.pk}))
        assert picture.status_code == 404, who
        index = visitor.get(reverse("kb:index"), {"q": "printer"})
        assert index.status_code == 200 and b"Secret" not in index.content, who


def test_a_hidden_articles_image_under_the_public_articles_address_is_404(client, world):
    articles, images = world
    for kind in HIDDEN:
        url = reverse("kb:image", kwargs={"slug": "open-article", "pk": images[kind].pk})
        assert client.get(url).status_code == 404


def test_the_public_article_and_its_image_are_open_to_anonymous_visitors(client, world):
    articles, images = world
    assert client.get(reverse("kb:index")).status_code == 200
    page = client.get(reverse("kb:article", kwargs={"slug": "open-article"}))
    assert page.status_code == 200 and b"Public printer help" in page.content
    picture = client.get(reverse("kb:image", kwargs={"slug": "open-article", "pk": images["public"].pk}))
    assert picture.status_code == 200 and picture["X-Content-Type-Options"] == "nosniff"


def test_the_public_pages_write_nothing_and_take_no_votes(client, world):
    article = world[0]["public"]
    assert client.post(reverse("kb:article", kwargs={"slug": article.slug}), {"helpful": "yes"}).status_code == 405
    article.refresh_from_db()
    assert article.helpful_count == 0
