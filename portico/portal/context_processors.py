"""Template context for every page: portal name, languages and the principal's menu."""

from django.conf import settings


def portal(request):
    principal = getattr(request, "principal", None)
    return {
        "portal_name": getattr(settings, "PORTAL_NAME", "Portico"),
        "portal_languages": settings.LANGUAGES,
        "principal": principal,
        "portal_modules": principal.modules() if principal else [],
    }
