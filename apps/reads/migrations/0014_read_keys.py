"""``reads_readkey``: which read a camera stored under a key, one unpartitioned row per read (issue #19).

Reads are partitioned by capture month (0012) and their unique index holds the capture time, so ingest's duplicate
check and its ``INSERT … WHERE NOT EXISTS`` probed every month's index for every key sent. With this table they
probe one index per key, and the stored read is then found in its own month (the capture time prunes the lookup).

PostgreSQL: two statement triggers on ``reads_read`` keep the table exact for every insert and delete made through
the parent table (ingest, the ORM, the benchmark loaders, retention's row-by-row purge), in the same statement.
What does not go through the parent is left alone on purpose: the partition manager moving reads from the DEFAULT
partition into their month (same ids, same capture times: their keys stay right) and retention's whole-month
TRUNCATE, which removes the keys of the reads it purges itself and keeps those of the reads it puts back
(``apps.reads.retention``). Existing reads are copied in (the first read of a key wins should a key ever have been
stored twice). SQLite: the table is created but stays empty; there reads are one plain table whose
``read_unique_per_camera`` index answers by key.
"""

from django.db import migrations, models

# Each function is planned for the rows of one statement (one ingest batch, one purge batch): a probe of the key
# table's primary key per row, never a scan of the whole table (which hash and merge joins would do).
KEYS_ADD = """
CREATE OR REPLACE FUNCTION reads_read_keys_add() RETURNS trigger LANGUAGE plpgsql
SET enable_hashjoin = off SET enable_mergejoin = off AS $$
BEGIN
    INSERT INTO reads_readkey (camera_id, source_read_id, read_id, captured_at)
    SELECT camera_id, source_read_id, id, captured_at FROM reads_added
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$
"""

KEYS_REMOVE = """
CREATE OR REPLACE FUNCTION reads_read_keys_remove() RETURNS trigger LANGUAGE plpgsql
SET enable_hashjoin = off SET enable_mergejoin = off AS $$
BEGIN
    DELETE FROM reads_readkey k USING reads_removed r
    WHERE k.camera_id = r.camera_id AND k.source_read_id = r.source_read_id AND k.read_id = r.id;
    RETURN NULL;
END $$
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(KEYS_ADD)
        cursor.execute(KEYS_REMOVE)
        cursor.execute("LOCK TABLE reads_read IN SHARE ROW EXCLUSIVE MODE")  # no read comes or goes meanwhile
        cursor.execute("DROP TRIGGER IF EXISTS reads_read_keys_add ON reads_read")  # idempotent: safe to rerun
        cursor.execute("DROP TRIGGER IF EXISTS reads_read_keys_remove ON reads_read")
        cursor.execute("CREATE TRIGGER reads_read_keys_add AFTER INSERT ON reads_read REFERENCING NEW TABLE AS "
                       "reads_added FOR EACH STATEMENT EXECUTE FUNCTION reads_read_keys_add()")
        cursor.execute("CREATE TRIGGER reads_read_keys_remove AFTER DELETE ON reads_read REFERENCING OLD TABLE AS "
                       "reads_removed FOR EACH STATEMENT EXECUTE FUNCTION reads_read_keys_remove()")
        cursor.execute("INSERT INTO reads_readkey (camera_id, source_read_id, read_id, captured_at) "
                       "SELECT camera_id, source_read_id, id, captured_at FROM reads_read ORDER BY id "
                       "ON CONFLICT DO NOTHING")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS reads_read_keys_add ON reads_read")
        cursor.execute("DROP TRIGGER IF EXISTS reads_read_keys_remove ON reads_read")
        cursor.execute("DROP FUNCTION IF EXISTS reads_read_keys_add()")
        cursor.execute("DROP FUNCTION IF EXISTS reads_read_keys_remove()")


class Migration(migrations.Migration):
    dependencies = [
        ("reads", "0013_plate_months_and_pattern_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReadKey",
            fields=[
                ("pk", models.CompositePrimaryKey("camera_id", "source_read_id", blank=True, editable=False,
                                                  primary_key=True, serialize=False)),
                ("camera_id", models.BigIntegerField()),
                ("source_read_id", models.CharField(max_length=100)),
                ("read_id", models.BigIntegerField()),
                ("captured_at", models.DateTimeField()),
            ],
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
