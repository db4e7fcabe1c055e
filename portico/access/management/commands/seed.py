"""`portico seed`: fill a database with accounts, contacts, portal users and cases for benchmarks."""

import random
import time
from datetime import UTC, timedelta

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from portico.access.models import PortalAccess, PortalProfile
from portico.core.models import NumberSequence
from portico.crm.models import Account, Contact
from portico.helpdesk.models import Case, CaseMessage, CaseStatusChange, MessageKind, Priority, Source, Status
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
        parser.add_argument("--cases", type=int, default=0, help="cases spread over all accounts of the database")
        parser.add_argument(
            "--company-cases",
            type=int,
            default=0,
            help="of these cases, how many belong to the middle account (the one bench/run.py signs in to)",
        )
        parser.add_argument(
            "--messages-per-case", type=int, default=5, help="conversation length of the middle account's cases"
        )

    def handle(
        self,
        *args,
        accounts,
        contacts_per_account,
        portal_users_per_account,
        batch,
        seed,
        cases,
        company_cases,
        messages_per_case,
        **options,
    ):
        if accounts < 1 or contacts_per_account < 0 or batch < 1:
            raise CommandError("--accounts and --batch must be positive, --contacts-per-account not negative.")
        if not 0 <= company_cases <= cases or messages_per_case < 1 or (cases and not contacts_per_account):
            raise CommandError(
                "Need 0 <= --company-cases <= --cases, --messages-per-case >= 1, and contacts to raise the cases."
            )
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
        if cases:
            started = time.monotonic()
            seed_cases(
                total=cases, company_cases=company_cases, messages_per_case=messages_per_case, rng=rng, batch=batch
            )
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created {cases} cases, {company_cases} of them with {messages_per_case} messages each in "
                    f"the middle account, in {time.monotonic() - started:.1f} s."
                )
            )


def connection_lacks_returning(objs) -> bool:
    return any(o.pk is None for o in objs)


# --- Cases ------------------------------------------------------------------------------------------------

SUBJECTS = [
    "Invoice shows the wrong VAT rate",
    "Cannot sign in to the reporting tool",
    "How do we add a new user?",
    "Export breaks Nordic characters",
    "Delivery address changed",
    "Report totals do not match",
    "Password reset email never arrives",
    "Request for a training day",
]
BODIES = {
    MessageKind.CUSTOMER: "Since Monday this does not work for us any more. Could you have a look? It blocks our team.",
    MessageKind.REPLY: "Thank you for letting us know. We reproduced it and a fix is on its way; we will confirm here.",
    MessageKind.NOTE: "Checked with the product team: known issue, fix in the next release.",
}
# A conversation: the description, a reply, a note staff keep to themselves, the customer again, a reply, ...
CONVERSATION = [MessageKind.CUSTOMER, MessageKind.REPLY, MessageKind.NOTE, MessageKind.CUSTOMER, MessageKind.REPLY]
STATUSES = [Status.CLOSED] * 6 + [Status.RESOLVED, Status.NEW, Status.OPEN, Status.WAITING]
PRIORITIES = [Priority.LOW, Priority.NORMAL, Priority.NORMAL, Priority.NORMAL, Priority.HIGH, Priority.URGENT]


