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
        from apps.audit.hooks import case_number_verifier_register
        from apps.misuse.casenumbers import case_number_verify

        # Every stated case number is verified against the agency's forms and records system (R-READ-3).
        case_number_verifier_register(case_number_verify)
        from apps.audits.hooks import flagged_seqs_source_register
        from apps.misuse.detection import flagged_seqs_between

        # Searches the log review flagged are over-weighted in risk-weighted audit samples (R-AUD-3).
        flagged_seqs_source_register("misuse.flags", flagged_seqs_between)
