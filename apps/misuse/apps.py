from django.apps import AppConfig


class MisuseConfig(AppConfig):
    name = "apps.misuse"
    label = "misuse"
    verbose_name = "Misuse detection"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from apps.misuse.models import CaseNumberFormat, CaseNumberOverride, MisuseFlag, RmsConnection

        # Governed records (R-AUD-2): field diffs via django-auditlog, business events via event_record.
        auditlog.register(CaseNumberFormat)
        auditlog.register(RmsConnection)
        auditlog.register(CaseNumberOverride)
        auditlog.register(MisuseFlag)

        from apps.misuse.home import register

        register()
