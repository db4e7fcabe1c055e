"""Demo cases: categories, a support team, and cases of the demo companies in every status, made by the services."""

from __future__ import annotations

from django.db import transaction

from portico.crm.models import Contact
from portico.helpdesk import services
from portico.helpdesk.models import CaseCategory, HelpdeskSettings, Priority, Source, Status, Team
from portico.users.models import User

CATEGORIES = [
    # default name, {language: name}
    ("Question", {"fi": "Kysymys", "sv": "Fråga", "nb": "Spørsmål", "es": "Pregunta"}),
    ("Problem", {"fi": "Ongelma", "sv": "Problem", "nb": "Problem", "es": "Problema"}),
    ("Billing", {"fi": "Laskutus", "sv": "Fakturering", "nb": "Fakturering", "es": "Facturación"}),
]

# contact email, subject, description, category, priority, what happens next
CASES = [
    (
        "aino.virtanen@revontuli.example",
        "Invoice 2026-114 shows the wrong VAT rate",
        "The invoice we received this week has 24 % VAT on the training days; they should be 14 %.",
        "Billing",
        Priority.NORMAL,
        "replied",
    ),
    (
        "mikko.korhonen@revontuli.example",
        "Cannot sign in to the reporting tool",
        "Since Monday the reporting tool says my password is wrong, although I can sign in to the portal.",
        "Problem",
        Priority.HIGH,
        "new",
    ),
    (
        "erik.lindqvist@skargard.example",
        "How do we add a new user?",
        "We have a new colleague starting next month. How does she get access?",
        "Question",
        Priority.LOW,
        "resolved",
    ),
    (
        "ingrid.berg@fjordlys.example",
        "Export to Excel breaks Norwegian characters",
        "When we export the report, ø and å come out as question marks.",
        "Problem",
        Priority.URGENT,
        "waiting",
    ),
    (
        "lucia.garcia@solana.example",
        "Cambio de dirección de facturación",
        "Nuestra dirección de facturación cambia a partir del 1 de enero.",
        "Billing",
        Priority.NORMAL,
        "closed",
    ),
]


@transaction.atomic
def load_demo_cases() -> None:
    """Create the helpdesk's demo data (once): categories, the Support team and a handful of cases."""
    if CaseCategory.objects.exists():
        return
    categories = {}
    for order, (name, labels) in enumerate(CATEGORIES, start=1):
        categories[name] = CaseCategory.objects.create(name=name, labels={"en": name, **labels}, order=order * 10)
    staff = User.objects.filter(is_staff=True).order_by("pk").first()
    team = Team.objects.create(name="Support")
    if staff is not None:
        team.members.add(staff)
    helpdesk_settings, _created = HelpdeskSettings.objects.get_or_create(pk=HelpdeskSettings.SINGLETON)
    helpdesk_settings.default_team = team
    helpdesk_settings.save()
    for email, subject, description, category, priority, outcome in CASES:
        contact = Contact.objects.filter(email=email).select_related("account").order_by("pk").first()
        if contact is None:
            continue
        login = User.objects.filter(email=email).first()
        case = services.create_case(
            contact=contact,
            subject=subject,
            description=description,
            actor=login,
            source=Source.PORTAL,
            category=categories[category],
            priority=priority,
        )
        if staff is not None and outcome != "new":
            _play(case, contact, login, staff, outcome)


def _play(case, contact, login, staff, outcome: str) -> None:
    services.assign_case(case=case, actor=staff, assignee=staff, team=case.team)
    services.add_staff_reply(
        case=case, user=staff, body="Checked with the product team: they can reproduce it.", internal=True
    )
    services.add_staff_reply(
        case=case,
        user=staff,
        body="Thank you for letting us know. We are looking into it and will get back to you shortly.",
        status=Status.WAITING if outcome == "waiting" else None,
    )
    if outcome in ("resolved", "closed"):
        services.add_customer_message(
            case=case, contact=contact, body="Thanks, that answers it.", actor=login, source=Source.PORTAL
        )
        services.change_status(case=case, status=Status.RESOLVED, actor=staff)
        services.rate_case(case=case, contact=contact, rating=5, comment="Quick and clear.", actor=login)
    if outcome == "closed":
        services.close_case(case=case, actor=login, contact=contact)


def load_demo(*, staff) -> None:
    """The helpdesk's part of `portico demo` (registered in HelpdeskConfig.ready)."""
    load_demo_cases()
