"""Staff roles as groups with sensible permissions, kept in step after every migrate."""

from django.contrib.auth.models import Group, Permission

ROLES = {
    "Administrator": {"*": ["add", "change", "delete", "view"]},
    "Sales": {
        "crm.account": ["add", "change", "view"],
        "crm.contact": ["add", "change", "view"],
        "access.portalaccess": ["add", "change", "view"],
        "access.portalprofile": ["view"],
        "core.auditentry": ["view"],
    },
    "Support": {
        "crm.account": ["view"],
        "crm.contact": ["change", "view"],
        "access.portalaccess": ["add", "change", "view", "view_portal_as"],
        "access.portalprofile": ["view"],
        "core.outboxmessage": ["view", "change"],
        "core.auditentry": ["view"],
        # The helpdesk: work the case queue; see (not change) its settings, teams, categories and SLA.
        "helpdesk.case": ["add", "change", "view"],
        "helpdesk.casedeflection": ["view"],
        "helpdesk.team": ["view"],
        "helpdesk.casecategory": ["view"],
        "helpdesk.slapolicy": ["view"],
        "helpdesk.helpdesksettings": ["view"],
        "helpdesk_intake.inboundemail": ["view"],
        # The knowledge base: support staff write and publish the answers they give.
        "knowledge.category": ["view"],
        "knowledge.article": ["add", "change", "view"],
        "knowledge.articletranslation": ["add", "change", "delete", "view"],
        "knowledge.articleimage": ["add", "change", "delete", "view"],
        "knowledge.articlevote": ["view"],
    },
}
ADMIN_APPS = {
    "crm",
    "access",
    "core",
    "portal",
    "users",
    "auth",
    "django_tasks_db",
    "helpdesk",
    "helpdesk_intake",
    "knowledge",
}


def ensure_staff_roles(**kwargs) -> None:
    """Create the staff groups and give them their permissions (idempotent)."""
    for name, grants in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        if "*" in grants:
            perms = Permission.objects.filter(content_type__app_label__in=ADMIN_APPS)
        else:
            perms = Permission.objects.none()
            for model, actions in grants.items():
                app_label, model_name = model.split(".")
                perms = perms | Permission.objects.filter(
                    content_type__app_label=app_label,
                    content_type__model=model_name,
                    # A model's own permissions ("view_portal_as") are named by their codename as it is.
                    codename__in=[*(f"{a}_{model_name}" for a in actions), *actions],
                )
        group.permissions.set(perms)
