from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "apps.retention"
    label = "retention"
    verbose_name = "Retention"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from apps.retention import checks  # noqa: F401 - registers retention.E001 (R-RET-5)
        from apps.retention.home import register as register_home
        from apps.retention.models import RetentionPolicy
        from apps.retention.registry import register_builtin_data_classes

        auditlog.register(RetentionPolicy)
        register_builtin_data_classes()
        register_home()
