"""Attachment rules in portal settings: the rules every module reads, their section on the settings screen, the
upload box built from them, and the "Module settings" section that links to each module's own settings."""

import pytest
from django.apps import apps
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models.signals import post_migrate
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portico.core.attachments import KINDS
from portico.core.uploads import MAX_FILES, attachment_rules, attachments_field
from portico.helpdesk.models import HelpdeskSettings, Team
from portico.portal.models import CACHE_KEY, OLD_CACHE_KEYS, PortalSettings
from portico.portal.tests.factories import SETTINGS_URL, form_data
from portico.users.models import User

pytestmark = pytest.mark.django_db


def save_rules(**values) -> None:
    PortalSettings.objects.update_or_create(pk=PortalSettings.SINGLETON, defaults=values)


# ---------------------------------------------------------------- the rules


def test_without_settings_the_rules_are_10_mb_every_known_type_and_10_files():
    rules = attachment_rules()
    assert (rules.max_mb, rules.max_bytes, rules.max_files) == (10, 10 * 1024 * 1024, MAX_FILES)
    assert rules.types == tuple(KINDS)
    assert "pdf" in rules.extensions and list(rules.extensions) == sorted(rules.extensions)


def test_the_rules_follow_the_portal_settings_at_once():
    save_rules(attachment_max_mb=3, attachment_types=["pdf", "png"])
    rules = attachment_rules()
    assert (rules.max_mb, rules.max_bytes, rules.types, rules.extensions) == (
        3,
        3 * 1024 * 1024,
        ("pdf", "png"),
        ("pdf", "png"),
    )


def test_a_type_no_longer_in_the_catalogue_is_ignored_and_opens_nothing():
    save_rules(attachment_types=["pdf", "retired-kind"])
    assert attachment_rules().types == ("pdf",)


def test_the_upload_box_accepts_the_allowed_extensions_and_says_the_limits():
    save_rules(attachment_max_mb=4, attachment_types=["pdf"])
    field = attachments_field(attachment_rules())
    assert field.widget.attrs["accept"] == ".pdf"
    assert field.help_text == "Up to 10 files, each at most 4 MB: pdf."
    assert not field.required


def test_the_model_refuses_unknown_types_and_a_value_that_is_not_a_list():
    for value in (["pdf", "exe-program"], "pdf"):
        portal_settings = PortalSettings(attachment_types=value)
        with pytest.raises(ValidationError) as refused:
            portal_settings.full_clean()
        assert refused.value.message_dict["attachment_types"] == ["Choose attachment types from the list."]


# ---------------------------------------------------------------- the attachments section of the settings screen


def test_staff_save_the_attachment_rules_on_the_portal_settings_screen(admin_client):
    page = admin_client.get(SETTINGS_URL)
    content = page.content.decode()
    assert '<span id="attachments">' in content and 'name="attachment_types"' in content
    data = form_data(page)
    data.update({"attachment_max_mb": "5", "attachment_types": ["pdf", "png"]})
    response = admin_client.post(SETTINGS_URL, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    saved = PortalSettings.objects.get()
    assert (saved.attachment_max_mb, saved.attachment_types) == (5, ["pdf", "png"])
    assert attachment_rules().types == ("pdf", "png")


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"attachment_types": ["pdf", "exe"]}, "attachment_types", "Select a valid choice. exe is not one of"),
        ({"attachment_max_mb": "0"}, "attachment_max_mb", "greater than or equal to 1"),
        ({"attachment_max_mb": "101"}, "attachment_max_mb", "less than or equal to 100"),
    ],
    ids=["unknown-type", "zero-mb", "over-100-mb"],
)
def test_bad_attachment_rules_are_refused_with_a_message_and_nothing_is_saved(admin_client, values, field, message):
    data = form_data(admin_client.get(SETTINGS_URL))
    data.update({"portal_name": "Changed too", **values})
    response = admin_client.post(SETTINGS_URL, data)
    assert response.status_code == 200
    assert message in " ".join(response.context["adminform"].form.errors[field])
    saved = PortalSettings.objects.get()
    assert (saved.portal_name, saved.attachment_max_mb, saved.attachment_types) == ("", 10, [])


# ---------------------------------------------------------------- module settings


def test_the_settings_screen_links_to_the_case_settings_with_who_gets_new_cases(admin_client):
    agent = User.objects.create_user(email="aku@portico.example", first_name="Aku", last_name="Agent", is_staff=True)
    HelpdeskSettings.objects.update_or_create(
        pk=HelpdeskSettings.SINGLETON,
        defaults={"default_assignee": agent, "default_team": Team.objects.create(name="Support")},
    )
    content = admin_client.get(SETTINGS_URL).content.decode()
    assert "Module settings" in content
    link = reverse("admin:helpdesk_helpdesksettings_change", args=[HelpdeskSettings.SINGLETON])
    assert f'<strong>Cases:</strong> New portal cases go to: Aku Agent, team Support <a href="{link}">' in content


def test_without_a_default_assignee_or_team_the_summary_says_nobody(admin_client):
    content = admin_client.get(SETTINGS_URL).content.decode()
    assert "New portal cases go to: nobody (no default assignee or team)" in content


def test_the_module_settings_cost_one_query_per_module_at_most(admin_client):
    admin_client.get(SETTINGS_URL)  # the first visit creates the rows
    with CaptureQueriesContext(connection) as queries:
        assert admin_client.get(SETTINGS_URL).status_code == 200
    helpdesk_table = HelpdeskSettings._meta.db_table
    assert sum(helpdesk_table in q["sql"] for q in queries.captured_queries) == 1


def test_migrations_forget_every_cached_shape_of_the_settings():
    """A migration may change the settings rows behind the cache; a rollback must not find an old shape."""
    for key in (CACHE_KEY, *OLD_CACHE_KEYS):
        cache.set(key, {"stale": True}, None)
    portal = apps.get_app_config("portal")
    post_migrate.send(sender=portal, app_config=portal, verbosity=0, interactive=False, using="default", apps=apps)
    assert all(cache.get(key) is None for key in (CACHE_KEY, *OLD_CACHE_KEYS))
