"""Demo data: four companies, their portal users in five situations, and a staff administrator."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from portico.access.models import PortalAccess, PortalProfile
from portico.crm.models import Account, Contact
from portico.users.models import User

DEMO_PASSWORD = "portal-demo-2026"
STAFF_EMAIL = "admin@portico.example"
STAFF_PASSWORD = "backoffice-demo-2026"


@dataclass
class DemoLogin:
    email: str
    who: str


COMPANIES = [
    # key, name, country, city, business id, vat
    ("revontuli", "Revontuli Oy", "FI", "Helsinki", "2345678-9", "FI23456789"),
    ("skargard", "Skärgård Konsult AB", "SE", "Stockholm", "556677-8899", "SE556677889901"),
    ("fjordlys", "Fjordlys AS", "NO", "Bergen", "987654321", "NO987654321MVA"),
    ("solana", "Solana Servicios S.L.", "ES", "Madrid", "B12345678", "ESB12345678"),
]

# email, first, last, company key, profile, company admin, language, window ("open", "ended", "future")
PEOPLE = [
    ("aino.virtanen@revontuli.example", "Aino", "Virtanen", "revontuli", "Key contact", True, "fi", "open"),
    ("mikko.korhonen@revontuli.example", "Mikko", "Korhonen", "revontuli", "Standard user", False, "fi", "open"),
    ("kadri.tamm@revontuli.example", "Kadri", "Tamm", "revontuli-baltic", "Standard user", False, "en", "open"),
    ("erik.lindqvist@skargard.example", "Erik", "Lindqvist", "skargard", "Key contact", True, "sv", "open"),
    ("sara.holm@skargard.example", "Sara", "Holm", "skargard", "Standard user", False, "sv", "open"),
    ("ingrid.berg@fjordlys.example", "Ingrid", "Berg", "fjordlys", "Key contact", True, "nb", "open"),
    ("olav.hansen@fjordlys.example", "Olav", "Hansen", "fjordlys", "Standard user", False, "nb", "open"),
    ("lucia.garcia@solana.example", "Lucía", "García", "solana", "Key contact", True, "es", "open"),
    ("javier.moreno@solana.example", "Javier", "Moreno", "solana", "Standard user", False, "es", "open"),
    # One person, contact in two companies: one login.
    ("maria.nilsson@consulting.example", "Maria", "Nilsson", "skargard", "Standard user", False, "en", "open"),
    ("maria.nilsson@consulting.example", "Maria", "Nilsson", "fjordlys", "Key contact", False, "en", "open"),
    ("pekka.laine@revontuli.example", "Pekka", "Laine", "revontuli", "Standard user", False, "fi", "ended"),
    ("elena.ruiz@solana.example", "Elena", "Ruiz", "solana", "Standard user", False, "es", "future"),
]


def demo_loaded() -> bool:
    return User.objects.filter(email=STAFF_EMAIL).exists()


@transaction.atomic
def load_demo_data() -> None:
    """Create the demo companies, contacts, logins and the staff administrator (once)."""
    staff = User.objects.create_superuser(
        email=STAFF_EMAIL, password=STAFF_PASSWORD, first_name="Ada", last_name="Admin"
    )
    accounts = {}
    for key, name, country, city, business_id, vat in COMPANIES:
        accounts[key] = Account.objects.create(
            name=name,
            country=country,
            city=city,
            business_id=business_id,
            vat_number=vat,
            owner=staff,
            email=f"info@{key}.example",
            website=f"https://{key}.example",
            phone="+358 9 123 4567",
        )
    accounts["revontuli-baltic"] = Account.objects.create(
        name="Revontuli Baltic OÜ",
        country="EE",
        city="Tallinn",
        business_id="12345678",
        parent=accounts["revontuli"],
        owner=staff,
    )
    profiles = {p.name: p for p in PortalProfile.objects.all()}
    today = timezone.localdate()
    windows = {
        "open": (today - timedelta(days=30), today + timedelta(days=365)),
        "ended": (today - timedelta(days=400), today - timedelta(days=10)),
        "future": (today + timedelta(days=14), today + timedelta(days=380)),
    }
    for email, first, last, company, profile, is_admin, language, window in PEOPLE:
        contact = Contact.objects.create(
            first_name=first,
            last_name=last,
            email=email,
            account=accounts[company],
            language=language,
            job_title="Purchasing manager" if is_admin else "Specialist",
            owner=staff,
            phone="+358 40 123 4567",
        )
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email, password=DEMO_PASSWORD, first_name=first, last_name=last, language=language
            )
        start, end = windows[window]
        PortalAccess.objects.create(
            contact=contact,
            user=user,
            is_active=True,
            is_company_admin=is_admin,
            profile=profiles[profile],
            support_start=start,
            portal_end=end,
            invitation_sent_at=timezone.now(),
            invitation_accepted_at=timezone.now(),
        )
    Contact.objects.create(
        first_name="Nora",
        last_name="Nieminen",
        email="nora.nieminen@revontuli.example",
        account=accounts["revontuli"],
        language="fi",
        job_title="Controller",
        owner=staff,
    )
    for loader in _module_loaders:
        loader(staff=staff)


# Business modules add their demo data (cases, articles, ...) from their AppConfig.ready(), so the core never
# imports them: register_demo(load_demo) with `def load_demo(*, staff)`. They run in registration order.
_module_loaders: list[Callable[..., None]] = []


def register_demo(loader: Callable[..., None]) -> None:
    if loader not in _module_loaders:
        _module_loaders.append(loader)


def demo_logins() -> list[tuple[str, str, str]]:
    """Return (email, password, who) for the README and the console, one row per login."""
    names = {key: name for key, name, *_ in COMPANIES} | {"revontuli-baltic": "Revontuli Baltic OÜ (subsidiary)"}
    rows: dict[str, list[str]] = {}
    for email, _first, _last, company, profile, is_admin, _language, window in PEOPLE:
        state = {
            "open": profile + (", company admin" if is_admin else ""),
            "ended": "access ended",
            "future": "access not started yet",
        }[window]
        rows.setdefault(email, []).append(f"{names[company]}: {state}")
    return [(STAFF_EMAIL, STAFF_PASSWORD, "staff administrator (back office)")] + [
        (email, DEMO_PASSWORD, " + ".join(parts)) for email, parts in rows.items()
    ]
