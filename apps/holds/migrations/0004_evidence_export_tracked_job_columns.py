"""Evidence exports are tracked jobs (apps.common.jobs, issue #18): ``requested_at`` is renamed ``queued_at`` (the
column is renamed in place: every row keeps its time), ``attempts`` can no longer be negative."""

from django.db import migrations, models

import apps.common.jobs


class Migration(migrations.Migration):

    dependencies = [
        ("holds", "0003_hold_grounds_verification_booking_export_expiry"),
    ]

    operations = [
        migrations.RenameField(model_name="evidenceexport", old_name="requested_at", new_name="queued_at"),
        migrations.AlterField(
            model_name="evidenceexport", name="queued_at",
            field=models.DateTimeField(default=apps.common.jobs.job_queued_now),
        ),
        migrations.AlterModelOptions(name="evidenceexport", options={"ordering": ["-queued_at", "-id"]}),
        migrations.AlterField(
            model_name="evidenceexport", name="attempts",
            field=models.PositiveIntegerField(default=0, help_text="How many times a worker started it."),
        ),
        migrations.AlterField(
            model_name="evidenceexport", name="error",
            field=models.TextField(blank=True, help_text="Why it failed."),
        ),
    ]
