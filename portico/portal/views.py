"""Every customer-facing page of the portal. Records come only from the access engine."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from portico.access import engine
from portico.access.middleware import SESSION_CONTACT
from portico.access.services import accept_invitation, login_refusal, update_from_portal
from portico.access.tokens import check_invitation_token
from portico.core.urltags import cached_url
from portico.crm.models import Contact
from portico.portal.models import ExternalLink
from portico.users.models import User


class PortalView(LoginRequiredMixin, View):
    """Base of every signed-in portal page: the principal is set and the module must be granted."""

    module_key = "home"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated or request.principal is None:
            return self.handle_no_permission()
        self.principal = request.principal
        self.module = self.principal.module(self.module_key)  # with the label portal settings give it
        try:
            if not self.principal.grant(self.module).view:
                # The module does not exist for this company; another company of the person may have it.
                lookup = {"pk": kwargs["pk"]} if "pk" in kwargs else {}
                target = engine.switch_target(self.principal, self.module, **lookup)
                if target is None:
                    raise Http404
                raise engine.SwitchRequired(target)
            return super().dispatch(request, *args, **kwargs)
        except engine.SwitchRequired as switch:
            context = {"target": switch.access, "next": request.get_full_path()}
            return render(request, "portal/switch_required.html", context, status=409)

    def context(self, **extra):
        return {"module": self.module, **extra}


class HomeView(PortalView, TemplateView):
    """The dashboard: a widget per module the principal may use, the announcement, shortcuts and links."""

    template_name = "portal/home.html"

    def get_context_data(self, **kwargs):
        principal = self.principal
        widgets = [(m, m.widget(principal)) for m in principal.modules() if not m.always_on]
        days_left = (principal.access.portal_end - timezone.localdate()).days
        return self.context(
            widgets=widgets,
            days_left=days_left,
            shortcuts=self.shortcuts(),
            external_links=ExternalLink.for_profile(principal.profile),
            **kwargs,
        )

    def shortcuts(self) -> list[tuple[str, str]]:
        """Quick actions the principal may take, as (label, URL)."""
        grant = self.principal.grant
        shortcuts = []
        if grant("my_details").edit:
            shortcuts.append((_("Edit my details"), cached_url("portal:my_details_edit")))
        if grant("colleagues").create:
            shortcuts.append((_("Add colleague"), cached_url("portal:colleague_add")))
        shortcuts.append((_("Change password"), cached_url("account_change_password")))
        return shortcuts


class SingleRecordView(PortalView):
    """A module over one record of the principal (their contact, their company): show it and edit it."""

    template_name = "portal/record_detail.html"
    edit_template_name = "portal/record_edit.html"
    editing = False

    def get_object(self):
        return engine.get_visible_object(self.principal, self.module, pk=self.record_pk())  # type: ignore[attr-defined]

    def get(self, request):
        obj = self.get_object()
        if self.editing:
            engine.require(self.principal, self.module, "edit")
            return self.render_form(engine.edit_form_class(self.principal, self.module)(instance=obj), obj)
        rows = engine.display_rows(self.principal, self.module, obj)
        can_edit = bool(engine.editable_fields(self.principal, self.module))
        return render(request, self.template_name, self.context(object=obj, rows=rows, can_edit=can_edit))

    def post(self, request):
        if not self.editing:
            return HttpResponseRedirect(request.path)
        obj = self.get_object()
        engine.require(self.principal, self.module, "edit")
        form = engine.edit_form_class(self.principal, self.module)(request.POST, instance=obj)
        if not form.is_valid():
            return self.render_form(form, obj, status=400)
        changes = update_from_portal(principal=self.principal, module=self.module, instance=obj, form=form)
        if changes:
            messages.success(request, _("Your changes were saved."))
        else:
            messages.info(request, _("Nothing was changed."))
        response = HttpResponseRedirect(reverse(self.module.url_name))
        if "language" in changes and isinstance(obj, Contact):
            _set_language_cookie(response, obj.language)
        return response

    def render_form(self, form, obj, status=200):
        readonly = [row for row in engine.display_rows(self.principal, self.module, obj) if row[0] not in form.fields]
        return render(
            self.request, self.edit_template_name, self.context(object=obj, form=form, readonly=readonly), status=status
        )


class MyDetailsView(SingleRecordView):
    module_key = "my_details"

    def record_pk(self):
        return self.principal.contact.pk


class MyCompanyView(SingleRecordView):
    module_key = "my_company"

    def record_pk(self):
        return self.principal.account.pk


def _set_language_cookie(response, language):
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        httponly=False,
    )


def _safe_next(request, default: str) -> str:
    next_url = request.POST.get("next") or default
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return default
    return next_url


@require_POST
def switch_company(request):
    """Act for another company the signed-in person is a contact of; everything on screen follows it."""
    principal = getattr(request, "principal", None)
    if principal is None:
        return HttpResponseRedirect(reverse("account_login"))
    targets = {str(a.contact_id): a for a in principal.other_accesses}
    if request.POST.get("contact") == str(principal.contact.pk):
        return HttpResponseRedirect(_safe_next(request, reverse("portal:home")))
    access = targets.get(request.POST.get("contact", ""))
    if access is None:
        messages.error(request, _("You cannot act for that company."))
        return HttpResponseRedirect(reverse("portal:home"))
    request.session[SESSION_CONTACT] = access.contact_id
    messages.success(request, _("You are now acting for %(company)s.") % {"company": access.contact.account.name})
    return HttpResponseRedirect(_safe_next(request, reverse("portal:home")))


@require_POST
def set_language(request):
    """Switch the interface language; a signed-in person's choice is remembered for their emails too."""
    language = request.POST.get("language", "")
    response = HttpResponseRedirect(_safe_next(request, reverse("portal:home")))
    if language not in dict(settings.LANGUAGES):
        messages.error(request, _("That language is not available."))
        return response
    translation.activate(language)
    _set_language_cookie(response, language)
    if request.user.is_authenticated:
        User.objects.filter(pk=request.user.pk).update(language=language)
        principal = getattr(request, "principal", None)
        if principal is not None:
            Contact.objects.filter(pk=principal.contact.pk).update(language=language)
    return response


class AcceptInvitationView(View):
    """Choose a password through a single-use invitation link, then go straight to the portal."""

    template_name = "portal/accept_invitation.html"

    def dispatch(self, request, token):
        self.access = check_invitation_token(token)
        if self.access is None:
            return render(request, "portal/invitation_invalid.html", status=404)
        return super().dispatch(request, token)

    def get(self, request, token):
        return self.render_form(SetPasswordForm(self.access.user))

    def post(self, request, token):
        form = SetPasswordForm(self.access.user, request.POST)
        if not form.is_valid():
            return self.render_form(form, status=400)
        user = accept_invitation(access=self.access, password=form.cleaned_data["new_password1"])
        refusal = login_refusal(user)
        if refusal:
            messages.info(request, _("Your password is set.") + " " + refusal)
            return HttpResponseRedirect(reverse("account_login"))
        auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        request.session[SESSION_CONTACT] = self.access.contact_id
        if self.access.contact.language:
            User.objects.filter(pk=user.pk).update(language=self.access.contact.language)
        messages.success(request, _("Welcome! Your password is set."))
        return HttpResponseRedirect(reverse("portal:home"))

    def render_form(self, form, status=200):
        context = {"form": form, "contact": self.access.contact, "email": self.access.user.email}
        return render(self.request, self.template_name, context, status=status)
