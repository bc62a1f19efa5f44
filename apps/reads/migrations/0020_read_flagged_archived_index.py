"""The purge's index of reads flagged archived one by one (``read_flagged_archived``, R-RET-2, issue #19).

On PostgreSQL the reads are partitioned by month and a county's table holds 100M of them: a plain ``CREATE INDEX`` on
the parent would hold a lock that stops ingest while it reads every partition. So the index is made on the parent
alone (``ON ONLY``, invalid until every partition has its own), then built on each partition ``CONCURRENTLY`` (ingest
goes on) and attached, as PostgreSQL documents for partitioned tables. Not atomic: a migration stopped half-way is
run again and carries on (an invalid, half-built partition index is dropped and built again). New partitions get the
index from the parent (``apps.reads.partitions.partition_index_statements``). SQLite has one plain table.
"""

from django.db import migrations, models

NAME = "read_flagged_archived"
COLUMNS = "(captured_at, archived_at) WHERE archived_at IS NOT NULL"


def _partitions(cursor) -> list[str]:
    cursor.execute("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                   "WHERE i.inhparent = 'reads_read'::regclass ORDER BY c.relname")
    return [row[0] for row in cursor.fetchall()]


def _index_state(cursor, name: str) -> tuple[bool, bool] | None:
    """(valid, attached to the parent's index) for index ``name``, or None when it does not exist."""
    cursor.execute("SELECT i.indisvalid, EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid) "
                   "FROM pg_index i WHERE i.indexrelid = to_regclass(%s)", [name])
    row = cursor.fetchone()
    return None if row is None else (row[0], row[1])


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {NAME} ON reads_read {COLUMNS}")
            return
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {NAME} ON ONLY reads_read {COLUMNS}")
        for partition in _partitions(cursor):
            child = f"{NAME}_{partition.removeprefix('reads_read_')}"
            state = _index_state(cursor, child)
            if state is not None and not state[0]:  # a concurrent build that was interrupted: start it again
                cursor.execute(f"DROP INDEX CONCURRENTLY {child}")
                state = None
            if state is None:
                cursor.execute(f"CREATE INDEX CONCURRENTLY {child} ON {partition} {COLUMNS}")
                state = (True, False)
            if not state[1]:
                cursor.execute(f"ALTER INDEX {NAME} ATTACH PARTITION {child}")


def backwards(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {NAME}")  # with the partitions' indexes attached to it


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('reads', '0019_read_archive_watermark'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards)],
            state_operations=[
                migrations.AddIndex(
                    model_name='read',
                    index=models.Index(condition=models.Q(('archived_at__isnull', False)),
                                       fields=['captured_at', 'archived_at'], name='read_flagged_archived'),
                ),
            ],
        ),
    ]
