"""PostgreSQL 15+: taking a month out of the plates' summary rows is one ``MERGE`` instead of an ``UPDATE`` and a
``DELETE`` (issue #19).

``reads_plate_months_forget`` (0017) first wrote every row without the month — a row losing its last month written
once more, empty — and then found those rows again by key to delete them. In ``bench_retention`` at 100M reads, where
every read has a plate of its own, that second pass was 309 of the 1,335 ms the summary's trigger took per 50,000
reads purged (docs/scaling.md). ``MERGE`` does both in one pass: a row holding only that month is deleted, any other
row holding it loses it. Same lock order as before — the rows are taken in plate order (the sorted plates drive a
nested loop over the primary key), as the insert trigger takes them, so a purge and an ingest batch never wait on each
other crosswise; and under READ COMMITTED a row that an ingest batch changed meanwhile is judged again as it now is
(PostgreSQL's documented MERGE behaviour): a month it just gained keeps the row.

PostgreSQL 14 has no ``MERGE``: there the function stays as 0017 made it. SQLite: no function (the summary stays empty
there).
"""

import importlib

from django.db import migrations

FORGET = """
CREATE OR REPLACE FUNCTION reads_plate_months_forget(plates text[], m smallint) RETURNS void LANGUAGE plpgsql
SET enable_seqscan = off SET enable_bitmapscan = off SET enable_hashjoin = off SET enable_mergejoin = off AS $$
BEGIN
    MERGE INTO reads_readplatemonths s
    USING (SELECT DISTINCT p.plate FROM unnest(plates) AS p(plate) ORDER BY p.plate) g
    ON s.plate = g.plate AND s.months @> ARRAY[m]
    WHEN MATCHED AND s.months = ARRAY[m] THEN DELETE
    WHEN MATCHED THEN UPDATE SET months = array_remove(s.months, m);
END $$;
"""


def _merge_supported(connection) -> bool:
    return connection.vendor == "postgresql" and connection.pg_version >= 150000


def forwards(apps, schema_editor):
    if _merge_supported(schema_editor.connection):
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(FORGET)


def backwards(apps, schema_editor):
    if _merge_supported(schema_editor.connection):  # 0017's functions again (CREATE OR REPLACE: the others unchanged)
        before = importlib.import_module("apps.reads.migrations.0017_plate_months_one_row_per_plate")
        with schema_editor.connection.cursor() as cursor:  # no parameters: its format() placeholders stay as they are
            cursor.execute(before.FUNCTIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("reads", "0021_plate_months_fillfactor"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
