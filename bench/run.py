"""Measure portal pages against bare Django views doing the same queries, under concurrent load.

    uv run python bench/run.py --db sqlite|postgres [--accounts 10000 --contacts-per-account 10]
                               [--cases 1000000 --company-cases 10000]
                               [--concurrency 16] [--seconds 15] [--rounds 2]

Prepares (or reuses) a seeded database, signs a company admin in, starts granian on a free port of
127.0.0.1, then loads each portal page and its bare twin in turn with wrk. Prints a table (req/s, p50, p99,
CPU ms per request of the server processes and their PostgreSQL backends) and writes it to bench/results/.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
DATA_DIR = BENCH_DIR / ".data"
RESULTS_DIR = BENCH_DIR / "results"
HOST = "127.0.0.1"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_DATABASE = "portico_bench"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

sys.path.insert(0, str(ROOT))  # `python bench/run.py` puts bench/ first on the path, not the project


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--accounts", type=int, default=10000)
    parser.add_argument("--contacts-per-account", type=int, default=10)
    parser.add_argument("--cases", type=int, default=1_000_000, help="support cases over all accounts")
    parser.add_argument("--company-cases", type=int, default=10_000, help="of them, in the measured company")
    parser.add_argument("--concurrency", type=int, default=16, help="open connections of the load generator")
    parser.add_argument("--threads", type=int, default=2, help="load generator threads")
    parser.add_argument("--seconds", type=int, default=15, help="length of one load run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per URL")
    parser.add_argument("--rounds", type=int, default=2, help="portal/bare alternations per page")
    parser.add_argument("--pages", default="login,dashboard,colleagues,cases,case")
    args = parser.parse_args(argv)
    if args.accounts < 1 or args.contacts_per_account < 2 or not 1 <= args.seconds <= 120 or args.rounds < 1:
        parser.error("need --accounts >= 1, --contacts-per-account >= 2, 1 <= --seconds <= 120, --rounds >= 1")
    if not 1 <= args.company_cases <= args.cases:
        parser.error("need 1 <= --company-cases <= --cases (the case page shows one of the company's cases)")
    return args


# --- Database -----------------------------------------------------------------------------------------------


def configure_environment(args) -> None:
    """Point the bench settings at this run's database before Django starts."""
    DATA_DIR.mkdir(exist_ok=True)
    if args.db == "sqlite":
        url = f"sqlite:///{DATA_DIR / f'bench-{args.accounts}x{args.contacts_per_account}.sqlite3'}"
    else:
        url = f"{PG_SERVER}/{PG_DATABASE}"
    os.environ["DATABASE_URL"] = url
    os.environ["PORTICO_DATA_DIR"] = str(DATA_DIR)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"


def postgres_database(*, drop: bool) -> None:
    """Create the bench database on the local PostgreSQL server when missing (after dropping it if asked)."""
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=10) as conn:
        if drop:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_DATABASE]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{PG_DATABASE}"')


def sqlite_path() -> Path:
    return Path(os.environ["DATABASE_URL"].removeprefix("sqlite:///"))


def prepare_database(args) -> None:
    """Migrate, and seed at the requested size unless the database already holds exactly that."""
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connections

    from portico.access.management.commands.seed import middle_account
    from portico.crm.models import Account, Contact
    from portico.helpdesk.models import Case

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    wanted = (args.accounts, args.accounts * args.contacts_per_account, args.cases, args.company_cases)
    middle = middle_account()
    company_cases = Case.objects.filter(account=middle).count() if middle else 0
    have = (Account.objects.count(), Contact.objects.count(), Case.objects.count(), company_cases)
    if have == wanted:
        print(f"Reusing the database: {have[0]} accounts, {have[1]} contacts, {have[2]} cases ({have[3]} measured).")
    else:
        seed(args, have, wanted)
    with connections["default"].cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics after the bulk load (autovacuum may be off)
    cache.clear()  # no entries (sign-in rate limits, settings of an older release) left from earlier runs


