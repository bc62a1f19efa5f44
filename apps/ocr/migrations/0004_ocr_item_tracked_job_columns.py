"""OCR photos are tracked jobs (apps.common.jobs, issue #18): ``created_at`` is renamed ``queued_at`` (renamed in
place: every photo keeps its upload time; default now rather than auto_now_add, the same on insert). The API keeps
calling it ``created_at``."""

from django.db import migrations, models

import apps.common.jobs


class Migration(migrations.Migration):

    dependencies = [
        ("ocr", "0003_readalternate_source"),
    ]

    operations = [
        migrations.RenameField(model_name="ocritem", old_name="created_at", new_name="queued_at"),
        migrations.AlterField(
            model_name="ocritem", name="queued_at",
            field=models.DateTimeField(default=apps.common.jobs.job_queued_now),
        ),
        migrations.AlterField(
            model_name="ocritem", name="attempts",
            field=models.PositiveIntegerField(default=0, help_text="How many times a worker started it."),
        ),
        migrations.AlterField(
            model_name="ocritem", name="error",
            field=models.TextField(blank=True, help_text="Why it failed."),
        ),
    ]
