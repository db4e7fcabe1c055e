"""The Colleagues module: company admins list, add and edit their company's contacts and their portal access."""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portico.access import colleagues, engine
from portico.access.models import PortalAccess
from portico.core.urltags import pk_url
from portico.portal.views import PortalView

PAGE_SIZE = 25


class ColleagueForm(forms.ModelForm):
    """Base of the colleague details form; the fields come from the principal's field rules."""

    principal = None  # set by ColleaguesView.details_form_class()

    def clean_email(self):
        email = (self.cleaned_data.get("email") or "").strip().lower()
        if email:
            # The colleague's own company: the principal's, or the subsidiary of the colleague being edited.
            company = self.instance.account_id if self.instance.pk else None
            same = engine.company_contacts(self.principal, company).filter(email__iexact=email)
            if same.exclude(pk=self.instance.pk).exists():
                raise ValidationError(_("A colleague with this email address already exists."))
        return email


class AccessForm(forms.Form):
    """Portal access a company admin may give: an allowed profile and dates inside their own window."""

    profile = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Profile"), empty_label=None)
    support_start = forms.DateField(
        label=gettext_lazy("Support start date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    portal_end = forms.DateField(
        label=gettext_lazy("Portal end date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    is_company_admin = forms.BooleanField(label=gettext_lazy("Company admin"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["profile"].queryset = colleagues.assignable_profiles()


class ColleaguesView(PortalView):
    module_key = "colleagues"

    def details_form_class(self):
        form_class = engine.edit_form_class(self.principal, self.module, base_form=ColleagueForm)
        form_class.principal = self.principal
        return form_class

    def get_colleague(self, pk):
        return engine.get_visible_object(self.principal, self.module, pk=pk)


class ColleagueListView(ColleaguesView):
    """Search and page through the company's contacts; HTMX requests get only the results."""

    def get(self, request):
        contacts = engine.visible(self.principal, self.module).order_by("last_name", "first_name", "pk")
        query = request.GET.get("q", "").strip()[:100]
        if query:
            contacts = contacts.filter(
                Q(first_name__icontains=query) | Q(last_name__icontains=query) | Q(email__icontains=query)
            )
        portal = request.GET.get("portal", "")
        if portal == "active":
            contacts = contacts.filter(portal_access__is_active=True)
        elif portal == "none":
            contacts = contacts.exclude(portal_access__is_active=True)
        page = Paginator(contacts, PAGE_SIZE).get_page(request.GET.get("page"))
        context = self.context(
            page=page, rows=colleague_rows(page), query=query, portal=portal, grant=self.principal.grant(self.module)
        )
        template = "portal/colleague_results.html" if request.htmx else "portal/colleague_list.html"
        return render(request, template, context)


def colleague_rows(contacts) -> list[dict]:
    """The list's rows as plain values, so the template only prints them (a row costs microseconds, not tags)."""
    url = pk_url("portal:colleague")
    active, invited = _("Active"), _("Invited")
    rows = []
    for contact in contacts:
        access = getattr(contact, "portal_access", None) if _has_access(contact) else None
        live = access is not None and access.is_active
        rows.append(
            {
                "url": url(contact.pk),
                "name": f"{contact.last_name}, {contact.first_name}",
                "admin": live and access.is_company_admin,
                "email": contact.email or "—",
                "job_title": contact.job_title or "—",
                "status": (active if access.invitation_accepted_at else invited) if live else "—",
                "profile": access.profile.name if live and access.profile else "—",
            }
        )
    return rows


def _has_access(contact) -> bool:
    try:
        contact.portal_access  # noqa: B018 (loaded by select_related; raises when the contact has none)
    except PortalAccess.DoesNotExist:
        return False
    return True


class ColleagueCreateView(ColleaguesView):
    def get(self, request):
        engine.require(self.principal, self.module, "create")
        return self.render_form(self.details_form_class()())

    def post(self, request):
        engine.require(self.principal, self.module, "create")
        form = self.details_form_class()(request.POST)
        if not form.is_valid():
            return self.render_form(form, status=400)
        contact = colleagues.add_colleague(principal=self.principal, form=form)
        messages.success(request, _("%(name)s was added.") % {"name": contact.full_name})
        return HttpResponseRedirect(reverse("portal:colleague", args=[contact.pk]))

    def render_form(self, form, status=200):
        return render(self.request, "portal/colleague_form.html", self.context(form=form), status=status)


class ColleagueDetailView(ColleaguesView):
    """A colleague's details (editable where the profile allows) and their portal access."""

    def get(self, request, pk):
        contact = self.get_colleague(pk)
        return self.render_page(contact, self.details_form_class()(instance=contact), self.access_form(contact))

    def post(self, request, pk):
        contact = self.get_colleague(pk)
        engine.require(self.principal, self.module, "edit")
        form = self.details_form_class()(request.POST, instance=contact)
        if not form.is_valid():
            return self.render_page(contact, form, self.access_form(contact), status=400)
        try:
            changes = colleagues.update_colleague(
                principal=self.principal, module=self.module, contact=contact, form=form
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.render_page(contact, form, self.access_form(contact), status=400)
        messages.success(request, _("Your changes were saved.") if changes else _("Nothing was changed."))
        return HttpResponseRedirect(request.path)

    def access_form(self, contact, data=None):
        access = getattr(contact, "portal_access", None)
        own = self.principal.access
        today = timezone.localdate()
        initial = {
            "profile": access.profile_id if access and access.profile_id else None,
            "support_start": access.support_start if access and access.is_active else max(today, own.support_start),
            "portal_end": access.portal_end
            if access and access.is_active
            else min(today + timedelta(days=365), own.portal_end),
            "is_company_admin": bool(access and access.is_company_admin),
        }
        return AccessForm(data, initial=initial)

    def render_page(self, contact, form, access_form, status=200):
        access = getattr(contact, "portal_access", None)
        context = self.context(
            object=contact,
            form=form,
            access=access,
            access_form=access_form,
            is_self=contact.pk == self.principal.contact.pk,
            grant=self.principal.grant(self.module),
            readonly=[
                row for row in engine.display_rows(self.principal, self.module, contact) if row[0] not in form.fields
            ],
        )
        return render(self.request, "portal/colleague_detail.html", context, status=status)


class ColleagueAccessView(ColleagueDetailView):
    """POST: give or change portal access, revoke it, or resend the invitation."""

    http_method_names = ["post"]

    def post(self, request, pk):
        contact = self.get_colleague(pk)
        engine.require(self.principal, self.module, "actions")
        action = request.POST.get("action", "grant")
        try:
            if action == "revoke":
                colleagues.revoke_colleague_access(principal=self.principal, contact=contact)
                messages.success(request, _("Portal access of %(name)s was ended.") % {"name": contact.full_name})
            elif action == "resend":
                colleagues.resend_colleague_invitation(principal=self.principal, contact=contact)
                messages.success(request, _("A new invitation was sent to %(email)s.") % {"email": contact.email})
            else:
                return self.grant(contact)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        return HttpResponseRedirect(reverse("portal:colleague", args=[contact.pk]))

    def grant(self, contact):
        form = self.access_form(contact, self.request.POST)
        if form.is_valid():
            try:
                access = colleagues.grant_colleague_access(
                    principal=self.principal, contact=contact, **form.cleaned_data
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(self.request, self.grant_message(contact, access))
                return HttpResponseRedirect(reverse("portal:colleague", args=[contact.pk]))
        contact = self.get_colleague(contact.pk)
        return self.render_page(contact, self.details_form_class()(instance=contact), form, status=400)

    @staticmethod
    def grant_message(contact, access: PortalAccess) -> str:
        if access.invitation_accepted_at:
            return _("Portal access of %(name)s was saved.") % {"name": contact.full_name}
        return _("Portal access was given and an invitation was sent to %(email)s.") % {"email": contact.email}


colleague_access = require_POST(ColleagueAccessView.as_view())
