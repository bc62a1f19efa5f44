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
        from apps.disclosures.egress import (
            OUTSIDE_EXPORT_ENTERED,
            export_recipient_parse,
            read_export_for_outside_recipient,
        )
        from apps.reads.hooks import ExportEgress, export_egress_register

        # Every egress is a disclosure (R-SHR-8): the reads export names its recipient; an outside one becomes a
        # disclosure request for the custodian.
        export_egress_register(ExportEgress(
            recipient_parse=export_recipient_parse, outside_export_enter=read_export_for_outside_recipient,
            outside_export_entered=OUTSIDE_EXPORT_ENTERED))
