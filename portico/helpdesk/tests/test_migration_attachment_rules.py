"""Migrations helpdesk 0006 and 0007: the helpdesk's attachment rules move to the portal settings (0006 copies
them, 0007 removes the helpdesk's fields), and back when reversed.

Each test migrates the helpdesk back to 0005 (the rules still on the helpdesk settings), writes rows with the
models of that state, migrates forward past both and reads the result; the database is put back to the latest
state.
"""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("helpdesk", "0005_sla_pause_and_holidays"), ("portal", "0003_attachment_rules")]
AFTER = [("helpdesk", "0007_helpdesksettings_remove_attachment_rules"), ("portal", "0003_attachment_rules")]

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def migrate(targets):
    """Migrate to `targets`; return the models of that state."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.fixture
def before():
    """The models as they were before the rules moved; the latest state again after the test."""
    apps = migrate(BEFORE)
    yield apps
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_helpdesks_rules_are_copied_into_a_new_portal_settings_row(before):
    before.get_model("helpdesk", "HelpdeskSettings").objects.create(
        pk=1, reopen_days=3, attachment_max_mb=4, allowed_types=["pdf", "png"]
    )
    after = migrate(AFTER)
    portal_settings = after.get_model("portal", "PortalSettings").objects.get()
    assert (portal_settings.pk, portal_settings.attachment_max_mb, portal_settings.attachment_types) == (
        1,
        4,
        ["pdf", "png"],
    )
    assert (portal_settings.access_ending_banner_days, portal_settings.announcement) == (30, {})  # the defaults
    assert after.get_model("helpdesk", "HelpdeskSettings").objects.get().reopen_days == 3


def test_the_rules_are_copied_into_an_existing_portal_settings_row_keeping_its_other_values(before):
    before.get_model("portal", "PortalSettings").objects.create(pk=1, portal_name="Acme Care")
    before.get_model("helpdesk", "HelpdeskSettings").objects.create(pk=1, attachment_max_mb=25, allowed_types=[])
    portal_settings = migrate(AFTER).get_model("portal", "PortalSettings").objects.get()
    assert (portal_settings.portal_name, portal_settings.attachment_max_mb, portal_settings.attachment_types) == (
        "Acme Care",
        25,
        [],
    )


def test_without_helpdesk_settings_no_portal_settings_row_is_made(before):
    assert not migrate(AFTER).get_model("portal", "PortalSettings").objects.exists()


def test_reversing_copies_the_portal_rules_back_to_the_helpdesk(before):
    migrate(AFTER).get_model("portal", "PortalSettings").objects.create(
        pk=1, attachment_max_mb=6, attachment_types=["txt"]
    )
    helpdesk_settings = migrate(BEFORE).get_model("helpdesk", "HelpdeskSettings").objects.get()
    assert (helpdesk_settings.attachment_max_mb, helpdesk_settings.allowed_types) == (6, ["txt"])
