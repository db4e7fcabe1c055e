"""Public knowledge-base pages: anyone, signed in or not, reads published public articles; the rest are 404."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views import View

from portico.core.attachments import attachment_response
from portico.knowledge import selectors
from portico.knowledge.pages import article_context, index_context

URLS = {"index": "kb:index", "article": "kb:article"}


def image_url(article, pk: int) -> str:
    return reverse("kb:image", kwargs={"slug": article.slug, "pk": pk})


class PublicIndexView(View):
    """Categories, search and the latest public articles."""

    def get(self, request):
        context = {
            "urls": URLS,
            **index_context(audience=selectors.PUBLIC, params=request.GET, language=get_language()),
        }
        template = "public/kb/results.html" if request.htmx else "public/kb/index.html"
        return render(request, template, context, status=200 if context["valid"] else 400)


class PublicArticleView(View):
    """A public article; a portal-only, profile-restricted, draft or archived one is a 404 like a missing one."""

    def get(self, request, slug):
        language = get_language()
        page = selectors.article_page(audience=selectors.PUBLIC, slug=slug, language=language, image_url=image_url)
        return render(
            request, "public/kb/article.html", {"urls": URLS, **article_context(page=page, language=language)}
        )


class PublicImageView(View):
    """An image of a public article."""

    def get(self, request, slug, pk):
        article = selectors.get_article(audience=selectors.PUBLIC, slug=slug)
        return attachment_response(get_object_or_404(article.images, pk=pk))
