"""Report jobs are tracked jobs (apps.common.jobs, issue #18): ``created_at`` is renamed ``queued_at`` (renamed in
place: every row keeps its time; set by default now rather than auto_now_add, which is the same on insert) and
``attempts`` counts the starts (existing jobs: 0)."""

from django.db import migrations, models

import apps.common.jobs


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0004_report_transmittals_and_due_cap"),
    ]

    operations = [
        migrations.RenameField(model_name="reportjob", old_name="created_at", new_name="queued_at"),
        migrations.AlterField(
            model_name="reportjob", name="queued_at",
            field=models.DateTimeField(default=apps.common.jobs.job_queued_now),
        ),
        migrations.AlterModelOptions(name="reportjob", options={"ordering": ["-queued_at", "-id"]}),
        migrations.AddField(
            model_name="reportjob", name="attempts",
            field=models.PositiveIntegerField(default=0, help_text="How many times a worker started it."),
        ),
        migrations.AlterField(
            model_name="reportjob", name="error",
            field=models.TextField(blank=True, help_text="Why it failed."),
        ),
    ]
