"""PostgreSQL only: pg_trgm and the trigram index for partial plates (R-READ-4), the exact-search index made covering,
and a trigger that refuses any change to a read's original columns (R-READ-2).

The GIN index is not declared in ``Read.Meta`` because SQLite (the laptop default) has no GIN; there, partial
searches scan the bounded time range instead. The trigger lets through only the columns that are *about* a read
rather than the read itself: ``plate_current`` (corrections), ``flagged_out_of_service`` (R-READ-5), ``archived_at``
(R-RET-1) and the image names (purge, R-RET-2).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

CREATE_INDEX = "CREATE INDEX IF NOT EXISTS read_plate_trgm ON reads_read USING gin (plate_current gin_trgm_ops)"
DROP_INDEX = "DROP INDEX IF EXISTS read_plate_trgm"

# Exact search collects (id, captured_at) of the matches: with id and archived_at in the index that is index-only.
COVERING = [
    "DROP INDEX IF EXISTS read_plate_time",
    "CREATE INDEX read_plate_time ON reads_read (plate_current, captured_at) INCLUDE (id, archived_at)",
]
NOT_COVERING = [
    "DROP INDEX IF EXISTS read_plate_time",
    "CREATE INDEX read_plate_time ON reads_read (plate_current, captured_at)",
]

CREATE_TRIGGER = """
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
       OR NEW.metadata::text IS DISTINCT FROM OLD.metadata::text THEN
        RAISE EXCEPTION 'reads_read originals are immutable (R-READ-2): record a correction instead'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER reads_read_originals_immutable
    BEFORE UPDATE ON reads_read
    FOR EACH ROW EXECUTE FUNCTION reads_read_refuse_original_change();
"""

DROP_TRIGGER = """
DROP TRIGGER IF EXISTS reads_read_originals_immutable ON reads_read;
DROP FUNCTION IF EXISTS reads_read_refuse_original_change();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(CREATE_INDEX)
            for statement in COVERING:
                cursor.execute(statement)
            cursor.execute(CREATE_TRIGGER)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(DROP_TRIGGER)
            for statement in NOT_COVERING:
                cursor.execute(statement)
            cursor.execute(DROP_INDEX)


class Migration(migrations.Migration):
    dependencies = [("reads", "0001_initial")]

    operations = [TrigramExtension(), migrations.RunPython(forwards, backwards)]
