"""The plate → month summary becomes one row per plate with its months as ``smallint[]`` (issue #19: disk of 100M reads
within 1.5× of the unpartitioned table).

0013's ``reads_readplatemonth`` held one row per (plate, UTC month): at the benchmark's five reads per plate over two
years that is about one row per read, 68.5 bytes per read with its primary key (6.5 GB at 100M). Here
``reads_readplatemonths (plate primary key, months smallint[])`` holds one row per plate; a month is numbered
``year * 12 + month - 1`` (``apps.reads.models.month_number``). Measured at 10M reads: docs/scaling.md. A bigint bit
mask per plate and aligned 64-month bucket was measured too and is larger here: any fixed alignment puts a bucket
boundary inside somebody's retention period (it falls in September 2026 today), and a plate read on both sides of it
needs two rows.

The triggers keep their names and when they fire (0013); their functions now write the new table:

* insert (statement): per plate of the statement, the months its reads fall in; a plate whose row already holds them
  all is left alone without a lock (``NOT EXISTS``), the others are upserted in plate order, ``ON CONFLICT DO UPDATE
  … WHERE`` the row lacks one of them (the union, sorted). The plate order means two ingest batches (or a batch and a
  purge, which locks in the same order) never wait on each other crosswise.
* delete (statement) and retention's whole-month TRUNCATE: ``reads_plate_months_forget(plates, month)`` takes the
  month out of each plate's row once no read of the plate is left in it, and deletes a row left with no month.
* correction (row): the new plate's month added, the old plate's removed when no other read of the month carries it.

As before, the summary may hold a month with no matching read any more, never fewer: the plate condition of the search
still decides. Existing rows are converted from 0013's table (a superset of the truth stays one), under a lock that
keeps reads from being written meanwhile. SQLite: the new table is created empty like the old one was; no function.
"""

import importlib

from django.db import migrations, models

import apps.reads.models

FUNCTIONS = """
-- A UTC capture month as the summary numbers it. SQL and immutable: inlined where it is called.
CREATE OR REPLACE FUNCTION reads_month_number(t timestamptz) RETURNS smallint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT (extract(year FROM t AT TIME ZONE 'UTC') * 12 + extract(month FROM t AT TIME ZONE 'UTC') - 1)::smallint $$;

CREATE OR REPLACE FUNCTION reads_months_union(a smallint[], b smallint[]) RETURNS smallint[] LANGUAGE sql IMMUTABLE
PARALLEL SAFE AS $$ SELECT ARRAY(SELECT DISTINCT u FROM unnest(a || b) u ORDER BY u) $$;

-- Takes month m out of the rows of these plates (the caller has checked that no read of the plate is left in m), then
-- deletes the rows left with no month. One UPDATE through a plain index scan of the primary key, which returns (and
-- locks) rows in plate order, as the insert trigger takes them: a purge and an ingest batch never wait on each other
-- crosswise; the DELETE only meets rows this UPDATE already holds.
CREATE OR REPLACE FUNCTION reads_plate_months_forget(plates text[], m smallint) RETURNS void LANGUAGE plpgsql
SET enable_seqscan = off SET enable_bitmapscan = off AS $$
BEGIN
    UPDATE reads_readplatemonths s SET months = array_remove(s.months, m)
    WHERE s.plate = ANY(plates) AND s.months @> ARRAY[m];
    DELETE FROM reads_readplatemonths s WHERE s.plate = ANY(plates) AND s.months = '{}';
END $$;

-- Hash and merge joins off: the summary is probed by its key for the plates of one statement, never scanned whole (a
-- transition table has no statistics to plan by).
CREATE OR REPLACE FUNCTION reads_plate_months_add() RETURNS trigger LANGUAGE plpgsql
SET enable_hashjoin = off SET enable_mergejoin = off AS $$
BEGIN
    INSERT INTO reads_readplatemonths AS s (plate, months)
    SELECT g.plate, g.months FROM (
        SELECT d.plate, array_agg(d.m ORDER BY d.m) AS months FROM (
            SELECT DISTINCT n.plate_current AS plate, reads_month_number(n.captured_at) AS m FROM new_reads n) d
        GROUP BY d.plate) g
    WHERE NOT EXISTS (SELECT 1 FROM reads_readplatemonths x WHERE x.plate = g.plate AND x.months @> g.months)
    ORDER BY g.plate
    ON CONFLICT (plate) DO UPDATE SET months = reads_months_union(s.months, excluded.months)
    WHERE NOT s.months @> excluded.months;
    RETURN NULL;
END $$;

-- Per month of the deleted reads (a purge batch: usually one), the plates none of whose reads is left in that month:
-- the month's own partition is probed directly when it is attached (else the whole table), one index probe per plate.
CREATE OR REPLACE FUNCTION reads_plate_months_remove() RETURNS trigger LANGUAGE plpgsql
SET enable_hashjoin = off SET enable_mergejoin = off AS $$
DECLARE
    m date;
    part regclass;
    plates text[];
BEGIN
    FOR m IN SELECT DISTINCT (date_trunc('month', o.captured_at AT TIME ZONE 'UTC'))::date FROM old_reads o LOOP
        SELECT i.inhrelid::regclass INTO part FROM pg_inherits i
        WHERE i.inhparent = 'reads_read'::regclass AND i.inhrelid = to_regclass(format('reads_read_p%s', to_char(m, 'YYYYMM')));
        EXECUTE format($q$
            SELECT ARRAY(SELECT g.plate FROM (SELECT DISTINCT o.plate_current AS plate FROM old_reads o
                                              WHERE o.captured_at >= $1 AND o.captured_at < $2) g
                         WHERE NOT EXISTS (SELECT 1 FROM %s r WHERE r.plate_current = g.plate
                                           AND r.captured_at >= $1 AND r.captured_at < $2))$q$,
                       coalesce(part, 'reads_read'::regclass))
        INTO plates
        USING (m::timestamp AT TIME ZONE 'UTC'), ((m + interval '1 month')::timestamp AT TIME ZONE 'UTC');
        IF cardinality(plates) > 0 THEN
            PERFORM reads_plate_months_forget(plates, reads_month_number(m::timestamp AT TIME ZONE 'UTC'));
        END IF;
    END LOOP;
    RETURN NULL;
END $$;

-- A correction: the new plate's month is added, the old plate's removed if no other read of the month carries it.
CREATE OR REPLACE FUNCTION reads_plate_months_correct() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    m smallint := reads_month_number(NEW.captured_at);
    month_start timestamptz := (date_trunc('month', NEW.captured_at AT TIME ZONE 'UTC')) AT TIME ZONE 'UTC';
BEGIN
    INSERT INTO reads_readplatemonths AS s (plate, months) VALUES (NEW.plate_current, ARRAY[m])
    ON CONFLICT (plate) DO UPDATE SET months = reads_months_union(s.months, excluded.months)
    WHERE NOT s.months @> excluded.months;
    IF NOT EXISTS (SELECT 1 FROM reads_read r WHERE r.plate_current = OLD.plate_current
                   AND r.captured_at >= month_start AND r.captured_at < month_start + interval '1 month') THEN
        PERFORM reads_plate_months_forget(ARRAY[OLD.plate_current::text], m);
    END IF;
    RETURN NULL;
END $$;
"""

