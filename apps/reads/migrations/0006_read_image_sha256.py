"""R-SEC-2: a SHA-256 for every stored image, checked when it is served.

Images already stored are hashed here from storage. An image that cannot be read now (missing, unreadable) keeps an
empty digest: it is *unverified*, served as before and logged as such; the migration prints how many there are.
"""

import hashlib
import logging

from django.db import migrations, models

logger = logging.getLogger("alprportal.reads.migrations")


def _digest(storage, name):
    try:
        with storage.open(name, "rb") as handle:
            digest = hashlib.sha256()
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
            return digest.hexdigest()
    except (OSError, ValueError):
        return ""


def fill_digests(apps, schema_editor):
    from django.core.files.storage import default_storage

    read_model = apps.get_model("reads", "Read")
    hashed = unverified = 0
    rows = (read_model.objects.exclude(vehicle_image="", plate_crop="")
            .values_list("id", "vehicle_image", "plate_crop").iterator(chunk_size=2000))
    for read_id, vehicle_image, plate_crop in rows:
        changes = {}
        for field, name in (("vehicle_image_sha256", vehicle_image), ("plate_crop_sha256", plate_crop)):
            if not name:
                continue
            digest = _digest(default_storage, name)
            if digest:
                changes[field] = digest
                hashed += 1
            else:
                unverified += 1
        if changes:
            read_model.objects.filter(pk=read_id).update(**changes)
    if hashed or unverified:
        logger.warning("Image digests: %s images hashed, %s could not be read and stay unverified.", hashed,
                       unverified)


class Migration(migrations.Migration):

    dependencies = [
        ('reads', '0005_camera_token_expiry_and_revocation'),
    ]

    operations = [
        migrations.AddField(
            model_name='read',
            name='plate_crop_sha256',
            field=models.CharField(blank=True, db_default='', default='', max_length=64),
        ),
        migrations.AddField(
            model_name='read',
            name='vehicle_image_sha256',
            field=models.CharField(blank=True, db_default='', default='', max_length=64),
        ),
        migrations.RunPython(fill_digests, migrations.RunPython.noop),
    ]
