"""Staff-written email templates: fill their placeholders and put them in place of the built-in emails."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from portico.portal.models import EmailKind, EmailTemplate, PortalSettings

# The outbox's template names (and the adapter's name for allauth's reset mail) → the kinds staff edit.
KINDS = {
    "invitation": EmailKind.INVITATION,
    "password_reset": EmailKind.PASSWORD_RESET,
    "access_ending": EmailKind.ACCESS_ENDING,
}


def _contact_of(user):
    """The contact a login acts as in the portal (its first access), for emails that name only the login."""
    if user is None or not getattr(user, "pk", None):
        return None
    access = user.portal_accesses.select_related("contact__account").order_by("-is_active", "pk").first()
    return access.contact if access else None


def _portal_end(contact) -> date | None:
    access = getattr(contact, "portal_access", None) if contact is not None else None
    return getattr(access, "portal_end", None)


def placeholder_values(kind: str, context: dict, language: str) -> dict[str, str]:
    """Return every placeholder of an email kind as plain text, in the recipient's language."""
    contact = context.get("contact") or _contact_of(context.get("user"))
    account = context.get("account") or getattr(contact, "account", None)
    portal_end = context.get("portal_end") or _portal_end(contact)
    if kind == EmailKind.PASSWORD_RESET:
        valid_hours = max(settings.PASSWORD_RESET_TIMEOUT // 3600, 1)
    else:
        valid_hours = context.get("valid_hours", settings.PORTAL_INVITATION_TIMEOUT // 3600)
    days_left = context.get("days_left")
    if days_left is None and portal_end:
        days_left = (portal_end - timezone.localdate()).days
    with translation.override(language):
        values = {
            "first_name": getattr(contact, "first_name", ""),
            "last_name": getattr(contact, "last_name", ""),
            "email": getattr(contact, "email", "") or context.get("email") or getattr(context.get("user"), "email", ""),
            "company": getattr(account, "name", ""),
            "portal_name": PortalSettings.load().display_name,
            "link": context.get("url") or context.get("password_reset_url") or "",
            "valid_hours": valid_hours,
            "portal_end": date_format(portal_end) if portal_end else "",
            "days_left": "" if days_left is None else days_left,
        }
    return {name: str(value) for name, value in values.items()}


def staff_template(template: str, context: dict, language: str) -> tuple[str, str, str] | None:
    """Outbox hook: the staff-written email for this template and language, or None for the built-in one."""
    kind = KINDS.get(template)
    if kind is None:
        return None
    language = language or settings.LANGUAGE_CODE
    chosen = EmailTemplate.objects.filter(kind=kind, language=language).first()
    if chosen is None:
        return None
    subject, text = chosen.render(placeholder_values(kind, context, language))
    return subject, text, ""  # plain text only: staff write text, never HTML


def preview_context(kind: str, contact) -> dict:
    """The context a real email of this kind would get for a contact, with a link that grants nothing."""
    links = {
        EmailKind.INVITATION: reverse("portal:accept_invitation", kwargs={"token": "preview"}),
        EmailKind.PASSWORD_RESET: reverse("account_reset_password"),
        EmailKind.ACCESS_ENDING: reverse("account_login"),
    }
    context = {"contact": contact, "account": getattr(contact, "account", None), "url": settings.SITE_URL + links[kind]}
    if contact is None:
        context["portal_end"] = timezone.localdate()
    return context
