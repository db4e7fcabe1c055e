"""Staff roles: each group gets the permissions its work needs, and the Administrator every app's."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.checks import run_checks

from portico.users.checks import check_staff_roles
from portico.users.roles import ensure_staff_roles


@pytest.mark.django_db
@pytest.mark.parametrize(
    "permission",
    [
        "helpdesk.change_case",
        "helpdesk_intake.view_inboundemail",
        "knowledge.change_article",
        "knowledge.add_articletranslation",
        "knowledge.add_articleimage",
    ],
)
def test_support_works_cases_received_email_and_knowledge_articles(permission):
    app_label, codename = permission.split(".")
    support = Group.objects.get(name="Support")
    assert support.permissions.filter(content_type__app_label=app_label, codename=codename).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("app_label", ["helpdesk", "helpdesk_intake", "knowledge", "core"])
def test_administrators_get_every_permission_of_every_app(app_label):
    administrator = Group.objects.get(name="Administrator")
    assert administrator.permissions.filter(content_type__app_label=app_label, codename__startswith="delete_").exists()


@pytest.mark.django_db
def test_support_cannot_change_helpdesk_settings_or_sla():
    support = Group.objects.get(name="Support")
    for codename in ("change_helpdesksettings", "change_slapolicy", "delete_article"):
        assert not support.permissions.filter(codename=codename).exists()


def _every(app_label, *models):
    """Return all four default permissions of each model of an app, as "app_label.codename"."""
    return {f"{app_label}.{action}_{model}" for model in models for action in ("add", "change", "delete", "view")}


# The full permissions of each group: a change to any app's staff_roles or back_office shows here.
PINNED = {
    "Administrator": {
        *_every("access", "accessreminder", "portalaccess", "portalprofile"),
        "access.view_portal_as",
        *_every("auth", "group", "permission"),
        *_every("core", "auditentry", "numbersequence", "outboxmessage"),
        *_every("crm", "account", "contact"),
        *_every("django_tasks_database", "dbtaskresult"),
        *_every(
            "helpdesk",
            "case",
            "caseattachment",
            "casecategory",
            "casedeflection",
            "caseemail",
            "casemessage",
            "casestatuschange",
            "helpdesksettings",
            "holiday",
            "slapolicy",
            "team",
        ),
        *_every("helpdesk_intake", "inboundemail"),
        *_every("knowledge", "article", "articleimage", "articletranslation", "articlevote", "category"),
        *_every("portal", "emailtemplate", "externallink", "modulesetting", "portalsettings"),
        *_every("users", "user"),
    },
    "Sales": {
        "access.add_portalaccess",
        "access.change_portalaccess",
        "access.view_portalaccess",
        "access.view_portalprofile",
        "core.view_auditentry",
        "crm.add_account",
        "crm.add_contact",
        "crm.change_account",
        "crm.change_contact",
        "crm.view_account",
        "crm.view_contact",
    },
    "Support": {
        "access.add_portalaccess",
        "access.change_portalaccess",
        "access.view_portal_as",
        "access.view_portalaccess",
        "access.view_portalprofile",
        "core.change_outboxmessage",
        "core.view_auditentry",
        "core.view_outboxmessage",
        "crm.change_contact",
        "crm.view_account",
        "crm.view_contact",
        "helpdesk.add_case",
        "helpdesk.change_case",
        "helpdesk.view_case",
        "helpdesk.view_casecategory",
        "helpdesk.view_casedeflection",
        "helpdesk.view_helpdesksettings",
        "helpdesk.view_holiday",
        "helpdesk.view_slapolicy",
        "helpdesk.view_team",
        "helpdesk_intake.view_inboundemail",
        "knowledge.add_article",
        "knowledge.add_articleimage",
        "knowledge.add_articletranslation",
        "knowledge.change_article",
        "knowledge.change_articleimage",
        "knowledge.change_articletranslation",
        "knowledge.delete_articleimage",
        "knowledge.delete_articletranslation",
        "knowledge.view_article",
        "knowledge.view_articleimage",
        "knowledge.view_articletranslation",
        "knowledge.view_articlevote",
        "knowledge.view_category",
    },
}


def _permissions_of(name):
    group = Group.objects.get(name=name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PINNED))
def test_each_group_has_exactly_its_pinned_permissions(name):
    assert _permissions_of(name) == PINNED[name]


@pytest.mark.django_db
def test_an_apps_declaration_reaches_its_group(monkeypatch):
    portal = apps.get_app_config("portal")
    assert "portal.view_portalsettings" not in _permissions_of("Sales")

    monkeypatch.setattr(portal, "staff_roles", {"Sales": {"portal.portalsettings": ["view"]}}, raising=False)
    ensure_staff_roles()

    assert _permissions_of("Sales") == PINNED["Sales"] | {"portal.view_portalsettings"}


@pytest.mark.django_db
def test_every_apps_permissions_reach_the_roles_whatever_the_order_of_post_migrate():
    """Permissions of an app migrated after users (the task results) exist when the roles are set."""
    Permission.objects.filter(content_type__app_label="django_tasks_database").delete()
    ensure_staff_roles()
    assert _every("django_tasks_database", "dbtaskresult") <= _permissions_of("Administrator")


@pytest.mark.django_db
def test_only_back_office_apps_give_the_administrator_every_permission(monkeypatch):
    monkeypatch.setattr(apps.get_app_config("portal"), "back_office", False)
    ensure_staff_roles()

    assert _permissions_of("Administrator") == {p for p in PINNED["Administrator"] if not p.startswith("portal.")}


@pytest.mark.django_db
def test_a_declared_model_that_does_not_exist_grants_nothing_and_breaks_nothing(monkeypatch):
    helpdesk = apps.get_app_config("helpdesk")
    declared = {"Support": {**helpdesk.staff_roles["Support"], "helpdesk.nosuchmodel": ["view"]}}
    monkeypatch.setattr(helpdesk, "staff_roles", declared)
    ensure_staff_roles()

    assert _permissions_of("Support") == PINNED["Support"]


def test_the_apps_declarations_pass_the_system_check():
    assert check_staff_roles() == []


def test_an_unknown_role_is_reported_by_the_system_check(monkeypatch):
    helpdesk = apps.get_app_config("helpdesk")
    monkeypatch.setattr(helpdesk, "staff_roles", {"Suport": {"helpdesk.case": ["view"]}})

    errors = [message for message in run_checks() if message.id == "portico.users.E001"]

    assert len(errors) == 1
    assert errors[0].is_serious()
    assert "'Suport'" in errors[0].msg


@pytest.mark.django_db
def test_an_unknown_role_gets_no_group(monkeypatch):
    monkeypatch.setattr(apps.get_app_config("helpdesk"), "staff_roles", {"Suport": {"helpdesk.case": ["view"]}})
    ensure_staff_roles()

    assert not Group.objects.filter(name="Suport").exists()


def test_a_model_that_is_not_the_apps_own_is_reported_by_the_system_check(monkeypatch):
    declared = {"Support": {"crm.account": ["view"], "knowledge.Article": ["view"], "knowledge.nosuchmodel": ["view"]}}
    monkeypatch.setattr(apps.get_app_config("knowledge"), "staff_roles", declared)

    warnings = [message for message in check_staff_roles() if message.id == "portico.users.W001"]
    named = sorted(warning.msg.split("'")[1] for warning in warnings)

    assert named == ["crm.account", "knowledge.Article", "knowledge.nosuchmodel"]
