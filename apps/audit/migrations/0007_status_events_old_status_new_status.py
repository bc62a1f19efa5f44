"""Status events written before apps.audit.transitions carried ``old``/``new``; every status event now carries
``old_status``/``new_status`` (R-AUD-2). This renames the two keys in the stored payloads of those events, so a
reader (an export, a report, a test of the audit sequence) finds one schema. Value diffs (``old``/``new`` holding
field values, e.g. a plate correction or a role change) are not status events and keep their keys."""

from django.db import migrations

STATUS_EVENT_CODES = [
    "alprportal.audits.campaign.submitted",
    "alprportal.audits.campaign.returned",
    "alprportal.audits.campaign.approved",
    "alprportal.audits.violation_report.submitted",
    "alprportal.audits.violation_report.review_started",
    "alprportal.audits.violation_report.closed",
    "alprportal.audit.security_incident.opened",
    "alprportal.audit.security_incident.closed",
    "alprportal.reads.camera.out_of_service",
    "alprportal.reads.camera.in_service",
    "alprportal.hotlists.hit.confirmed",
    "alprportal.hotlists.hit.exigent_action",
    "alprportal.hotlists.hit.exigent_reviewed",
    "alprportal.hotlists.hit.misread",
    "alprportal.hotlists.hit.not_actionable",
    "alprportal.hotlists.hit.actioned",
    "alprportal.hotlists.hit.withdrawn_out_of_service",
    "alprportal.hotlists.entry_error.resolved",
    "alprportal.hotlists.entry_referral.sent",
    "alprportal.reports.report.issued",
    "alprportal.misuse.flag.resolved",
    "alprportal.ocr.item.accepted",
    "alprportal.ocr.item.corrected",
]

_SQL = """
UPDATE audit_domainevent
   SET data = (data - %(from_old)s - %(from_new)s)
              || jsonb_build_object(%(to_old)s, data -> %(from_old)s, %(to_new)s, data -> %(from_new)s)
 WHERE code = ANY(%(codes)s) AND (data ? %(from_old)s OR data ? %(from_new)s)
"""


def _rename(apps, schema_editor, *, from_keys, to_keys):
    (from_old, from_new), (to_old, to_new) = from_keys, to_keys
    if schema_editor.connection.vendor == "postgresql":
        # One statement, however many events: the table is large and rows are append-only to the ORM.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(_SQL, {"from_old": from_old, "from_new": from_new, "to_old": to_old, "to_new": to_new,
                                  "codes": STATUS_EVENT_CODES})
        return
    DomainEvent = apps.get_model("audit", "DomainEvent")  # the historical model: a plain manager
    changed = []
    for event in DomainEvent.objects.filter(code__in=STATUS_EVENT_CODES).iterator(chunk_size=2000):
        data = dict(event.data or {})
        if from_old not in data and from_new not in data:
            continue
        old, new = data.pop(from_old, None), data.pop(from_new, None)
        event.data = {to_old: old, to_new: new, **data}
        changed.append(event)
    DomainEvent.objects.bulk_update(changed, ["data"], batch_size=2000)


def forwards(apps, schema_editor):
    _rename(apps, schema_editor, from_keys=("old", "new"), to_keys=("old_status", "new_status"))


def backwards(apps, schema_editor):
    _rename(apps, schema_editor, from_keys=("old_status", "new_status"), to_keys=("old", "new"))


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0006_security_incidents_and_query_volume_alerts"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
