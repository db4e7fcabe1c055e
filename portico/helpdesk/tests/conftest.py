"""Fixtures of the helpdesk tests: staff, a team, settings; every test keeps its attachments apart."""

import pytest

from portico.helpdesk.models import HelpdeskSettings
from portico.helpdesk.tests.factories import StaffFactory, TeamFactory, give_cases


@pytest.fixture(autouse=True)
def _private_files(private_media):
    """Attachments of each test go to its own temporary directory."""
    return private_media


@pytest.fixture
def agent(db):
    """Staff member in support who reads Finnish; the default assignee of portal cases."""
    agent = StaffFactory(email="aku.agent@portico.example", first_name="Aku", language="fi")
    settings = HelpdeskSettings.load()
    settings.default_assignee = agent
    settings.save()
    return agent


@pytest.fixture
def team(db):
    """The Support team: two staff members (one reads Swedish), no default assignee."""
    team = TeamFactory(name="Support")
    team.members.add(
        StaffFactory(email="sven@portico.example", language="sv"), StaffFactory(email="tia@portico.example")
    )
    return team


@pytest.fixture
def bob_cases(bob):
    """Bob may open, follow and act on his own cases."""
    return give_cases(bob, scope="own")


@pytest.fixture
def alice_cases(alice):
    """Alice (company admin at Acme) sees every Acme case."""
    return give_cases(alice, scope="company")


@pytest.fixture
def carol_cases(carol):
    """Carol at Globex sees Globex's cases, never Acme's."""
    return give_cases(carol, scope="company")
