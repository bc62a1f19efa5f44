from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "apps.agreements"
    label = "agreements"
    verbose_name = "Inter-agency agreements"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from apps.agreements.home import register
        from apps.agreements.models import Agreement, AgreementRenewal, AgreementSignatory

        # Governed records (R-AUD-2): every change is in the admin history.
        auditlog.register(Agreement)
        auditlog.register(AgreementSignatory)
        auditlog.register(AgreementRenewal)
        register()
