"""A back-office page for a settings model that has exactly one row (portal settings, helpdesk settings)."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse


class SingletonAdmin(admin.ModelAdmin):
    """One page, never a list: the row (primary key `model.SINGLETON`) is created on the first visit.

    `saved_message` is shown after "Save", which stays on the page.
    """

    saved_message = ""

    def _url(self, name: str, *args) -> str:
        meta = self.model._meta
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_{name}", args=args)

    def prepare(self) -> None:
        """Create what the page needs besides the row (subclasses: e.g. one line per module)."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        obj, _created = self.model.objects.get_or_create(pk=self.model.SINGLETON)
        return HttpResponseRedirect(self._url("change", obj.pk))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied  # before anything is created for the page
        if str(object_id) != str(self.model.SINGLETON):
            return HttpResponseRedirect(self._url("changelist"))
        self.model.objects.get_or_create(pk=self.model.SINGLETON)
        self.prepare()
        return super().change_view(request, object_id, form_url, extra_context)

    def response_change(self, request, obj):
        if "_continue" not in request.POST and "_save" in request.POST:
            self.message_user(request, self.saved_message)
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)
