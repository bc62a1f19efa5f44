"""Plate search at 100M partitioned reads (issue #19): a plate → month summary, and btree paths for prefix and suffix
patterns. PostgreSQL only beyond the (empty, unused) summary table; SQLite keeps its plain table and search.

* ``reads_readplatemonth (plate, month)``: one row per plate and UTC capture month that holds a read with that
  ``plate_current``. An exact search asks it first which months of its window hold the plate, and then plans and
  probes only those monthly partitions instead of every month of a 1,100-day window. Database triggers keep it a
  superset of the truth on every write path (ingest, corrections, demo data, tests) and remove a row once its last
  read is deleted (retention's row-by-row purge); retention's whole-month TRUNCATE cleans it explicitly. Filled here
  from the reads already stored.
* ``read_plate_time`` rebuilt with ``text_pattern_ops``: the same equality index for exact search, now also usable for
  a pattern with a known prefix (``7ABC*``, ``7AB?123``) whatever the database collation.
* ``read_plate_reverse``: ``reverse(plate_current) text_pattern_ops`` for patterns that start with a wildcard and end
  with a known character (``*123``), which otherwise go through trigrams drawn from every read carrying them.

Both indexes are created on the parent and so on every partition; ``apps.reads.partitions`` copies the parent's
indexes onto each new partition.
"""

from django.db import migrations, models

# The month of a capture time is counted as the partitions count months: UTC.
FUNCTIONS = """
CREATE OR REPLACE FUNCTION reads_plate_months_add() RETURNS trigger AS $$
BEGIN
    INSERT INTO reads_readplatemonth (plate, month)
    SELECT DISTINCT n.plate_current, (date_trunc('month', n.captured_at AT TIME ZONE 'UTC'))::date FROM new_reads n
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- A plate's month row goes when no read of that month carries the plate any more. Per month of the deleted reads
-- (a purge batch: usually one), the month's own partition is probed directly when it is attached (else the whole
-- table), one index probe per plate; hash and merge joins are off so that the summary is probed by its key, never
-- scanned whole (a transition table has no statistics to plan by).
CREATE OR REPLACE FUNCTION reads_plate_months_remove() RETURNS trigger AS $$
DECLARE
    m date;
    part regclass;
BEGIN
    FOR m IN SELECT DISTINCT (date_trunc('month', o.captured_at AT TIME ZONE 'UTC'))::date FROM old_reads o LOOP
        SELECT i.inhrelid::regclass INTO part FROM pg_inherits i
        WHERE i.inhparent = 'reads_read'::regclass AND i.inhrelid = to_regclass(format('reads_read_p%s', to_char(m, 'YYYYMM')));
        EXECUTE format($q$
            DELETE FROM reads_readplatemonth s
            USING (SELECT DISTINCT o.plate_current AS plate FROM old_reads o
                   WHERE o.captured_at >= $2 AND o.captured_at < $3) g
            WHERE s.plate = g.plate AND s.month = $1
              AND NOT EXISTS (SELECT 1 FROM %s r WHERE r.plate_current = g.plate
                              AND r.captured_at >= $2 AND r.captured_at < $3)$q$, coalesce(part, 'reads_read'::regclass))
        USING m, (m::timestamp AT TIME ZONE 'UTC'), ((m + interval '1 month')::timestamp AT TIME ZONE 'UTC');
    END LOOP;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql SET enable_hashjoin = off SET enable_mergejoin = off;

-- A correction: the new plate's month is added, the old plate's removed if no other read of the month carries it.
CREATE OR REPLACE FUNCTION reads_plate_months_correct() RETURNS trigger AS $$
DECLARE
    m date := (date_trunc('month', NEW.captured_at AT TIME ZONE 'UTC'))::date;
BEGIN
    INSERT INTO reads_readplatemonth (plate, month) VALUES (NEW.plate_current, m) ON CONFLICT DO NOTHING;
    IF NOT EXISTS (SELECT 1 FROM reads_read r WHERE r.plate_current = OLD.plate_current
                   AND r.captured_at >= (m::timestamp AT TIME ZONE 'UTC')
                   AND r.captured_at < ((m + interval '1 month')::timestamp AT TIME ZONE 'UTC')) THEN
        DELETE FROM reads_readplatemonth s WHERE s.plate = OLD.plate_current AND s.month = m;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

TRIGGERS = """
CREATE TRIGGER reads_plate_months_on_insert AFTER INSERT ON reads_read
    REFERENCING NEW TABLE AS new_reads FOR EACH STATEMENT EXECUTE FUNCTION reads_plate_months_add();
