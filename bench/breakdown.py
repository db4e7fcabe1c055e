"""Where the CPU time of a portal page goes, next to its bare twin: in-process, no server, no load generator.

    uv run python bench/breakdown.py --db sqlite|postgres [--accounts 10000 --contacts-per-account 10]
                                     [--cases 1000000 --company-cases 10000]
                                     [--requests 200] [--pages login,dashboard,colleagues,cases,case]

Prepares or reuses the same database as bench/run.py (migrated, seeded at the same size). Calls the WSGI
application directly, many times per page, and times a few well-known functions (outermost call only) with
the process CPU clock. The parts overlap (the template render contains the queries a template triggers,
the principal contains its ORM query), so they do not add up to the total; each says how much of the
request sits inside it.
"""

from __future__ import annotations

import argparse
import importlib
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import configure_environment, prepare_database, sign_in_company_admin  # noqa: E402

# (module, attribute path, label): inclusive CPU time of the outermost call of each, per request.
PARTS = [
    ("django.core.handlers.base", "BaseHandler._get_response", "view, template included"),
    ("django.template.backends.django", "Template.render", "template rendering (with lazy queries)"),
    ("django.contrib.auth", "get_user", "user from session (auth.get_user)"),
    ("django.contrib.sessions.backends.db", "SessionStore.load", "session load"),
    ("portico.access.middleware", "principal_for", "principal (principal_for)"),
    ("portico.access.principal", "Principal.modules", "principal's menu (Principal.modules)"),
    ("portico.portal.models", "PortalSettings.load", "portal settings (PortalSettings.load)"),
    ("django.db.backends.base.base", "BaseDatabaseWrapper.connect", "database connect"),
    ("django.db.backends.base.base", "BaseDatabaseWrapper.close_if_unusable_or_obsolete", "database close"),
    ("django.db.models.sql.compiler", "SQLCompiler.execute_sql", "ORM queries (compile, run, fetch)"),
    ("django.db.models.sql.compiler", "SQLCompiler.as_sql", "ORM: compile SQL"),
    ("django.db.backends.utils", "CursorWrapper._execute_with_wrappers", "SQL execution in the driver"),
    ("django.templatetags.i18n", "LanguageNode.render", "{% language %} (language menu)"),
    ("django.templatetags.i18n", "TranslateNode.render", "{% translate %}"),
    ("django.templatetags.i18n", "BlockTranslateNode.render", "{% blocktranslate %}"),
    ("django.template.defaulttags", "URLNode.render", "{% url %}"),
    ("django.templatetags.static", "StaticNode.render", "{% static %}"),
    ("django.middleware.csrf", "get_token", "CSRF token"),
]
_spent: dict[str, float] = {}
_depth: dict[str, int] = {}


def _timed(function, label):
    def timed(*args, **kwargs):
        depth = _depth.get(label, 0)
        _depth[label] = depth + 1
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            _depth[label] = depth
            if depth == 0:
                _spent[label] = _spent.get(label, 0.0) + time.process_time() - started

    return timed


def instrument() -> None:
    """Wrap each function of PARTS with a CPU timer."""
    for module_name, attribute, label in PARTS:
        owner = importlib.import_module(module_name)
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
        if isinstance(original, staticmethod | classmethod):
            setattr(owner, name, type(original)(_timed(original.__func__, label)))
        else:
            setattr(owner, name, _timed(original, label))


def call(application, path: str, cookie: str) -> int:
    """One GET through the WSGI application; return the body size, insisting on 200."""
    path, _mark, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
    }
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    statuses = []
    body = b"".join(application(environ, lambda status, headers, *exc: statuses.append(status)))
    if not statuses[0].startswith("200"):
        raise SystemExit(f"{path} answered {statuses[0]}")
    return len(body)


def measure(application, path: str, cookie: str, requests: int) -> tuple[float, dict[str, float]]:
    """CPU ms per request and per part: the median of three batches."""
    for _ in range(20):
        call(application, path, cookie)
    batches = []
    for _ in range(3):
        _spent.clear()
        started = time.process_time()
        for _ in range(requests):
            call(application, path, cookie)
        total = (time.process_time() - started) * 1000 / requests
        batches.append((total, {label: spent * 1000 / requests for label, spent in _spent.items()}))
    median = statistics.median(total for total, _parts in batches)
    return next(batch for batch in batches if batch[0] == median)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--accounts", type=int, default=10000)
    parser.add_argument("--contacts-per-account", type=int, default=10)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--company-cases", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200, help="requests per batch (three batches per page)")
    parser.add_argument("--pages", default="login,dashboard,colleagues,cases,case")
    args = parser.parse_args(argv)
    configure_environment(args)
    import django

    django.setup()
    instrument()  # before the WSGI handler exists: it keeps references to what it calls
    from bench.bare import bare_path, portal_path
    from bench.wsgi import application

    prepare_database(args)
    visitor = sign_in_company_admin(args)
    empty_portal, _parts = measure(application, "/portal/bench-empty/", visitor.cookie, args.requests)
    empty_bare, _parts = measure(application, "/bench/bare/empty/", visitor.cookie, args.requests)
    print(
        f"\nAn empty view, signed in: {empty_portal:.2f} CPU ms/request behind the portal's middleware "
        f"(session, user, principal), {empty_bare:.2f} behind Django's default middleware ({args.db})."
    )
    for page in [p.strip() for p in args.pages.split(",") if p.strip()]:
        cookie = "" if page == "login" else visitor.cookie
        portal_total, portal = measure(application, portal_path(page, visitor.case), cookie, args.requests)
        bare_total, bare = measure(application, bare_path(page, visitor.case), cookie, args.requests)
        print(f"\n{page}: portal {portal_total:.2f} CPU ms/request, bare {bare_total:.2f} ({args.db})\n")
        print("| part (inclusive, overlapping) | portal ms | bare ms |")
        print("|---|---:|---:|")
        print(f"| whole request | {portal_total:.2f} | {bare_total:.2f} |")
        view = "view, template included"
        print(
            f"| outside the view: middleware, handler | {portal_total - portal.get(view, 0):.2f} | "
            f"{bare_total - bare.get(view, 0):.2f} |"
        )
        for _module, _attribute, label in PARTS:
            if portal.get(label, 0) >= 0.01 or bare.get(label, 0) >= 0.01:
                print(f"| {label} | {portal.get(label, 0):.2f} | {bare.get(label, 0):.2f} |")


if __name__ == "__main__":
    main()
