from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = "People and roles"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from apps.accounts.roles import sync_role_groups_after_migrate

        # Permissions of apps added later land in their roles on the next migrate (the data migration
        # 0002_role_groups creates the groups; this keeps them complete as capabilities are added).
        post_migrate.connect(sync_role_groups_after_migrate, dispatch_uid="accounts.sync_role_groups")

        from auditlog.registry import auditlog

        from apps.accounts.models import AlprAdministratorDesignation, BackgroundCheck, User

        auditlog.register(User, m2m_fields={"groups"}, exclude_fields=["password", "last_login"])
        auditlog.register(BackgroundCheck)
        auditlog.register(AlprAdministratorDesignation)