CREATE TRIGGER reads_plate_months_on_delete AFTER DELETE ON reads_read
    REFERENCING OLD TABLE AS old_reads FOR EACH STATEMENT EXECUTE FUNCTION reads_plate_months_remove();
CREATE TRIGGER reads_plate_months_on_correct AFTER UPDATE OF plate_current ON reads_read
    FOR EACH ROW WHEN (OLD.plate_current IS DISTINCT FROM NEW.plate_current)
    EXECUTE FUNCTION reads_plate_months_correct();
"""

FILL = """
INSERT INTO reads_readplatemonth (plate, month)
SELECT DISTINCT plate_current, (date_trunc('month', captured_at AT TIME ZONE 'UTC'))::date FROM reads_read
ON CONFLICT DO NOTHING
"""

PLATE_TIME = "CREATE INDEX {name} ON reads_read (plate_current text_pattern_ops, captured_at) INCLUDE (id, archived_at)"
# plate_current is INCLUDEd so that collecting a suffix pattern's matches stays an index-only scan.
PLATE_REVERSE = ("CREATE INDEX read_plate_reverse ON reads_read (reverse(plate_current) text_pattern_ops, captured_at) "
                 "INCLUDE (plate_current, id, archived_at)")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cursor.execute(FUNCTIONS)
        cursor.execute(TRIGGERS)
        cursor.execute(FILL)
        # Built under another name, then swapped: the old index serves until the transaction commits.
        cursor.execute(PLATE_TIME.format(name="read_plate_time_pattern"))
        cursor.execute("DROP INDEX read_plate_time")
        cursor.execute("ALTER INDEX read_plate_time_pattern RENAME TO read_plate_time")
        cursor.execute(PLATE_REVERSE)
        for index in ("read_plate_time", "read_plate_reverse"):
            _partition_indexes_name(cursor, index)


def _partition_indexes_name(cursor, index: str) -> None:
    """Name each partition's copy of ``index`` after it (``read_plate_time_p202612``), as ``apps.reads.partitions``
    names the copies it makes, so plans keep naming the index the code talks about."""
    cursor.execute("SELECT c.relname, t.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                   "JOIN pg_index x ON x.indexrelid = c.oid JOIN pg_class t ON t.oid = x.indrelid "
                   "WHERE i.inhparent = to_regclass(%s)", [index])
    for child, table in cursor.fetchall():
        wanted = f"{index}_{table.removeprefix('reads_read_')}"
        if child != wanted:
            cursor.execute(f'ALTER INDEX "{child}" RENAME TO "{wanted}"')


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS read_plate_reverse")
        cursor.execute("DROP INDEX read_plate_time")
        cursor.execute("CREATE INDEX read_plate_time ON reads_read (plate_current, captured_at) INCLUDE (id, archived_at)")
        for trigger in ("reads_plate_months_on_insert", "reads_plate_months_on_delete", "reads_plate_months_on_correct"):
            cursor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON reads_read")
        for function in ("reads_plate_months_add", "reads_plate_months_remove", "reads_plate_months_correct"):
            cursor.execute(f"DROP FUNCTION IF EXISTS {function}()")


class Migration(migrations.Migration):
    dependencies = [("reads", "0012_partition_reads")]

    operations = [
        migrations.CreateModel(
            name="ReadPlateMonth",
            fields=[
                ("pk", models.CompositePrimaryKey("plate", "month", blank=True, editable=False, primary_key=True,
                                                  serialize=False)),
                ("plate", models.CharField(max_length=10)),
                ("month", models.DateField(help_text="First day of the UTC month.")),
            ],
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
