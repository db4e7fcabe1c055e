"""Back-office views added to the contact and profile screens: view the portal as a contact, profile preview."""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from portico.access import view_as
from portico.access.preview import profile_preview

PREVIEW_TEMPLATE = "admin/access/portalprofile/preview.html"


def _url_name(model_admin, what: str) -> str:
    return f"{model_admin.opts.app_label}_{model_admin.opts.model_name}_{what}"


class ViewAsAdminMixin:
    """The contact screen's "View portal as this contact" button and the view it posts to."""

    def get_urls(self):
        view = self.admin_site.admin_view(self.view_as_view)
        return [path("<path:object_id>/view-as/", view, name=_url_name(self, "view_as")), *super().get_urls()]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and view_as.may_view_as(request.user) and view_as.viewable_access(obj):
            context["view_as_url"] = reverse(f"admin:{_url_name(self, 'view_as')}", args=[obj.pk])
        return super().render_change_form(request, context, add, change, form_url, obj)

    def view_as_view(self, request, object_id):
        """Start viewing the portal as the contact (POST), then open the portal."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not view_as.may_view_as(request.user):
            raise PermissionDenied
        contact = self.get_object(request, unquote(object_id))
        if contact is None or not self.has_view_or_change_permission(request, contact):
            raise Http404
        try:
            view_as.start_viewing(request=request, contact=contact, actor=request.user)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(reverse(f"admin:{_url_name(self, 'change')}", args=[contact.pk]))
        return HttpResponseRedirect(reverse("portal:home"))


class ProfilePreviewAdminMixin:
    """The profile editor's preview pane: what a contact with the profile as ticked now sees."""

    def get_urls(self):
        view = self.admin_site.admin_view(self.preview_view)
        return [path("preview/", view, name=_url_name(self, "preview")), *super().get_urls()]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        grants = self._grants_of(form) if form.is_bound else (obj.grants if obj else {})
        context["profile_preview"] = profile_preview(grants)
        context["preview_url"] = reverse(f"admin:{_url_name(self, 'preview')}")
        return super().render_change_form(request, context, add, change, form_url, obj)

    def preview_view(self, request):
        """Answer the preview fragment for the grants posted from the editor (nothing is saved)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = self.get_form(request)(request.POST)
        return TemplateResponse(request, PREVIEW_TEMPLATE, {"profile_preview": profile_preview(self._grants_of(form))})

    @staticmethod
    def _grants_of(form) -> dict:
        """The grants the form's ticked boxes describe; a field with a bad value counts as not ticked."""
        form.is_valid()
        return form.grants_from(form.cleaned_data)
