"""Staff roles: each group gets the permissions its work needs, and the Administrator every app's."""

import pytest
from django.contrib.auth.models import Group


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
