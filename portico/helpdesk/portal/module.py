"""The Cases portal module: a contact's (or their company's) support cases."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portico.access import engine
from portico.access.registry import PortalModule, register
from portico.helpdesk.models import ACTIVE_STATUSES, Case, HelpdeskSettings


@register
class CasesModule(PortalModule):
    """Support cases: open one, follow the answers, reply, close, reopen and rate the help.

    Subject and description are what a case is: the new-case form always asks for them. The field rules
    govern everything shown (pages, CSV); category and priority may be editable, so the customer chooses them
    when opening a case and may change them later (with the edit right).
    """

    key = "cases"
    label = _("Cases")
    description = _("Ask for help, follow the answers and reply.")
    url_name = "portal:cases"
    urls = "portico.helpdesk.portal.urls"
    url_prefix = "cases/"
    model = Case
    contact_lookup = "contact_id"
    account_lookup = "account_id"
    fields = (
        "number",
        "subject",
        "status",
        "priority",
        "category",
        "contact",
        "created_at",
        "public_updated_at",
        "first_response_due",
        "resolution_due",
        "resolved_at",
        "closed_at",
        "rating",
    )
    never_editable = frozenset(fields) - {"priority", "category"}
    create_fields = ("subject", "description")  # always on the new-case form: a case cannot exist without them
    supports_create = True
    supports_edit = True
    actions = ("reply", "close", "reopen", "rate")
    order = 50

    def base_queryset(self):
        return Case.objects.select_related("category", "contact")

    def widget(self, principal):
        cases = engine.visible(principal, self)
        counts = cases.aggregate(open=Count("pk", filter=Q(status__in=ACTIVE_STATUSES)))
        latest = list(cases.order_by("-public_updated_at", "-pk")[:5])
        return {
            "template": "portal/cases/widget.html",
            "counts": counts,
            "latest": latest,
            "shown": set(engine.shown_fields(principal, self)),
            "can_create": principal.grant(self).create,
        }

    def settings_link(self):
        helpdesk_settings = HelpdeskSettings.load()
        url = reverse("admin:helpdesk_helpdesksettings_change", args=[HelpdeskSettings.SINGLETON])
        return url, gettext("New portal cases go to: %(target)s") % {"target": new_case_target(helpdesk_settings)}


def new_case_target(helpdesk_settings: HelpdeskSettings) -> str:
    """Who gets a new case from the portal, in words: the default assignee, the default team, both or nobody."""
    person, team = helpdesk_settings.default_assignee, helpdesk_settings.default_team
    name = (person.get_full_name() or person.email) if person else ""
    if person and team:
        return gettext("%(person)s, team %(team)s") % {"person": name, "team": team.name}
    if team:
        return gettext("team %(team)s") % {"team": team.name}
    return name or gettext("nobody (no default assignee or team)")
