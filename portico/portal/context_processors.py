"""Template context for every page: portal name and branding, languages and the principal's menu."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject
from django.utils.text import capfirst
from django.utils.translation import get_language_info

from portico.portal.models import PortalSettings


def portal(request):
    principal = getattr(request, "principal", None)
    return {
        # Lazy: read from the cached portal settings only by pages that show them (not the back office).
        "portal_name": SimpleLazyObject(lambda: PortalSettings.load().display_name),
        "branding": SimpleLazyObject(PortalSettings.load),
        "portal_languages": LANGUAGE_MENU,
        "principal": principal,
        "portal_modules": principal.modules() if principal else [],
        "auth_limits": AUTH_LIMITS,
    }


# Each language under its own name ("Suomi", "Svenska"), whatever language the page is in.
LANGUAGE_MENU = [(code, capfirst(get_language_info(code)["name_local"])) for code, _name in settings.LANGUAGES]

# The numbers the sign-in pages quote, taken from the settings that enforce them.
AUTH_LIMITS = {
    "reset_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
    "invitation_hours": settings.PORTAL_INVITATION_TIMEOUT // 3600,
    "password_min": settings.PASSWORD_MIN_LENGTH,
}
