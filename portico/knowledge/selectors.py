"""Reads of the knowledge base for the portal and the public pages; every one starts from what the audience may see.

The audience is a portal principal (the access engine decides: the module's grant, then each article's
visibility for the principal's profile) or `PUBLIC` (anyone: published public articles only).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import Http404
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from portico.access import engine
from portico.access.principal import Principal
from portico.knowledge.models import Article, ArticleTranslation, ArticleVote, Category, reader_language
from portico.knowledge.rendering import render_markdown
from portico.knowledge.search import ranked_translation_ids, search_terms

MODULE = "knowledge"
MAX_RESULTS = 50


class PublicAudience:
    """Anyone, signed in or not: the audience of the public knowledge-base pages."""

    def __repr__(self) -> str:
        return "PUBLIC"


PUBLIC = PublicAudience()
Audience = Principal | PublicAudience


def may_read(principal: Principal) -> bool:
    """Whether the knowledge base exists for a principal (their profile grants it and it is switched on)."""
    return principal.grant(MODULE).view


def visible_articles(audience: Audience) -> QuerySet[Article]:
    """Published articles the audience may read; for a principal without the module, a 404."""
    if isinstance(audience, PublicAudience):
        return Article.objects.public()
    return engine.visible(audience, MODULE)


def _languages(language: str | None) -> list[str]:
    wanted = reader_language(language)
    return [wanted] if wanted == settings.LANGUAGE_CODE else [wanted, settings.LANGUAGE_CODE]


def with_versions(articles: QuerySet[Article], language: str | None, *, body: bool = False) -> QuerySet[Article]:
    """Prefetch only the versions a reader of `language` may be shown (theirs and the default language's)."""
    versions = ArticleTranslation.objects.filter(language__in=_languages(language))
    if not body:
        versions = versions.defer("body")
    return articles.prefetch_related(Prefetch("translations", queryset=versions))


def _shown(articles, language: str | None) -> list[Article]:
    """Attach to each article the version to show (`article.shown`); articles with none are left out."""
    result = []
    for article in articles:
        article.shown = article.translation_in(language)
        if article.shown is not None:
            result.append(article)
    return result


def latest_articles(*, audience: Audience, language: str | None, limit: int = 10) -> list[Article]:
    """The most recently published articles the audience may read."""
    articles = visible_articles(audience).order_by("-published_at", "-pk")[:limit]
    return _shown(with_versions(articles, language), language)


def most_helpful_articles(*, audience: Audience, language: str | None, limit: int = 5) -> list[Article]:
    """The articles readers found most helpful (at least one helpful vote)."""
    articles = visible_articles(audience).filter(helpful_count__gt=0)
    articles = articles.order_by("-helpful_count", "not_helpful_count", "-published_at", "-pk")[:limit]
    return _shown(with_versions(articles, language), language)


def categories_with_counts(*, audience: Audience, language: str | None) -> list[Category]:
    """Categories that hold an article the audience may read, in order, each with `count` and `name` set."""
    counts = dict(
        visible_articles(audience)
        .filter(category__isnull=False)
        .order_by()
        .values_list("category")
        .annotate(n=Count("pk"))
    )
    result = []
    for category in Category.objects.filter(pk__in=list(counts)):
        category.count = counts[category.pk]
        category.name = category.name_in(language)
        result.append(category)
    return result


def category_articles(*, audience: Audience, category: Category, language: str | None) -> QuerySet[Article]:
    """The articles of one category the audience may read, newest first, for a paginated list."""
    articles = visible_articles(audience).filter(category=category).order_by("-published_at", "-pk")
    return with_versions(articles, language)


def shown_page(articles, language: str | None) -> list[Article]:
    """The articles of a page of a list, each with the version to show."""
    return _shown(articles, language)


# --- Search -----------------------------------------------------------------------------------------------


def _ranked(audience: Audience, terms: list[str], language: str | None, limit: int, match_any: bool) -> list[Article]:
    limit = max(0, min(limit, MAX_RESULTS))
    if not terms or not limit:
        return []
    wanted = reader_language(language)
    versions = ArticleTranslation.objects.filter(article__in=visible_articles(audience))
    if wanted == settings.LANGUAGE_CODE:
        versions = versions.filter(language=wanted)
    else:
        has_wanted = ArticleTranslation.objects.filter(article=OuterRef("article"), language=wanted)
        versions = versions.alias(has_wanted=Exists(has_wanted)).filter(
            Q(language=wanted) | Q(language=settings.LANGUAGE_CODE, has_wanted=False)
        )
    ids = ranked_translation_ids(versions, terms, languages=_languages(wanted), match_any=match_any, limit=limit)
    found = {t.pk: t for t in ArticleTranslation.objects.filter(pk__in=ids).defer("body").select_related("article")}
    result = []
    for pk in ids:
        if pk in found:
            article = found[pk].article
            article.shown = found[pk]
            result.append(article)
    return result


def search_articles(*, audience: Audience, text: str, language: str | None, limit: int = 20) -> list[Article]:
    """Articles the audience may read that contain every word of `text` (else any of them), best match first.

    Each article is searched in the version its reader is shown: the one in `language`, else the default
    language's. Two queries (four when no article has every word), whatever the number of articles;
    hostile text is plain words, never syntax.
    """
    terms = search_terms(text)
    found = _ranked(audience, terms, language, limit, match_any=False)
    if not found and len(terms) > 1:
        found = _ranked(audience, terms, language, limit, match_any=True)
    return found


def suggest_articles(*, principal: Principal, text: str, limit: int = 5) -> list[Article]:
    """Articles that may answer what a customer is typing (a case subject): any of the words, best first.

    Empty when the knowledge base does not exist for the principal. Links: `portal:kb_article` (slug).
    """
    if not may_read(principal):
        return []
    return _ranked(principal, search_terms(text, min_chars=3), get_language(), limit, match_any=True)


# --- One article ------------------------------------------------------------------------------------------


@dataclass
class ArticlePage:
    """What an article page shows: the article, its version, its body as HTML, related articles, one's vote."""

    article: Article
    shown: ArticleTranslation
    body: SafeString
    related: list[Article] = field(default_factory=list)
    vote: ArticleVote | None = None


def get_article(*, audience: Audience, slug: str) -> Article:
    """One article the audience may read, or 404 exactly as for one that does not exist."""
    if isinstance(audience, PublicAudience):
        article = Article.objects.public().filter(slug=slug).first()
        if article is None:
            raise Http404
        return article
    return engine.get_visible_object(audience, MODULE, slug=slug)


def article_page(
    *, audience: Audience, slug: str, language: str | None, image_url: Callable[[Article, int], str]
) -> ArticlePage:
    """Everything an article page shows, in a fixed number of queries."""
    article = get_article(audience=audience, slug=slug)
    return build_article_page(audience=audience, article=article, language=language, image_url=image_url)


def build_article_page(
    *, audience: Audience | None, article: Article, language: str | None, image_url: Callable[[Article, int], str]
) -> ArticlePage:
    """The page of an article already looked up (audience None: staff's preview, no related articles or vote)."""
    versions = ArticleTranslation.objects.filter(language__in=_languages(language))
    prefetch_related_objects([article], Prefetch("translations", queryset=versions), "category")
    shown = article.translation_in(language)
    if shown is None:
        raise Http404
    image_ids = set(article.images.values_list("pk", flat=True))
    body = render_markdown(shown.body, image_url=lambda pk: image_url(article, pk) if pk in image_ids else None)
    page = ArticlePage(article=article, shown=shown, body=body)
    if audience is not None:
        related = visible_articles(audience).filter(pk__in=article.related.values("pk")).order_by("-published_at")
        page.related = _shown(with_versions(related[:10], language), language)
    if isinstance(audience, Principal):
        page.vote = ArticleVote.objects.filter(article=article, contact=audience.contact).first()
    return page
