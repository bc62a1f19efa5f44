"""R-SEC-2: camera tokens expire and record their revocation.

Tokens issued before this migration get an expiry too: their issue time plus CAMERA_TOKEN_LIFETIME_DAYS, but never
sooner than 30 days after the upgrade, so that cameras already in the field keep working while they are given new
tokens (an old token must not stop every camera at once on the day of the upgrade).
"""

from datetime import timedelta

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

UPGRADE_GRACE = timedelta(days=30)


def fill_expiry(apps, schema_editor):
    from django.utils import timezone

    credential_model = apps.get_model("reads", "CameraCredential")
    lifetime = timedelta(days=settings.PORTAL["CAMERA_TOKEN_LIFETIME_DAYS"])
    earliest = timezone.now() + UPGRADE_GRACE
    for credential in credential_model.objects.filter(expires_at__isnull=True).only("id", "created_at"):
        credential_model.objects.filter(pk=credential.pk).update(
            expires_at=max(credential.created_at + lifetime, earliest))


class Migration(migrations.Migration):

    dependencies = [
        ('reads', '0004_ingestbatch_conflicts'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='cameracredential',
            name='expires_at',
            field=models.DateTimeField(help_text='The token is refused from this moment (R-SEC-2).', null=True),
        ),
        migrations.AddField(
            model_name='cameracredential',
            name='revocation_reason',
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name='cameracredential',
            name='revoked_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunPython(fill_expiry, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='cameracredential',
            name='expires_at',
            field=models.DateTimeField(help_text='The token is refused from this moment (R-SEC-2).'),
        ),
    ]
