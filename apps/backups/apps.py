from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "apps.backups"
    verbose_name = "Backups"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.backups.selectors import backups_gone_by
        from apps.retention.registry import backup_horizon_register

        # Every purge of the nightly retention run records when the last backup holding the purged data expires.
        backup_horizon_register("backups", backups_gone_by)
