"""Shared fixtures: personas, browser launch settings, and test-only plumbing."""

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Run the tests that commit (transactional and browser tests) after all the others, as Django's runner does.

    They empty the database when they end, so a test after them would miss the rows the data migrations
    create (default profiles, SLA policies); pytest's grouping of browser-parametrised tests can otherwise
    pull them into the middle of the run.
    """

    def commits(item) -> bool:
        marker = item.get_closest_marker("django_db")
        return bool(marker and marker.kwargs.get("transaction")) or "transactional_db" in item.fixturenames

    items.sort(key=commits)  # stable: the order within each group stays as collected


@pytest.fixture(autouse=True)
def _english_by_default():
    """Every test starts in English, whatever language an earlier test in the same process left active."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def acme(db):
    from portico.crm.tests.factories import AccountFactory

    return AccountFactory(name="Acme Oy")


@pytest.fixture
def acme_sub(acme):
    """A subsidiary of Acme."""
    from portico.crm.tests.factories import AccountFactory

    return AccountFactory(name="Acme Baltic OÜ", parent=acme, country="EE")


@pytest.fixture
def globex(db):
    from portico.crm.tests.factories import AccountFactory

    return AccountFactory(name="Globex AB", country="SE")


def _portal_user(account, first, last, grants_kwargs=None, **access):
    from portico.access.tests.factories import PortalAccessFactory, ProfileFactory, grants
    from portico.crm.tests.factories import ContactFactory

    contact = ContactFactory(
        first_name=first, last_name=last, account=account, email=f"{first}@{account.name.split()[0]}.example".lower()
    )
    profile = ProfileFactory(name=f"{first}'s profile", grants=grants(**(grants_kwargs or {})))
    return PortalAccessFactory(contact=contact, profile=profile, **access)


@pytest.fixture
def alice(acme):
    """Company admin at Acme; edits her details, Acme's address and phone, and manages Acme's colleagues."""
    return _portal_user(acme, "Alice", "Admin", {"my_company": "edit", "colleagues": "manage"}, is_company_admin=True)


@pytest.fixture
def bob(acme):
    """Plain portal user at Acme; edits his own details, sees Acme read-only (VAT number hidden)."""
    return _portal_user(acme, "Bob", "Basic")


@pytest.fixture
def dave(acme):
    """Portal user at Acme whose profile grants only My details: My company does not exist for him."""
    return _portal_user(acme, "Dave", "Details", {"my_company": None})


@pytest.fixture
def carol(globex):
    """Portal user at Globex, another company: must never see Acme's records."""
    return _portal_user(globex, "Carol", "Other", {"my_company": "edit"})


@pytest.fixture
def sam(db):
    """Staff administrator working in the back office."""
    from portico.users.models import User

    return User.objects.create_superuser(email="sam@portico.example", password="sam-password-2026")


@pytest.fixture
def portal_client(client):
    """Return a function that signs a persona in to the portal and returns the client."""

    def sign_in(access):
        client.force_login(access.user)
        return client

    return sign_in


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium (never a downloaded browser build) with flags for a closed network."""
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
    }


@pytest.fixture
def private_media(settings, tmp_path):
    """Store private files (attachments) in this test's own temporary directory."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT
