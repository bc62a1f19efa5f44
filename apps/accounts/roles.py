"""Roles (R-ACC-1) as Django groups, and the permissions each holds.

ROLE_PERMISSIONS is the single source of truth. Groups are synchronized from it by the data migration
``accounts.0002_role_groups`` and again after every ``migrate`` (later capabilities add their permissions here).
A permission listed here whose model does not exist yet is skipped until it does.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    OPERATOR = "operator", "Operator"
    INVESTIGATOR = "investigator", "Analyst / investigator"
    SUPERVISOR = "supervisor", "Supervisor"
    CUSTODIAN = "custodian", "Custodian of records"
    SYSADMIN = "sysadmin", "System administrator"
    OVERSIGHT = "oversight", "Oversight"
    PARTNER_REQUESTER = "partner_requester", "Partner agency requester"


# Roles whose members use the Django admin (custodians sign disclosures there; administrators manage people).
STAFF_ROLES = frozenset({Role.CUSTODIAN, Role.SYSADMIN})

# Roles that belong to the deploying agency's own staff and touch ALPR data; all need current training (R-ACC-2).
INTERNAL_ROLES = frozenset({Role.OPERATOR, Role.INVESTIGATOR, Role.SUPERVISOR, Role.CUSTODIAN, Role.SYSADMIN})

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.OPERATOR: [],
    Role.INVESTIGATOR: [],
    Role.SUPERVISOR: [
        "audit.view_accesslog",
        "training.view_trainingrecord",
        "training.view_course",
        "accounts.view_team",
    ],
    Role.CUSTODIAN: [
        "audit.view_accesslog",
        "audit.view_domainevent",
        "agencies.view_agency",
        "training.view_trainingrecord",
        "training.view_course",
        "auditlog.view_logentry",
    ],
    Role.SYSADMIN: [
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_team",
        "agencies.view_agency",
        "agencies.add_agency",
        "agencies.change_agency",
        "training.view_course",
        "training.add_course",
        "training.change_course",
        "training.view_trainingrecord",
        "training.add_trainingrecord",
        "training.change_trainingrecord",
        "audit.view_accesslog",
        "audit.view_domainevent",
        "auditlog.view_logentry",
        "authtoken.view_tokenproxy",
        "authtoken.add_tokenproxy",
        "authtoken.delete_tokenproxy",
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "axes.view_accessfailurelog",
    ],
    Role.OVERSIGHT: [],
    Role.PARTNER_REQUESTER: [],
}


def sync_role_groups(apps) -> None:
    """Create one group per role and set its permissions to exactly ROLE_PERMISSIONS (idempotent)."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # Historical app configs have no models module, which create_permissions takes as "no models".
        original = getattr(app_config, "models_module", None)
        app_config.models_module = original or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = original

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=str(role))
        wanted = []
        for dotted in codenames:
            app_label, codename = dotted.split(".", 1)
            permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if permission is not None:
                wanted.append(permission)
        group.permissions.set(wanted)


def sync_role_groups_after_migrate(sender, app_config=None, **kwargs) -> None:
    # post_migrate fires once per app; the last app is enough, and each call is idempotent and cheap.
    from django.apps import apps as global_apps

    if app_config is not None and app_config.label == "accounts":
        sync_role_groups(global_apps)
