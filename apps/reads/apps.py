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
        # The agent's heartbeat fields change every minute or so: not governed edits (issue #21; "not reporting" and
        # its end are domain events instead).
        auditlog.register(Camera, exclude_fields=["status_changed_at", "last_heartbeat_at", "agent_version",
                                                  "agent_status", "not_reporting_since"])

        from apps.reads.home import register

        register()
        from apps.reads.retention import register as register_retention

        register_retention()  # reads are archived, purged and their orphan files swept (R-RET-1, R-RET-2)

        import apps.reads.api.schema  # noqa: F401 - registers the camera-token scheme with drf-spectacular
