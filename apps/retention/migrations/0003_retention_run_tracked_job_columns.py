"""Retention runs are tracked jobs (apps.common.jobs, issue #18): ``created_at`` is renamed ``queued_at`` (renamed in
place: every row keeps its time), ``attempts`` counts the starts and ``error`` says why the job itself gave up
(existing runs: 0 and empty; their per-step ``errors`` are unchanged). The status/time index follows the rename."""

from django.db import migrations, models

import apps.common.jobs


class Migration(migrations.Migration):

    dependencies = [
        ("retention", "0002_copy_retention_periods"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="retentionrun", name="retentionrun_status_time"),
        migrations.RenameField(model_name="retentionrun", old_name="created_at", new_name="queued_at"),
        migrations.AlterField(
            model_name="retentionrun", name="queued_at",
            field=models.DateTimeField(default=apps.common.jobs.job_queued_now),
        ),
        migrations.AddIndex(
            model_name="retentionrun",
            index=models.Index(fields=["status", "queued_at"], name="retentionrun_status_time"),
        ),
        migrations.AlterModelOptions(
            name="retentionrun",
            options={"ordering": ["-queued_at", "-id"],
                     "permissions": [("run_retention", "Can start a retention run from the portal")]},
        ),
        migrations.AddField(
            model_name="retentionrun", name="attempts",
            field=models.PositiveIntegerField(default=0, help_text="How many times a worker started it."),
        ),
        migrations.AddField(
            model_name="retentionrun", name="error",
            field=models.TextField(blank=True, help_text="Why it failed."),
        ),
    ]