def seed(args, have: tuple[int, ...], wanted: tuple[int, ...]) -> None:
    """Fill the database at the requested size, starting afresh when it holds anything else."""
    from django.core.management import call_command
    from django.db import connections

    if have != (0, 0, 0, 0):
        print(
            f"The database holds {have[0]} accounts, {have[1]} contacts, {have[2]} cases ({have[3]} in the "
            f"measured company), not {wanted}: starting afresh."
        )
        connections.close_all()
        if args.db == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{sqlite_path()}{suffix}").unlink(missing_ok=True)
        else:
            connections["default"].close_pool()  # the pool's open connections would die with the database
            postgres_database(drop=True)
        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
    print(
        f"Seeding {args.accounts} accounts with {args.contacts_per_account} contacts each, {args.cases} cases "
        f"({args.company_cases} in the measured company) ..."
    )
    started = time.monotonic()
    with open(os.devnull, "w") as quiet:
        call_command(
            "seed",
            accounts=args.accounts,
            contacts_per_account=args.contacts_per_account,
            cases=args.cases,
            company_cases=args.company_cases,
            stdout=quiet,
        )
    print(f"Seeded in {time.monotonic() - started:.1f} s.")


@dataclass
class Visitor:
    """The measured portal user: a company admin with the "Key contact" profile, signed in."""

    email: str
    account_name: str
    colleague_email: str
    cookie: str
    case: int  # the case of the case page: the company's latest updated open case, with a conversation
    case_number: str
    latest_case_number: str  # the first row of the case list


def sign_in_company_admin(args) -> Visitor:
    """Make a portal user of a seeded account its company admin with "Key contact" and sign them in.

    "Key contact" must show the company's cases (its starting grant, migration helpdesk 0003): restored if changed.
    """
    from django.test import Client

    from portico.access.management.commands.seed import SEED_PASSWORD, middle_account
    from portico.access.models import PortalAccess, PortalProfile
    from portico.crm.models import Contact
    from portico.helpdesk.models import ACTIVE_STATUSES, Case
    from portico.helpdesk.portal.module import CasesModule

    account = middle_account()
    profile = PortalProfile.objects.get(name="Key contact")
    if profile.grants.get("cases", {}).get("scope") != "company" or not profile.grants["cases"].get("view"):
        profile.grants["cases"] = {
            "view": True,
            "create": True,
            "edit": True,
            "actions": True,
            "scope": "company",
            "fields": {name: "edit" if name in ("priority", "category") else "read" for name in CasesModule.fields},
        }
        profile.save(update_fields=["grants", "updated_at"])
    access = (
        PortalAccess.objects.filter(contact__account=account, user__isnull=False)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    access.profile = profile
    access.is_company_admin = True
    access.is_active = True
    access.save(update_fields=["profile", "is_company_admin", "is_active", "updated_at"])
    client = Client(HTTP_HOST=HOST)
    response = client.post("/portal/account/login/", {"login": access.user.email, "password": SEED_PASSWORD})
    if response.status_code != 302 or "sessionid" not in client.cookies:
        raise SystemExit(f"Signing in {access.user.email} failed: HTTP {response.status_code}")
    client.get("/portal/")  # the first page after sign-in settles the session
    colleague = Contact.objects.filter(account=account).exclude(pk=access.contact_id).order_by("-pk").first()
    cases = Case.objects.filter(account=account).order_by("-public_updated_at", "-pk")
    case = cases.filter(status__in=ACTIVE_STATUSES, messages__isnull=False).distinct().first()
    if case is None:
        raise SystemExit(f"{account.name} has no open case with messages: seed with --company-cases.")
    return Visitor(
        email=access.user.email,
        account_name=account.name,
        colleague_email=colleague.email,
        cookie=f"sessionid={client.cookies['sessionid'].value}",
        case=case.pk,
        case_number=case.number,
        latest_case_number=cases.first().number,
    )


def page_queries(pages: list[str], visitor: Visitor) -> dict[str, tuple[int, int]]:
    """Number of SQL statements and response bytes of each real page, captured in-process."""
    from bench.bare import compare_sql

    result = {}
    for page in pages:
        cookies = {} if page == "login" else {"sessionid": visitor.cookie.split("=", 1)[1]}
        portal_sql, _bare_sql, size = compare_sql(page, cookies, visitor.case)
        result[page] = (len(portal_sql), size)
    return result


# --- Server -------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """granian serving bench.wsgi on a free local port, stopped on exit."""

    def __init__(self, db: str):
        self.port = free_port()
        self.log_path = DATA_DIR / f"granian-{db}.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        command = [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", HOST, "--port", str(self.port)]
        command += ["--workers", "2", "--blocking-threads", "4", "--no-ws", "bench.wsgi:application"]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(  # noqa: S603
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"granian exited with {self.process.returncode}; see {self.log_path}")
            try:
                if fetch(self.port, "/portal/account/login/")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"granian did not answer within {timeout} s; see {self.log_path}")

    def __exit__(self, *exc) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)

    def pids(self) -> set[int]:
        """The granian process and all its descendants."""
        children: dict[int, list[int]] = {}
        for pid, stat in _all_stats().items():
            children.setdefault(stat[1], []).append(pid)
        found, frontier = {self.process.pid}, [self.process.pid]
        while frontier:
            frontier = [child for pid in frontier for child in children.get(pid, [])]
            found.update(frontier)
        return found


