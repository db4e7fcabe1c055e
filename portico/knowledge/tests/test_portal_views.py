"""The knowledge base in the portal: browse, search, read, vote, images, suggestions and the dashboard widget."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portico.core.models import AuditEntry
from portico.knowledge.models import Article, ArticleVote
from portico.knowledge.tests.factories import (
    ArticleFactory,
    CategoryFactory,
    TranslationFactory,
    VoteFactory,
    add_image,
    grant_knowledge,
    png_bytes,
)

pytestmark = pytest.mark.django_db

KB = reverse("portal:kb")
SUGGEST = reverse("portal:kb_suggest")


def article_url(slug):
    return reverse("portal:kb_article", kwargs={"slug": slug})


@pytest.fixture
def readers(alice, bob):
    """Alice and Bob at Acme read the knowledge base; Alice's profile also reads articles for chosen profiles."""
    grant_knowledge(alice, bob)
    return alice, bob


@pytest.fixture
def bob_client(portal_client, readers, bob):
    return portal_client(bob)


@pytest.fixture
def articles(readers, alice):
    """A public, a portal, a profile-restricted (Alice's profile), a draft and an archived article."""
    made = {
        "public": ArticleFactory(slug="public-one", visibility="public", title="Reset your password"),
        "portal": ArticleFactory(slug="portal-one", visibility="portal", title="Invite a colleague"),
        "restricted": ArticleFactory(slug="restricted-one", visibility="profiles", title="Key contact secrets"),
        "draft": ArticleFactory(slug="draft-one", status="draft", title="Unfinished draft"),
        "archived": ArticleFactory(slug="archived-one", status="archived", title="Old archived news"),
    }
    made["restricted"].profiles.add(alice.profile)
    return made


def test_the_index_lists_the_articles_the_principal_may_read(bob_client, articles):
    response = bob_client.get(KB)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Reset your password" in content and "Invite a colleague" in content
    for hidden in ("Key contact secrets", "Unfinished draft", "Old archived news"):
        assert hidden not in content


def test_a_profile_chosen_for_an_article_reads_it(portal_client, alice, articles):
    response = portal_client(alice).get(article_url("restricted-one"))
    assert response.status_code == 200
    assert "Key contact secrets" in response.content.decode()


@pytest.mark.parametrize("slug", ["restricted-one", "draft-one", "archived-one", "no-such-article"])
def test_articles_outside_the_principals_reach_are_404(bob_client, articles, slug):
    assert bob_client.get(article_url(slug)).status_code == 404
    assert bob_client.post(reverse("portal:kb_vote", kwargs={"slug": slug}), {"helpful": "yes"}).status_code == 404
    assert not ArticleVote.objects.exists()


def test_without_the_module_the_knowledge_base_does_not_exist(portal_client, dave, articles):
    client = portal_client(dave)
    for url in (KB, article_url("public-one"), SUGGEST + "?q=password"):
        assert client.get(url).status_code == 404
    assert reverse("portal:kb").encode() not in client.get(reverse("portal:home")).content


def test_switching_the_module_off_in_portal_settings_hides_it(bob_client, articles):
    from portico.portal.models import ModuleSetting, PortalSettings

    PortalSettings.objects.get_or_create(pk=PortalSettings.SINGLETON)
    ModuleSetting.objects.create(key="knowledge", enabled=False)
    assert bob_client.get(KB).status_code == 404


