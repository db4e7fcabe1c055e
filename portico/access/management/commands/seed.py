"""`portico seed`: fill a database with accounts, contacts and portal users for benchmarks."""

import random
import time

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from portico.access.models import PortalAccess, PortalProfile
from portico.crm.models import Account, Contact
from portico.users.models import User

FIRST = [
    "Aino",
    "Mikko",
    "Sara",
    "Erik",
    "Ingrid",
    "Olav",
    "Lucía",
    "Javier",
    "Maria",
    "Pekka",
    "Elena",
    "Kadri",
    "Noah",
    "Emma",
]
LAST = [
    "Virtanen",
    "Korhonen",
    "Holm",
    "Lindqvist",
    "Berg",
    "Hansen",
    "García",
    "Moreno",
    "Nilsson",
    "Laine",
    "Ruiz",
    "Tamm",
]
COUNTRIES = ["FI", "SE", "NO", "ES", "DK", "EE"]
SEED_PASSWORD = "seed-password-2026"


class Command(BaseCommand):
    help = "Create N accounts with M contacts each; the first contact of every account gets portal access."

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=1000)
        parser.add_argument("--contacts-per-account", type=int, default=10)
        parser.add_argument("--portal-users-per-account", type=int, default=2)
        parser.add_argument("--batch", type=int, default=2000)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, accounts, contacts_per_account, portal_users_per_account, batch, seed, **options):
        if accounts < 1 or contacts_per_account < 0 or batch < 1:
            raise CommandError("--accounts and --batch must be positive, --contacts-per-account not negative.")
        profile = PortalProfile.objects.order_by("pk").first()
        if profile is None:
            raise CommandError("No portal profile exists; run migrate first.")
        rng = random.Random(seed)
        password = make_password(SEED_PASSWORD)  # hashed once, shared by every seeded login
        run = f"{int(time.time()):x}"
        started = time.monotonic()
        today = timezone.localdate()
        done = 0
        for offset in range(0, accounts, batch):
            size = min(batch, accounts - offset)
            with transaction.atomic():
                created = Account.objects.bulk_create(
                    [
                        Account(
                            name=f"{rng.choice(LAST)} {rng.choice(['Oy', 'AB', 'AS', 'S.L.'])} {run}-{offset + i}",
                            country=rng.choice(COUNTRIES),
                            city="City",
                            business_id=f"{run}-{offset + i}",
                        )
                        for i in range(size)
                    ],
                    batch_size=1000,
                )
                if connection_lacks_returning(created):
                    created = list(
                        Account.objects.filter(business_id__startswith=f"{run}-").order_by("pk")[offset : offset + size]
                    )
                contacts = [
                    Contact(
                        first_name=rng.choice(FIRST),
                        last_name=rng.choice(LAST),
                        account=account,
                        email=f"c{account.pk}-{n}@seed-{run}.example",
                        language=rng.choice(["en", "fi", "sv", "nb", "es"]),
                    )
                    for account in created
                    for n in range(contacts_per_account)
                ]
                Contact.objects.bulk_create(contacts, batch_size=2000)
                portal = [c for c in contacts if int(c.email.split("-")[1].split("@")[0]) < portal_users_per_account]
                users = User.objects.bulk_create(
                    [User(email=c.email, password=password, language=c.language) for c in portal], batch_size=2000
                )
                PortalAccess.objects.bulk_create(
                    [
                        PortalAccess(
                            contact=c,
                            user=u,
                            is_active=True,
                            profile=profile,
                            support_start=today,
                            portal_end=today.replace(year=today.year + 1),
                        )
                        for c, u in zip(portal, users, strict=True)
                    ],
                    batch_size=2000,
                )
            done += size
            self.stdout.write(f"{done}/{accounts} accounts ({time.monotonic() - started:.1f} s)")
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {accounts} accounts and {accounts * contacts_per_account} contacts "
                f"in {time.monotonic() - started:.1f} s. "
                f"Seeded portal logins use the password {SEED_PASSWORD!r}."
            )
        )


def connection_lacks_returning(objs) -> bool:
    return any(o.pk is None for o in objs)
