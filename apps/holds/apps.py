from django.apps import AppConfig


class HoldsConfig(AppConfig):
    name = "apps.holds"
    label = "holds"
    verbose_name = "Evidence holds"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from apps.holds.home import register
        from apps.holds.models import EvidenceHold
        from apps.holds.retention import register as register_retention

        # Holds are governed records (R-AUD-2): field diffs via django-auditlog, business events via event_record.
        auditlog.register(EvidenceHold)
        register()
        register_retention()  # R-RET-6: the copies of read data this app keeps
