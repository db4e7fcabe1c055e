"""Template context for every page: portal name, languages and the principal's menu."""

from django.conf import settings


def portal(request):
    principal = getattr(request, "principal", None)
    return {
        "portal_name": getattr(settings, "PORTAL_NAME", "Portico"),
        "portal_languages": settings.LANGUAGES,
        "principal": principal,
        "portal_modules": principal.modules() if principal else [],
        "auth_limits": AUTH_LIMITS,
    }


# The numbers the sign-in pages quote, taken from the settings that enforce them.
AUTH_LIMITS = {
    "reset_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
    "invitation_hours": settings.PORTAL_INVITATION_TIMEOUT // 3600,
    "password_min": settings.PASSWORD_MIN_LENGTH,
}