def middle_account() -> Account | None:
    """The account in the middle of the primary-key order: benchmarks sign in there, seeding gives it many cases."""
    count = Account.objects.count()
    return Account.objects.order_by("pk")[count // 2] if count else None


def reserve_case_numbers(count: int) -> int:
    """Take `count` numbers of the case series in one update; return the first of them."""
    with transaction.atomic():
        NumberSequence.objects.bulk_create([NumberSequence(series="case")], ignore_conflicts=True)
        NumberSequence.objects.filter(series="case").update(last_value=F("last_value") + count)
        last = NumberSequence.objects.filter(series="case").values_list("last_value", flat=True).get()
    return last - count + 1


CASE_COLUMNS = (
    "number",
    "subject",
    "description",
    "priority",
    "status",
    "contact",
    "account",
    "source",
    "created_at",
    "updated_at",
    "public_updated_at",
    "first_response_due",
    "resolution_due",
    "first_responded_at",
    "resolved_at",
    "closed_at",
    "rating",
    "rating_comment",
    "rated_at",
    "sla_paused_at",
)


def seed_case(number: int, account_id: int, contact_id: int, *, rng: random.Random, now, stored) -> tuple:
    """One case's row (CASE_COLUMNS) in a plausible state: times, SLA due times, resolution and rating agree.

    `stored` turns a datetime into what the database keeps.
    """
    created = now - timedelta(minutes=rng.randrange(10, 365 * 24 * 60))
    status = rng.choice(STATUSES)
    step = (now - created) / 4
    responded = resolved = closed = rating = None
    updated = created
    if status != Status.NEW:
        responded = updated = created + step
    if status in (Status.RESOLVED, Status.CLOSED):
        resolved = updated = created + 2 * step
        rating = rng.randint(3, 5) if rng.random() < 0.5 else None
    if status == Status.CLOSED:
        closed = updated = created + 3 * step
    return (
        f"CS-{number:06d}",
        f"{rng.choice(SUBJECTS)} ({number})",
        BODIES[MessageKind.CUSTOMER],
        rng.choice(PRIORITIES),
        status.value,
        contact_id,
        account_id,
        rng.choice([Source.PORTAL, Source.PORTAL, Source.EMAIL]).value,
        stored(created),
        stored(updated),
        stored(updated),
        stored(created + timedelta(hours=8)),
        stored(created + timedelta(days=5)),
        stored(responded),
        stored(resolved),
        stored(closed),
        rating,
        "",
        stored(resolved if rating else None),
        stored(updated if status == Status.WAITING else None),  # waiting for the customer: the SLA clock stops
    )


def datetime_storage():
    """How the database keeps a datetime: SQLite as naive UTC text (as Django writes it), others as given."""
    if connection.vendor != "sqlite":
        return lambda value: value
    return lambda value: None if value is None else str(value.astimezone(UTC).replace(tzinfo=None))


def insert_rows(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert prepared rows with one executemany: Django's per-value preparation in bulk_create costs about
    0.6 ms per case (ten minutes for a million on SQLite); these rows are already what the database keeps.
    """
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        # Table and column names come from the model, quoted; the values are parameters.
        cursor.executemany(f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({marks})", rows)  # noqa: S608


def seed_cases(*, total: int, company_cases: int, messages_per_case: int, rng: random.Random, batch: int) -> None:
    """Insert `total` cases over the accounts' contacts in batches; `company_cases` of them in the middle account,
    each with a conversation and its status history (the other cases have neither: they fill lists and indexes).
    """
    middle = middle_account()
    contacts: dict[int, list[int]] = {}
    for account_id, contact_id in Contact.objects.order_by("pk").values_list("account_id", "pk"):
        contacts.setdefault(account_id, []).append(contact_id)
    others = [account_id for account_id in contacts if account_id != middle.pk]
    if middle.pk not in contacts or (total > company_cases and not others):
        raise CommandError("Cases need contacts: the middle account and the others must have some.")
    first = reserve_case_numbers(total)
    now, stored = timezone.now(), datetime_storage()

    def row(n: int) -> tuple:
        account_id = middle.pk if n < company_cases else others[(n - company_cases) % len(others)]
        contact_id = rng.choice(contacts[account_id])
        return seed_case(first + n, account_id, contact_id, rng=rng, now=now, stored=stored)

    rows_per_transaction = batch * 10  # a case row is small
    for offset in range(0, total, rows_per_transaction):
        rows = [row(n) for n in range(offset, min(offset + rows_per_transaction, total))]
        with transaction.atomic():
            insert_rows(Case, CASE_COLUMNS, rows)
    seed_conversations(middle, messages_per_case, batch)


def seed_conversations(account: Account, messages_per_case: int, batch: int) -> None:
    """Messages and status history of an account's cases, in bulk."""
    cases = list(Case.objects.filter(account=account).order_by("pk").values_list("pk", "contact_id", "status"))
    for offset in range(0, len(cases), batch):
        chunk = cases[offset : offset + batch]
        with transaction.atomic():
            CaseMessage.objects.bulk_create(
                [
                    CaseMessage(
                        case_id=pk,
                        kind=kind,
                        author_contact_id=contact_id if kind == MessageKind.CUSTOMER else None,
                        body=BODIES[kind],
                        source=Source.PORTAL,
                    )
                    for pk, contact_id, _status in chunk
                    for kind in (CONVERSATION * messages_per_case)[:messages_per_case]
                ],
                batch_size=2000,
            )
            CaseStatusChange.objects.bulk_create(
                [
                    CaseStatusChange(case_id=pk, old_status=old, new_status=new, actor_contact_id=contact_id)
                    for pk, contact_id, status in chunk
                    for old, new in [("", Status.NEW), (Status.NEW, status)]
                    if not old or status != Status.NEW
                ],
                batch_size=2000,
            )