def fetch(port: int, path: str, cookie: str = "") -> tuple[int, bytes]:
    """GET a path from the local server without following redirects."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# --- CPU time from /proc ------------------------------------------------------------------------------------


def _stat(pid: int) -> tuple[int, int] | None:
    """(utime + stime in clock ticks, parent pid) of a process, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12]), int(fields[1])


def _all_stats() -> dict[int, tuple[int, int]]:
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(int(entry))) is not None:
            stats[int(entry)] = stat
    return stats


def postgres_backends() -> set[int]:
    """Server processes of the local PostgreSQL serving the bench database (their title names it)."""
    pids = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            title = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres: ") and f" {PG_DATABASE} " in title:
            pids.add(int(entry))
    return pids


def cpu_ticks(pids: set[int]) -> dict[int, int]:
    return {pid: stat[0] for pid in pids if (stat := _stat(pid)) is not None}


def cpu_seconds_between(before: dict[int, int], after: dict[int, int]) -> float:
    """CPU seconds spent between two samples by the processes of the second (new ones from zero)."""
    return sum(ticks - before.get(pid, 0) for pid, ticks in after.items()) / CLOCK_TICKS


# --- Load generator -----------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    """Return wrk's path, installing Debian's package when it is missing and we are root."""
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() != 0:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    print("Installing wrk from Debian ...")
    subprocess.run(["apt-get", "update", "-qq"], check=True, timeout=300)  # noqa: S607
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, timeout=300)  # noqa: S607
    return shutil.which("wrk") or "wrk"


@dataclass
class Result:
    page: str
    variant: str
    round: int
    requests: int = 0
    seconds: float = 0.0
    rps: float = 0.0
    p50: float = 0.0
    p99: float = 0.0
    app_cpu: float = 0.0
    db_cpu: float = 0.0
    not_200: int = 0
    socket_errors: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def cpu_ms(self) -> float:
        return (self.app_cpu + self.db_cpu) * 1000 / self.requests if self.requests else 0.0

    @property
    def db_ms(self) -> float:
        return self.db_cpu * 1000 / self.requests if self.requests else 0.0


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(value: str, unit: str) -> float:
    return float(value) * UNITS[unit]


def parse_wrk(output: str, result: Result) -> None:
    """Fill a result from wrk's --latency output and the status script's count."""
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m),", output)
    result.requests, result.seconds = int(done.group(1)), _ms(done.group(2), done.group(3)) / 1000
    result.rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    result.p50 = _ms(*re.search(r"^\s+50%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M).groups())
    result.p99 = _ms(*re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M).groups())
    result.not_200 = int(re.search(r"NOT200 (\d+)", output).group(1))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    result.socket_errors = sum(int(n) for n in errors.groups()) if errors else 0


def load(wrk: str, args, server: Server, url_path: str, cookie: str, seconds: int) -> str:
    """Run wrk against one local URL for a bounded time; return its output."""
    command = [wrk, "-t", str(args.threads), "-c", str(args.concurrency), "-d", f"{seconds}s", "--timeout", "10s"]
    command += ["--latency", "-s", str(BENCH_DIR / "status.lua")]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    command.append(f"http://{HOST}:{server.port}{url_path}")
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)  # noqa: S603
    if done.returncode != 0:
        raise SystemExit(f"wrk failed: {done.stderr or done.stdout}")
    return done.stdout