# Existing rows: 0013's (plate, month) rows grouped by plate.
CONVERT = """
INSERT INTO reads_readplatemonths (plate, months)
SELECT plate, array_agg(reads_month_number(month::timestamp AT TIME ZONE 'UTC') ORDER BY month)
FROM reads_readplatemonth GROUP BY plate
"""

CONVERT_BACK = """
INSERT INTO reads_readplatemonth (plate, month)
SELECT s.plate, make_date(m / 12, m % 12 + 1, 1) FROM reads_readplatemonths s CROSS JOIN LATERAL unnest(s.months) m
"""


def table_create(apps, schema_editor):
    """The table by hand: Django's own CreateModel would give the CharField primary key a second, varchar_pattern_ops
    index for LIKE (~22 bytes per plate), and the summary is only ever looked up by equality on its primary key."""
    months = "smallint[]" if schema_editor.connection.vendor == "postgresql" else "text"
    schema_editor.execute(
        f'CREATE TABLE "reads_readplatemonths" ("plate" varchar(10) NOT NULL PRIMARY KEY, "months" {months} NOT NULL)'
    )


def table_drop(apps, schema_editor):
    schema_editor.execute('DROP TABLE "reads_readplatemonths"')


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("LOCK TABLE reads_read IN SHARE ROW EXCLUSIVE MODE")  # no read comes, goes or is corrected
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(FUNCTIONS)
        cursor.execute(CONVERT)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    before = importlib.import_module("apps.reads.migrations.0013_plate_months_and_pattern_indexes")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("LOCK TABLE reads_read IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(before.FUNCTIONS)
        cursor.execute(CONVERT_BACK)
        for function in (
            "reads_plate_months_forget(text[], smallint)",
            "reads_months_union(smallint[], smallint[])",
            "reads_month_number(timestamptz)",
        ):
            cursor.execute(f"DROP FUNCTION IF EXISTS {function}")


class Migration(migrations.Migration):
    dependencies = [
        ("reads", "0016_read_delete_check_one_partition"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ReadPlateMonths",
                    fields=[
                        ("plate", models.CharField(max_length=10, primary_key=True, serialize=False)),
                        (
                            "months",
                            apps.reads.models.MonthSetField(
                                help_text="UTC capture months holding a read of the plate: year * 12 + month - 1."
                            ),
                        ),
                    ],
                ),
            ],
            database_operations=[migrations.RunPython(table_create, table_drop, elidable=False)],
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
        migrations.DeleteModel(name="ReadPlateMonth"),
    ]