def test_search_shows_ranked_results_and_htmx_gets_only_the_results(bob_client, articles):
    response = bob_client.get(KB, {"q": "password"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "1 article found" in content and "Reset your password" in content
    partial = bob_client.get(KB, {"q": "colleague"}, HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode()
    assert "Invite a colleague" in partial.content.decode()


def test_search_tells_when_nothing_matches(bob_client, articles):
    response = bob_client.get(KB, {"q": "xylophone"})
    assert "No article matches" in response.content.decode()


@pytest.mark.parametrize(
    "query", ['"', "((", "NEAR(a b)", "*", "' OR 1=1 --", "%00", "printer:*", "a\u202eb", "😀" * 50]
)
def test_hostile_searches_are_answered_never_a_500(bob_client, articles, query):
    assert bob_client.get(KB, {"q": query}).status_code == 200
    assert bob_client.get(SUGGEST, {"q": query}).status_code == 200


def test_a_search_with_a_null_character_is_refused_with_a_message(bob_client, articles):
    response = bob_client.get(KB, {"q": "pass\x00word"})
    assert response.status_code == 400
    assert "Null characters are not allowed." in response.content.decode()
    assert bob_client.get(SUGGEST, {"q": "pass\x00word"}).status_code == 200


def test_a_huge_search_is_refused_with_a_message_and_not_run(bob_client, articles):
    response = bob_client.get(KB, {"q": "password " * 10_000})
    assert response.status_code == 400
    assert "at most 200 characters" in response.content.decode()
    assert "Reset your password" not in response.content.decode().split('id="results"')[1]


def test_a_category_lists_its_articles_and_an_unknown_one_is_reported(bob_client, articles):
    billing = CategoryFactory(slug="billing", names={"en": "Billing", "fi": "Laskutus"})
    ArticleFactory(slug="invoice", category=billing, title="Read your invoice")
    response = bob_client.get(KB, {"category": "billing"})
    content = response.content.decode()
    assert "Billing" in content and "Read your invoice" in content and "Invite a colleague" not in content
    unknown = bob_client.get(KB, {"category": "nope"})
    assert unknown.status_code == 400 and "There is no such category." in unknown.content.decode()


def test_categories_with_nothing_readable_are_not_listed(bob_client, articles, alice):
    secret = CategoryFactory(slug="secret", names={"en": "Secret stuff"})
    ArticleFactory(category=secret, visibility="profiles").profiles.add(alice.profile)
    assert "Secret stuff" not in bob_client.get(KB).content.decode()


def test_an_article_shows_in_the_readers_language_with_related_articles(bob_client, bob, articles, alice):
    article = articles["portal"]
    TranslationFactory(article=article, language="fi", title="Kutsu kollega", body="Avaa **Kollegat**.")
    article.related.add(articles["public"], articles["restricted"], articles["draft"])
    bob.user.language = "fi"
    bob.user.save(update_fields=["language"])
    content = bob_client.get(article_url("portal-one")).content.decode()
    assert "Kutsu kollega" in content and "<strong>Kollegat</strong>" in content
    assert "Reset your password" in content  # related, readable (English: no Finnish version)
    assert "Key contact secrets" not in content and "Unfinished draft" not in content


def test_an_article_missing_in_the_readers_language_falls_back_to_the_default_with_a_note(bob_client, bob, articles):
    bob.user.language = "sv"
    bob.user.save(update_fields=["language"])
    content = bob_client.get(article_url("public-one")).content.decode()
    assert "Reset your password" in content
    assert 'lang="en"' in content


def test_a_vote_is_recorded_changed_and_audited(bob_client, bob, articles):
    url = reverse("portal:kb_vote", kwargs={"slug": "portal-one"})
    response = bob_client.post(url, {"helpful": "yes"})
    assert response.status_code == 302 and response["Location"] == article_url("portal-one")
    bob_client.post(url, {"helpful": "no"})
    article = Article.objects.get(slug="portal-one")
    assert (article.helpful_count, article.not_helpful_count) == (0, 1)
    assert AuditEntry.objects.filter(action="article.voted", actor_contact=bob.contact).count() == 2
    assert "You answered no" in bob_client.get(article_url("portal-one")).content.decode()


def test_a_vote_by_htmx_answers_with_the_vote_box(bob_client, articles):
    url = reverse("portal:kb_vote", kwargs={"slug": "portal-one"})
    response = bob_client.post(url, {"helpful": "yes", "from": "case"}, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert response.status_code == 200 and "<html" not in content
    assert "Thank you for your feedback." in content and 'aria-pressed="true"' in content
    assert ArticleVote.objects.get().from_case


@pytest.mark.parametrize("data", [{}, {"helpful": "maybe"}, {"helpful": "yes" * 1000}])
def test_a_malformed_vote_changes_nothing(bob_client, articles, data):
    response = bob_client.post(reverse("portal:kb_vote", kwargs={"slug": "portal-one"}), data, follow=True)
    assert response.status_code == 200
    assert "Choose whether the article was helpful." in response.content.decode()
    assert not ArticleVote.objects.exists()


def test_voting_is_post_only(bob_client, articles):
    assert bob_client.get(reverse("portal:kb_vote", kwargs={"slug": "portal-one"})).status_code == 405


def test_an_article_opened_from_a_case_says_so_and_remembers_it_in_the_vote(bob_client, articles):
    content = bob_client.get(article_url("portal-one") + "?from=case").content.decode()
    assert "you need not open a case" in content
    assert 'name="from" value="case"' in content


def test_suggestions_link_to_articles_from_the_case_form(bob_client, articles):
    response = bob_client.get(SUGGEST, {"q": "I forgot my password"})
    content = response.content.decode()
    assert response.status_code == 200 and "<html" not in content
    assert f'href="{article_url("public-one")}?from=case"' in content
    assert "Key contact secrets" not in bob_client.get(SUGGEST, {"q": "key contact secrets"}).content.decode()
    assert bob_client.get(SUGGEST, {"q": "zzz"}).content.decode().strip() == ""
    assert bob_client.get(SUGGEST, {"q": "password " * 10_000}).status_code == 200


def test_article_images_are_served_only_within_their_readable_article(bob_client, articles, private_media):
    image = add_image(articles["portal"])
    secret = add_image(articles["restricted"])
    url = reverse("portal:kb_image", kwargs={"slug": "portal-one", "pk": image.pk})
    response = bob_client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == image.file.open("rb").read()
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    # Another article's image under this article's address, and the restricted article's image: 404.
    assert bob_client.get(reverse("portal:kb_image", kwargs={"slug": "portal-one", "pk": secret.pk})).status_code == 404
    assert (
        bob_client.get(reverse("portal:kb_image", kwargs={"slug": "restricted-one", "pk": secret.pk})).status_code
        == 404
    )


def test_an_image_in_the_body_points_at_the_portals_image_view(bob_client, articles, private_media):
    article = articles["portal"]
    image = add_image(article)
    article.translations.update(body=f"Look: ![The tray](image:{image.pk})")
    content = bob_client.get(article_url("portal-one")).content.decode()
    assert f'src="{reverse("portal:kb_image", kwargs={"slug": "portal-one", "pk": image.pk})}"' in content
    assert png_bytes()  # the factory's image is a real PNG


def test_the_dashboard_widget_lists_the_latest_and_most_helpful_articles(bob_client, articles):
    Article.objects.filter(pk=articles["public"].pk).update(helpful_count=3)
    content = bob_client.get(reverse("portal:home")).content.decode()
    widget = content.split('id="w-knowledge"')[1]
    assert "Latest articles" in widget and "Most helpful" in widget
    assert widget.index("Most helpful") < widget.index("Reset your password", widget.index("Most helpful"))
    assert "Key contact secrets" not in content


# --- Query counts ---------------------------------------------------------------------------------------------


def _count(client, url, **extra):
    client.get(url, **extra)  # the first request of a session writes the session; measure the next one
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, **extra).status_code == 200
    return len(queries)


def _more_articles(n, **kwargs):
    category = CategoryFactory()
    for i in range(n):
        article = ArticleFactory(category=category, title=f"Printer tip {i}", **kwargs)
        TranslationFactory(article=article, language="fi", title=f"Tulostinvinkki {i}")
    return category


@pytest.mark.parametrize(
    "url", [KB, KB + "?q=printer", KB + "?q=tulostin", SUGGEST + "?q=printer", reverse("portal:home")]
)
def test_list_pages_cost_the_same_queries_whatever_the_number_of_articles(bob_client, articles, url):
    ContentType.objects.get_for_models(Article)
    category = _more_articles(2)
    before = _count(bob_client, url)
    _more_articles(15)
    _more_articles(5, visibility="profiles")
    assert _count(bob_client, url) == before
    assert _count(bob_client, KB + f"?category={category.slug}") == _count(
        bob_client, KB + f"?category={category.slug}&page=1"
    )


def test_an_article_page_costs_the_same_queries_whatever_its_related_articles_and_images(
    bob_client, bob, articles, private_media
):
    article = articles["portal"]
    article.related.add(articles["public"])
    add_image(article)
    before = _count(bob_client, article_url("portal-one"))
    for _ in range(6):
        other = ArticleFactory()
        TranslationFactory(article=other, language="fi")
        article.related.add(other)
        add_image(article)
    VoteFactory(article=article, contact=bob.contact)
    assert _count(bob_client, article_url("portal-one")) == before


SIGNED_IN = 4  # session, login, principal, portal settings (see portico/portal/tests/test_query_counts.py)
CATEGORIES = 2  # readable articles per category, then the categories
PAGE_QUERIES = {
    "index": SIGNED_IN + CATEGORIES + 2,  # the latest articles, their versions in the reader's languages
    "search": SIGNED_IN + CATEGORIES + 2,  # ranked ids of matching versions, those versions with their articles
    "category": SIGNED_IN + CATEGORIES + 3,  # count, the page, its versions
    "suggest": SIGNED_IN + 2,  # ranked ids, versions with articles
    # the article, its versions, its category, its image ids, related readable articles and their versions, the vote
    "article": SIGNED_IN + 7,
}


@pytest.mark.parametrize("page", sorted(PAGE_QUERIES))
def test_each_page_costs_a_known_number_of_queries(bob_client, articles, django_assert_num_queries, page):
    billing = CategoryFactory(slug="billing")
    Article.objects.filter(slug__in=["public-one", "portal-one"]).update(category=billing)
    articles["portal"].related.add(articles["public"])
    urls = {
        "index": KB,
        "search": KB + "?q=password",
        "category": KB + "?category=billing",
        "suggest": SUGGEST + "?q=password",
        "article": article_url("portal-one"),
    }
    bob_client.get(urls[page])
    with django_assert_num_queries(PAGE_QUERIES[page]):
        assert bob_client.get(urls[page]).status_code == 200
