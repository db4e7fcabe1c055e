"""The knowledge base as a portal module: the profile's grant opens it, each article's visibility narrows it."""

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portico.access.models import Scope
from portico.access.registry import PortalModule, register
from portico.knowledge.models import Article


@register
class KnowledgeModule(PortalModule):
    """Published articles: public and all-portal ones for every principal with the grant, the rest by profile."""

    key = "knowledge"
    label = _("Knowledge base")
    description = _("Guides and answers to common questions.")
    url_name = "portal:kb"
    urls = "portico.knowledge.portal.urls"
    url_prefix = "kb/"
    model = Article
    shared = True  # articles belong to no company: no record scope, visibility per article instead
    scopes = (Scope.COMPANY,)
    order = 60

    def base_queryset(self):
        return Article.objects.published()

    def shared_queryset(self, principal, queryset):
        everyone = Q(visibility__in=[Article.Visibility.PUBLIC, Article.Visibility.PORTAL])
        if principal.profile is None:
            return queryset.filter(everyone)
        chosen = Article.profiles.through.objects.filter(article=OuterRef("pk"), portalprofile=principal.profile)
        return queryset.filter(everyone | Q(visibility=Article.Visibility.PROFILES) & Exists(chosen))

    def widget(self, principal):
        from portico.knowledge import selectors

        language = get_language()
        return {
            "template": "portal/kb/widget.html",
            "latest": selectors.latest_articles(audience=principal, language=language, limit=5),
            "helpful": selectors.most_helpful_articles(audience=principal, language=language, limit=5),
        }
