from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "apps.audits"
    label = "audits"
    verbose_name = "Query audits"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from apps.audits.models import AuditCampaign, AuditSample

        # Campaigns and findings are governed records (R-AUD-2): field diffs via django-auditlog, business events
        # (drawn, reviewed, approved) via apps.audit.services.event_record.
        auditlog.register(AuditCampaign)
        auditlog.register(AuditSample)

        from apps.audits.home import register

        register()
