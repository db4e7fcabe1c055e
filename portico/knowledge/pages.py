"""What the knowledge-base pages show, shared by the portal and the public pages (which differ in audience only)."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.utils.translation import gettext_lazy as _

from portico.knowledge import selectors
from portico.knowledge.models import reader_language

MAX_QUERY_CHARS = 200
PAGE_SIZE = 25
SEARCH_RESULTS = 20


class SearchForm(forms.Form):
    """Words to search for and an optional category; anything else is reported and ignored."""

    q = forms.CharField(label=_("Search the knowledge base"), required=False, max_length=MAX_QUERY_CHARS)
    category = forms.SlugField(label=_("Category"), required=False, max_length=80)

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = {c.slug: c for c in categories}

    def clean_category(self):
        slug = self.cleaned_data.get("category") or ""
        if slug and slug not in self.categories:
            raise forms.ValidationError(_("There is no such category."), code="category")
        return self.categories.get(slug)


def index_context(*, audience, params, language: str | None) -> dict:
    """The index: categories, then search results, one category's articles (paginated), or the latest articles."""
    categories = selectors.categories_with_counts(audience=audience, language=language)
    form = SearchForm(params, categories=categories)
    valid = form.is_valid()
    query = form.cleaned_data.get("q", "").strip() if valid else ""
    category = form.cleaned_data.get("category") if valid else None
    context = {
        "form": form,
        "categories": categories,
        "query": query,
        "category": category,
        "valid": valid,
        "max_query": MAX_QUERY_CHARS,
        "reader_language": reader_language(language),
    }
    if query:
        context["results"] = selectors.search_articles(
            audience=audience, text=query, language=language, limit=SEARCH_RESULTS
        )
    elif category is not None:
        articles = selectors.category_articles(audience=audience, category=category, language=language)
        page = Paginator(articles, PAGE_SIZE).get_page(params.get("page"))
        context["page"] = page
        context["results"] = selectors.shown_page(page.object_list, language)
    elif valid:
        context["latest"] = selectors.latest_articles(audience=audience, language=language)
    return context


def article_context(*, page: selectors.ArticlePage, language: str | None) -> dict:
    """An article page: the article, its category's name in the reader's language and that language."""
    category = page.article.category
    return {
        "page": page,
        "category_name": category.name_in(language) if category else "",
        "reader_language": reader_language(language),
    }
