from django.apps import AppConfig


class ReadsConfig(AppConfig):
    name = "apps.reads"
    label = "reads"
    verbose_name = "Reads and cameras"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from apps.reads.models import Camera

        # Cameras are governed records (R-AUD-2): field diffs via django-auditlog. Reads are never edited
        # (R-READ-2) and corrections are their own append-only rows, so neither needs a diff log.
        auditlog.register(Camera, exclude_fields=["status_changed_at"])

        from apps.reads.home import register

        register()

        import apps.reads.api.schema  # noqa: F401 - registers the camera-token scheme with drf-spectacular
