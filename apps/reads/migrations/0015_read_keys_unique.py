"""PostgreSQL: ``reads_readkey``'s primary key becomes the one uniqueness guarantee for (camera, key) (issue #19).

Before this migration two things held a camera's keys: ``read_unique_per_camera`` ``(camera_id, source_read_id,
captured_at)`` on every month partition (the partition key must be part of it, so it could not refuse the same key
under another capture time), and the key table of 0014, whose trigger skipped a key already there (``ON CONFLICT DO
NOTHING``). Now:

* the trigger that adds the keys of the reads inserted through ``reads_read`` has no ``ON CONFLICT``: a read whose
  camera already has its key fails with a unique violation on ``reads_readkey_pkey``, whatever its capture time —
  ``(camera_id, source_read_id)`` unique in the database again, as the model declares (``read_unique_per_camera``);
* ``read_unique_per_camera`` is dropped from ``reads_read`` and with it from every partition (≈ 87 bytes of disk per
  read, and one index entry per read at ingest). New partitions copy the parent's indexes and constraints
  (``apps.reads.partitions.partition_index_statements``), so they do not get it either.

Every read stored has its key in ``reads_readkey`` (0014 copied them, the triggers and retention keep them). What does
not go through ``reads_read`` still needs none: the partition manager moves reads between partitions with the same
ids and capture times, retention puts kept reads back into their own partition.

Backwards: the trigger function gets its ``ON CONFLICT DO NOTHING`` back and the constraint is rebuilt on every
partition under the names 0012 gave it (``read_unique_per_camera_p202612``…), then on the parent, which adopts them.

SQLite: nothing. There reads are one plain table and keep the model's ``read_unique_per_camera (camera_id,
source_read_id)``; Django's model state keeps declaring it on both, as it already does for the form 0012 gave it on
PostgreSQL.
"""

from django.db import migrations

CONSTRAINT = "read_unique_per_camera"

KEYS_ADD_STRICT = """
CREATE OR REPLACE FUNCTION reads_read_keys_add() RETURNS trigger LANGUAGE plpgsql
SET enable_hashjoin = off SET enable_mergejoin = off AS $$
BEGIN
    -- A key this camera already has: a unique violation (reads_readkey_pkey), the statement fails.
    INSERT INTO reads_readkey (camera_id, source_read_id, read_id, captured_at)
    SELECT camera_id, source_read_id, id, captured_at FROM reads_added;
    RETURN NULL;
END $$
"""

KEYS_ADD_LENIENT = """
CREATE OR REPLACE FUNCTION reads_read_keys_add() RETURNS trigger LANGUAGE plpgsql
SET enable_hashjoin = off SET enable_mergejoin = off AS $$
BEGIN
    INSERT INTO reads_readkey (camera_id, source_read_id, read_id, captured_at)
    SELECT camera_id, source_read_id, id, captured_at FROM reads_added
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("LOCK TABLE reads_read IN SHARE ROW EXCLUSIVE MODE")  # no read comes or goes meanwhile
        cursor.execute(KEYS_ADD_STRICT)
        cursor.execute(f"ALTER TABLE reads_read DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("LOCK TABLE reads_read IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(KEYS_ADD_LENIENT)
        cursor.execute("SELECT 1 FROM pg_constraint WHERE conrelid = 'reads_read'::regclass AND conname = %s",
                       [CONSTRAINT])
        if cursor.fetchone():
            return
        cursor.execute("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                       "WHERE i.inhparent = 'reads_read'::regclass ORDER BY c.relname")
        definition = "UNIQUE (camera_id, source_read_id, captured_at)"
        for (partition,) in cursor.fetchall():
            suffix = partition.removeprefix("reads_read_")
            cursor.execute(f"ALTER TABLE {partition} ADD CONSTRAINT {CONSTRAINT}_{suffix} {definition}")
        # Adopts each partition's constraint (same definition) instead of building a second index.
        cursor.execute(f"ALTER TABLE reads_read ADD CONSTRAINT {CONSTRAINT} {definition}")


class Migration(migrations.Migration):
    dependencies = [
        ("reads", "0014_read_keys"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
