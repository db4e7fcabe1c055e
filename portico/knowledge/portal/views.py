"""The knowledge base in the portal: browse and search, read an article, vote, images, and case deflection."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from portico.core.attachments import attachment_response
from portico.knowledge import selectors, services
from portico.knowledge.pages import MAX_QUERY_CHARS, article_context, index_context
from portico.portal.views import PortalView

FROM_CASE = "case"
URLS = {"index": "portal:kb", "article": "portal:kb_article"}


def image_url(article, pk: int) -> str:
    return reverse("portal:kb_image", kwargs={"slug": article.slug, "pk": pk})


class KnowledgeView(PortalView):
    module_key = "knowledge"


class KnowledgeIndexView(KnowledgeView):
    """Categories, search and the latest articles; HTMX requests get only the results."""

    def get(self, request):
        context = self.context(
            urls=URLS, **index_context(audience=self.principal, params=request.GET, language=get_language())
        )
        template = "portal/kb/results.html" if request.htmx else "portal/kb/index.html"
        return render(request, template, context, status=200 if context["valid"] else 400)


class KnowledgeArticleView(KnowledgeView):
    """One article in the reader's language (else the default language), related articles and the vote."""

    def get(self, request, slug):
        language = get_language()
        page = selectors.article_page(audience=self.principal, slug=slug, language=language, image_url=image_url)
        from_case = request.GET.get("from") == FROM_CASE
        context = self.context(urls=URLS, from_case=from_case, **article_context(page=page, language=language))
        return render(request, "portal/kb/article.html", context)


class KnowledgeVoteView(KnowledgeView):
    """POST: “was this helpful?” — yes or no, one vote per contact, changeable."""

    http_method_names = ["post"]

    def post(self, request, slug):
        article = selectors.get_article(audience=self.principal, slug=slug)
        answer = request.POST.get("helpful")
        url = reverse("portal:kb_article", kwargs={"slug": slug})
        if answer not in ("yes", "no"):
            messages.error(request, _("Choose whether the article was helpful."))
            return HttpResponseRedirect(url)
        vote = services.vote_on_article(
            article=article,
            principal=self.principal,
            helpful=answer == "yes",
            from_case=request.POST.get("from") == FROM_CASE,
        )
        if request.htmx:
            context = {"page": {"article": article, "vote": vote}, "thanks": True, "from_case": vote.from_case}
            return render(request, "portal/kb/vote.html", context)
        messages.success(request, _("Thank you for your feedback."))
        return HttpResponseRedirect(url)


class KnowledgeImageView(KnowledgeView):
    """An image of an article the principal may read; the same 404 as a missing one otherwise."""

    def get(self, request, slug, pk):
        article = selectors.get_article(audience=self.principal, slug=slug)
        return attachment_response(get_object_or_404(article.images, pk=pk))


class KnowledgeSuggestView(KnowledgeView):
    """HTMX partial: articles that may answer what the customer types (e.g. a case subject), `?q=`."""

    def get(self, request):
        text = request.GET.get("q", "")[:MAX_QUERY_CHARS]
        articles = selectors.suggest_articles(principal=self.principal, text=text)
        return render(request, "portal/kb/suggest.html", {"articles": articles, "query": text})
