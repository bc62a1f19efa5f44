"""Vehicle attributes as fields of the read (issue #21).

PostgreSQL: the colour and make already sent by OpenALPR agents (kept in ``metadata.vehicle``) are copied into the
new fields, then the originals trigger (0002) is extended so the new fields are immutable too (R-READ-2). The copy
runs before the trigger covers the new columns; nothing in ``metadata`` changes.
"""

from django.db import migrations, models

BACKFILL = """
UPDATE reads_read
SET vehicle_color = lower(left(coalesce(metadata->'vehicle'->>'color', ''), 20)),
    vehicle_make = lower(left(coalesce(metadata->'vehicle'->>'make', ''), 40))
WHERE metadata ? 'vehicle' AND jsonb_typeof(metadata->'vehicle') = 'object'
"""

TRIGGER_FUNCTION = """
CREATE OR REPLACE FUNCTION reads_read_refuse_original_change() RETURNS trigger AS $$
BEGIN
    IF NEW.camera_id IS DISTINCT FROM OLD.camera_id
       OR NEW.source_read_id IS DISTINCT FROM OLD.source_read_id
       OR NEW.source IS DISTINCT FROM OLD.source
       OR NEW.plate_read IS DISTINCT FROM OLD.plate_read
       OR NEW.plate_normalized IS DISTINCT FROM OLD.plate_normalized
       OR NEW.region IS DISTINCT FROM OLD.region
       OR NEW.captured_at IS DISTINCT FROM OLD.captured_at
       OR NEW.received_at IS DISTINCT FROM OLD.received_at
       OR NEW.latitude IS DISTINCT FROM OLD.latitude
       OR NEW.longitude IS DISTINCT FROM OLD.longitude
       OR NEW.confidence IS DISTINCT FROM OLD.confidence
       OR NEW.metadata::text IS DISTINCT FROM OLD.metadata::text
       {extra}THEN
        RAISE EXCEPTION 'reads_read originals are immutable (R-READ-2): record a correction instead'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""
VEHICLE_COLUMNS = ["vehicle_color", "vehicle_make", "vehicle_model", "vehicle_body_type", "vehicle_year_min",
                   "vehicle_year_max", "direction"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(BACKFILL)
        extra = "".join(f"OR NEW.{c} IS DISTINCT FROM OLD.{c}\n       " for c in VEHICLE_COLUMNS)
        cursor.execute(TRIGGER_FUNCTION.format(extra=extra))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(TRIGGER_FUNCTION.format(extra=""))


class Migration(migrations.Migration):

    dependencies = [
        ('reads', '0007_camera_agents_previews_and_heartbeats'),
    ]

    operations = [
        migrations.AddField(
            model_name='read',
            name='direction',
            field=models.CharField(blank=True, db_default='', default='', help_text='Direction of travel: N, NE, E, SE, S, SW, W or NW.', max_length=2),
        ),
        migrations.AddField(
            model_name='read',
            name='vehicle_body_type',
            field=models.CharField(blank=True, db_default='', default='', max_length=30),
        ),
        migrations.AddField(
            model_name='read',
            name='vehicle_color',
            field=models.CharField(blank=True, db_default='', default='', max_length=20),
        ),
        migrations.AddField(
            model_name='read',
            name='vehicle_make',
            field=models.CharField(blank=True, db_default='', default='', max_length=40),
        ),
        migrations.AddField(
            model_name='read',
            name='vehicle_model',
            field=models.CharField(blank=True, db_default='', default='', max_length=60),
        ),
        migrations.AddField(
            model_name='read',
            name='vehicle_year_max',
            field=models.SmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='read',
            name='vehicle_year_min',
            field=models.SmallIntegerField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name='read',
            index=models.Index(condition=models.Q(('vehicle_make', ''), _negated=True), fields=['vehicle_make', 'vehicle_model', 'captured_at'], name='read_make_model_time'),
        ),
        migrations.AddIndex(
            model_name='read',
            index=models.Index(condition=models.Q(('vehicle_color', ''), _negated=True), fields=['vehicle_color', 'captured_at'], name='read_color_time'),
        ),
        migrations.RunPython(forwards, backwards),
    ]
