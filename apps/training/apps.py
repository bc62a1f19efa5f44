from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "apps.training"
    label = "training"
    verbose_name = "Training"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from apps.training.models import Course, TrainingRecord

        auditlog.register(Course)
        auditlog.register(TrainingRecord)

        from apps.training.home import register

        register()
