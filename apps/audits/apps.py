from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "apps.audits"
    label = "audits"
    verbose_name = "Query audits"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from apps.audits.models import AuditCampaign, AuditSample, AuditTrailInspection

        # Campaigns and findings are governed records (R-AUD-2): field diffs via django-auditlog, business events
        # (drawn, reviewed, approved) via apps.audit.services.event_record.
        auditlog.register(AuditCampaign)
        auditlog.register(AuditSample)
        auditlog.register(AuditTrailInspection)

        from apps.audits import checks  # noqa: F401  (R-AUD-3a: the audit intervals are at most a year)
        from apps.audits.home import register

        register()
