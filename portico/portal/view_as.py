"""The portal side of staff viewing the portal as a contact: ending it."""

from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from portico.access.view_as import stop_viewing


@require_POST
def end_view_as(request):
    """Stop viewing the portal as a contact and return to that contact in the back office."""
    principal = getattr(request, "principal", None)
    if principal is None:
        return HttpResponseRedirect(reverse("account_login"))
    if not getattr(principal, "viewing_as", False):
        return HttpResponseRedirect(reverse("portal:home"))
    stop_viewing(request=request, principal=principal)
    return HttpResponseRedirect(reverse("admin:crm_contact_change", args=[principal.contact.pk]))
