"""Audit samples keep a frozen copy of their access-log row, and the row's reference may become null (R-RET-4).

Retention purges access-log rows after their period (R-AUD-1); with a PROTECT reference every nightly run failed
once an approved audit existed. The copy is filled from the rows still present, then the columns become required.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from apps.audit.choices import ALL_PURPOSE_CHOICES

COPIED = ["log_seq", "log_occurred_at", "log_user", "log_username", "log_action", "log_data_elements",
          "log_purpose", "log_case_number", "log_result_count", "log_row_hash"]


def fill(apps, schema_editor):
    AuditSample = apps.get_model("audits", "AuditSample")
    for sample in AuditSample.objects.select_related("access_log").iterator(chunk_size=2000):
        row = sample.access_log
        AuditSample.objects.filter(pk=sample.pk).update(
            log_seq=row.seq, log_occurred_at=row.occurred_at, log_user_id=row.user_id, log_username=row.username,
            log_action=row.action, log_data_elements=row.data_elements, log_purpose=row.purpose,
            log_case_number=row.case_number, log_result_count=row.result_count, log_row_hash=row.row_hash,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0001_initial"),
        ("audit", "0004_access_log_controlled_purge"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField("auditsample", "log_seq", models.BigIntegerField(
            null=True, help_text="Chain position of the sampled access-log row.")),
        migrations.AddField("auditsample", "log_occurred_at", models.DateTimeField(null=True)),
        migrations.AddField("auditsample", "log_user", models.ForeignKey(
            null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
        migrations.AddField("auditsample", "log_username", models.CharField(max_length=150, default="")),
        migrations.AddField("auditsample", "log_action", models.CharField(max_length=80, default="")),
        migrations.AddField("auditsample", "log_data_elements", models.JSONField(blank=True, default=dict)),
        migrations.AddField("auditsample", "log_purpose", models.CharField(
            max_length=40, choices=ALL_PURPOSE_CHOICES, default="")),
        migrations.AddField("auditsample", "log_case_number", models.CharField(max_length=64, default="")),
        migrations.AddField("auditsample", "log_result_count", models.IntegerField(blank=True, null=True)),
        migrations.AddField("auditsample", "log_row_hash", models.CharField(
            max_length=64, default="", help_text="row_hash of the sampled row (ties the copy to the chain).")),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField("auditsample", "log_seq", models.BigIntegerField(
            help_text="Chain position of the sampled access-log row.")),
        migrations.AlterField("auditsample", "log_occurred_at", models.DateTimeField()),
        migrations.AlterField("auditsample", "log_user", models.ForeignKey(
            on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
        migrations.AlterField("auditsample", "log_username", models.CharField(max_length=150)),
        migrations.AlterField("auditsample", "log_action", models.CharField(max_length=80)),
        migrations.AlterField("auditsample", "log_purpose", models.CharField(max_length=40, choices=ALL_PURPOSE_CHOICES)),
        migrations.AlterField("auditsample", "log_case_number", models.CharField(max_length=64)),
        migrations.AlterField("auditsample", "log_row_hash", models.CharField(
            max_length=64, help_text="row_hash of the sampled row (ties the copy to the chain).")),
        migrations.AlterField("auditsample", "access_log", models.ForeignKey(
            blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+",
            to="audit.accesslog",
            help_text="The sampled row while the access log still keeps it; null once retention purged it.")),
    ]
