from django.apps import AppConfig


class DisclosuresConfig(AppConfig):
    name = "apps.disclosures"
    label = "disclosures"
    verbose_name = "Disclosure requests"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from apps.disclosures.home import register
        from apps.disclosures.models import DisclosureAttachment, DisclosureRequest, ReleasePackage
        from apps.disclosures.retention import register as register_retention

        # Governed records (R-AUD-2, R-SHR-7): field diffs in the admin history. Reviews, authorizations, responses
        # and released-read rows are append-only, so they need no diff log.
        auditlog.register(DisclosureRequest)
        auditlog.register(DisclosureAttachment)
        auditlog.register(ReleasePackage, exclude_fields=["progress"])
        register()
        register_retention()  # R-RET-6: the copies of read data this app keeps
