from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "apps.reports"
    label = "reports"
    verbose_name = "Oversight reports"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from apps.reports.models import OversightProfile, OversightReport, ReportTransmittal

        # R-AUD-2: who is Inspector General or Commission is a governed fact; so is a report's status. Figures
        # and files are frozen by the services and, on PostgreSQL, by triggers (see migration 0002).
        auditlog.register(OversightProfile)
        auditlog.register(OversightReport, exclude_fields=["figures"])
        auditlog.register(ReportTransmittal)  # R-REP-1a

        from apps.reports import checks, sections  # noqa: F401  (registers the built-in report sections)
        from apps.reports.home import register

        register()
