"""Create the R-ACC-1 role groups with their permissions (apps.accounts.roles.ROLE_PERMISSIONS)."""

from django.db import migrations


def create_role_groups(apps, schema_editor):
    from apps.accounts.roles import sync_role_groups

    sync_role_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("agencies", "0001_initial"),
        ("training", "0001_initial"),
        ("audit", "0001_initial"),
        ("auditlog", "__latest__"),
        ("authtoken", "__latest__"),
        ("axes", "__latest__"),
        ("auth", "__latest__"),
        ("contenttypes", "__latest__"),
    ]

    operations = [migrations.RunPython(create_role_groups, migrations.RunPython.noop)]
