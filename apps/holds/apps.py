from django.apps import AppConfig


class HoldsConfig(AppConfig):
    name = "apps.holds"
    label = "holds"
    verbose_name = "Evidence holds"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from apps.holds.home import register
        from apps.holds.models import EvidenceHold

        # Holds are governed records (R-AUD-2): field diffs via django-auditlog, business events via event_record.
        auditlog.register(EvidenceHold)
        register()
