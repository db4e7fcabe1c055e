"""allauth glue: closed sign-up, portal access checked after a correct password, mail through the outbox."""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.shortcuts import render
from django.utils import translation

from portico.core.outbox import queue_email, render_override

# allauth's emails that staff may rewrite in portal settings, by the name the outbox overrides know them.
OVERRIDABLE_MAILS = {"account/email/password_reset_key": "password_reset"}


class PorticoAccountAdapter(DefaultAccountAdapter):
    """Account adapter for the customer portal."""

    def is_open_for_signup(self, request):
        return False

    def pre_login(self, request, user, **kwargs):
        """Refuse, with a clear reason, a correct password whose login may not use the portal today."""
        from portico.access.services import login_refusal

        refusal = login_refusal(user)
        if refusal:
            return render(request, "account/access_refused.html", {"reason": refusal}, status=403)
        return super().pre_login(request, user, **kwargs)

    def send_mail(self, template_prefix, email, context):
        """Render allauth's emails in the recipient's language and put them in the outbox."""
        user = context.get("user")
        language = getattr(user, "language", "") or translation.get_language() or settings.LANGUAGE_CODE
        with translation.override(language):
            overridden = None
            if template_prefix in OVERRIDABLE_MAILS:
                overridden = render_override(OVERRIDABLE_MAILS[template_prefix], {**context, "email": email}, language)
            if overridden is not None:
                subject, text, html = overridden
            else:
                message = self.render_mail(template_prefix, email, context)
                subject, text, html = message.subject, message.body, ""
                for content, mimetype in getattr(message, "alternatives", []):
                    if mimetype == "text/html":
                        html = content
        queue_email(
            to=email,
            subject=subject,
            text=text,
            html=html,
            kind=template_prefix.rsplit("/", 1)[-1],
            language=language,
        )

    def get_password_change_redirect_url(self, request):
        from django.urls import reverse

        return reverse("portal:home")
