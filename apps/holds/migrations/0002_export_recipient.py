from django.db import migrations, models


class Migration(migrations.Migration):
    """R-SHR-8: an evidence package names its recipient. Packages built before were for the own agency."""

    dependencies = [
        ("holds", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="evidenceexport",
            name="recipient",
            field=models.CharField(
                default="internal (own agency)",
                help_text="Who receives the package (R-SHR-8): internal (own agency); an outside recipient makes it a "
                          "disclosure request instead.",
                max_length=300),
            preserve_default=False,
        ),
    ]
