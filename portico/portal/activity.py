"""The Activity module: a company admin reads what people at their company did in the portal."""

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from portico.access import engine
from portico.core.audit_display import action_in_words, change_rows, filter_kind, kind_choices
from portico.crm.models import Contact
from portico.portal.views import PortalView

PAGE_SIZE = 25


class ActivityFilterForm(forms.Form):
    """Filter the activity by kind of action and by person; an invalid choice is reported and ignored."""

    kind = forms.ChoiceField(label=_("Action"), required=False)
    person = forms.TypedChoiceField(label=_("Person"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All actions")), *kind_choices()]
        self.fields["person"].choices = [("", _("Everyone")), *((c.pk, c.full_name) for c in people)]


def activity_people(principal) -> list[Contact]:
    """The people who can act in the portal for the principal's company: its contacts with portal access."""
    return list(
        engine.company_people(principal, "activity")
        .filter(portal_access__isnull=False)
        .only("pk", "first_name", "last_name")
        .order_by("last_name", "first_name", "pk")
    )


class ActivityView(PortalView):
    """The company's portal activity, newest first, 25 a page; HTMX requests get only the results."""

    module_key = "activity"

    def get(self, request):
        form = ActivityFilterForm(request.GET, people=activity_people(self.principal))
        form.is_valid()  # fills cleaned_data with the valid filters; the invalid ones show their error
        kind, person = form.cleaned_data.get("kind") or "", form.cleaned_data.get("person")
        entries = engine.visible(self.principal, self.module).select_related("actor_contact", "content_type")
        entries = filter_kind(entries, kind)
        if person:
            entries = entries.filter(actor_contact_id=person)
        page = Paginator(entries.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
        rows = [(entry, action_in_words(entry.action), change_rows(entry)) for entry in page.object_list]
        query = urlencode({"kind": kind, "person": person or ""})
        context = self.context(form=form, page=page, rows=rows, query=query)
        template = "portal/activity_results.html" if request.htmx else "portal/activity_list.html"
        return render(request, template, context)
