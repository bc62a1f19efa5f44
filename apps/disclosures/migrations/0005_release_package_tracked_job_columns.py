"""Release packages are tracked jobs (apps.common.jobs, issue #18): the columns already had the kit's names; only
their help texts and the default of ``queued_at`` (still now) change. No data moves."""

from django.db import migrations, models

import apps.common.jobs


class Migration(migrations.Migration):

    dependencies = [
        ("disclosures", "0004_staff_entered_requests_and_copy_retention"),
    ]

    operations = [
        migrations.AlterField(
            model_name="releasepackage", name="queued_at",
            field=models.DateTimeField(default=apps.common.jobs.job_queued_now),
        ),
        migrations.AlterField(
            model_name="releasepackage", name="attempts",
            field=models.PositiveIntegerField(default=0, help_text="How many times a worker started it."),
        ),
        migrations.AlterField(
            model_name="releasepackage", name="error",
            field=models.TextField(blank=True, help_text="Why it failed."),
        ),
    ]