def measure(wrk, args, server: Server, result: Result, url_path: str, cookie: str) -> Result:
    """One load run with CPU samples of the server processes (and PostgreSQL backends) around it."""
    app_pids = server.pids()
    db_pids = postgres_backends() if args.db == "postgres" else set()
    app_before, db_before = cpu_ticks(app_pids), cpu_ticks(db_pids)
    output = load(wrk, args, server, url_path, cookie, args.seconds)
    app_after = cpu_ticks(server.pids())
    db_after = cpu_ticks(postgres_backends()) if args.db == "postgres" else {}
    parse_wrk(output, result)
    result.app_cpu = cpu_seconds_between(app_before, app_after)
    result.db_cpu = cpu_seconds_between(db_before, db_after)
    return result


# --- Checks -------------------------------------------------------------------------------------------------


def check_pages(server: Server, pages: list[str], visitor: Visitor) -> dict[str, tuple[int, int]]:
    """Each portal page answers 200 with its content; each bare twin answers 200. Return both sizes."""
    from bench.bare import bare_path, portal_path

    markers = {
        "login": 'name="password"',
        "dashboard": escape(visitor.account_name),
        "colleagues": visitor.colleague_email,
        "cases": visitor.latest_case_number,
        "case": f'<span class="case-number">{visitor.case_number}</span>',
    }
    sizes = {}
    for page in pages:
        cookie = "" if page == "login" else visitor.cookie
        path, bare = portal_path(page, visitor.case), bare_path(page, visitor.case)
        status, body = fetch(server.port, path, cookie)
        if status != 200 or markers[page] not in body.decode():
            raise SystemExit(f"{path} answered {status} without {markers[page]!r}")
        bare_status, bare_body = fetch(server.port, bare, cookie)
        if bare_status != 200:
            raise SystemExit(f"{bare} answered {bare_status}; see {server.log_path}")
        sizes[page] = (len(body), len(bare_body))
    return sizes


# --- Report -------------------------------------------------------------------------------------------------


def summary(results: list[Result], page: str, variant: str) -> Result:
    """All rounds of one page and variant taken together."""
    runs = [r for r in results if r.page == page and r.variant == variant]
    total = Result(page=page, variant=variant, round=0)
    total.requests = sum(r.requests for r in runs)
    total.seconds = sum(r.seconds for r in runs)
    total.rps = total.requests / total.seconds if total.seconds else 0.0
    total.p50 = statistics.median(r.p50 for r in runs)
    total.p99 = statistics.median(r.p99 for r in runs)
    total.app_cpu = sum(r.app_cpu for r in runs)
    total.db_cpu = sum(r.db_cpu for r in runs)
    total.not_200 = sum(r.not_200 for r in runs)
    total.socket_errors = sum(r.socket_errors for r in runs)
    return total


def report(args, pages, results, queries, sizes, machine_line, load_before, load_after, started) -> str:
    """The results as Markdown: a summary with portal/bare ratios, then every single run."""
    db_col = args.db == "postgres"
    lines = [
        f"## {args.db} — {started:%Y-%m-%d %H:%M} UTC",
        "",
        f"{args.accounts} accounts, {args.accounts * args.contacts_per_account} contacts, {args.cases} cases "
        f"({args.company_cases} in the measured company); "
        f"wrk {args.threads} threads, {args.concurrency} connections, {args.seconds} s per run, "
        f"{args.rounds} rounds of portal/bare per page; granian 2 workers × 4 blocking threads.",
        f"Machine: {machine_line}; load average before {load_before}, after {load_after}.",
        "",
        "| page | queries | bytes (portal / bare) |",
        "|---|---:|---:|",
    ]
    lines += [f"| {p} | {queries[p][0]} | {sizes[p][0]} / {sizes[p][1]} |" for p in pages]
    head = "| page | variant | req/s | p50 ms | p99 ms | CPU ms/req |" + (" of which PostgreSQL |" if db_col else "")
    rule = "|---|---|---:|---:|---:|---:|" + ("---:|" if db_col else "")
    lines += ["", "Summary (all rounds):", "", head, rule]
    ratios = []
    for page in pages:
        portal, bare = summary(results, page, "portal"), summary(results, page, "bare")
        for r in (portal, bare):
            lines.append(_row(r, db_col))
        rps_ratio = portal.rps / bare.rps if bare.rps else 0.0
        cpu_ratio = bare.cpu_ms / portal.cpu_ms if portal.cpu_ms else 0.0
        ratios.append(f"| {page} | {rps_ratio:.2f} | {cpu_ratio:.2f} | {_verdict(rps_ratio, cpu_ratio)} |")
    lines += [
        "",
        "Portal relative to bare (target ≥ 0.80): throughput = portal req/s ÷ bare req/s; "
        "CPU = bare CPU ms/req ÷ portal CPU ms/req.",
        "",
        "| page | throughput | CPU | target |",
        "|---|---:|---:|---|",
        *ratios,
        "",
        "Every run:",
        "",
        head.replace("| page |", "| round | page |"),
        "|---:" + rule,
    ]
    lines += [f"| {r.round} " + _row(r, db_col) for r in results]
    bad = [r for r in results if r.not_200 or r.socket_errors]
    lines.append("")
    lines.append(
        "All responses were 200, no socket errors."
        if not bad
        else "Problems: "
        + "; ".join(f"{r.page}/{r.variant} round {r.round}: {r.not_200} not 200, {r.socket_errors} errors" for r in bad)
    )
    return "\n".join(lines) + "\n"


def _row(r: Result, db_col: bool) -> str:
    row = f"| {r.page} | {r.variant} | {r.rps:.0f} | {r.p50:.1f} | {r.p99:.1f} | {r.cpu_ms:.2f} |"
    return row + (f" {r.db_ms:.2f} |" if db_col else "")


def _verdict(rps_ratio: float, cpu_ratio: float) -> str:
    if rps_ratio >= 0.8 and cpu_ratio >= 0.8:
        return "met"
    if rps_ratio < 0.8 and cpu_ratio < 0.8:
        return "missed"
    return "mixed"


def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, {versions()}"


def versions() -> str:
    from importlib.metadata import version

    import django
    from django.db import connection

    db = f"SQLite {connection.Database.sqlite_version}" if connection.vendor == "sqlite" else ""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            db = f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
    return f"Django {django.get_version()}, granian {version('granian')}, {db}"


def load_average() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


# --- Main ---------------------------------------------------------------------------------------------------


def main(argv=None) -> None:
    args = parse_args(argv)
    pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    configure_environment(args)
    if args.db == "postgres":
        postgres_database(drop=False)
    import django

    django.setup()
    from django.db import connections

    from bench.bare import PAGES, bare_path, portal_path

    unknown = [p for p in pages if p not in PAGES]
    if unknown:
        raise SystemExit(f"Unknown pages: {', '.join(unknown)} (known: {', '.join(PAGES)})")
    prepare_database(args)
    visitor = sign_in_company_admin(args)
    queries = page_queries(pages, visitor)
    print(f"Measured user: {visitor.email}, company admin at {visitor.account_name}.")
    print("Queries per page: " + ", ".join(f"{p} {n}" for p, (n, _size) in queries.items()))
    machine_line = machine()
    connections.close_all()
    wrk = ensure_wrk()
    started = datetime.now(UTC)
    load_before = load_average()
    results: list[Result] = []
    with Server(args.db) as server:
        print(f"granian is serving on http://{HOST}:{server.port}/")
        sizes = check_pages(server, pages, visitor)
        for page in pages:
            cookie = "" if page == "login" else visitor.cookie
            for path in (portal_path(page, visitor.case), bare_path(page, visitor.case)):
                load(wrk, args, server, path, cookie, args.warmup)
        for number in range(1, args.rounds + 1):
            # Alternate which variant goes first so slow drifts of the shared machine fall on both.
            variants = ("portal", "bare") if number % 2 else ("bare", "portal")
            for page in pages:
                cookie = "" if page == "login" else visitor.cookie
                for variant in variants:
                    path = portal_path(page, visitor.case) if variant == "portal" else bare_path(page, visitor.case)
                    result = measure(wrk, args, server, Result(page, variant, number), path, cookie)
                    results.append(result)
                    print(
                        f"round {number} {page:<11} {variant:<6} {result.rps:8.0f} req/s  p50 {result.p50:6.1f} ms  "
                        f"p99 {result.p99:6.1f} ms  {result.cpu_ms:6.2f} CPU ms/req  not 200: {result.not_200}"
                    )
        check_pages(server, pages, visitor)  # the session still works after the load
    text = report(args, pages, results, queries, sizes, machine_line, load_before, load_average(), started)
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{args.db}-{started:%Y%m%dT%H%M%SZ}.md"
    path.write_text(text)
    print()
    print(text)
    print(f"Written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
