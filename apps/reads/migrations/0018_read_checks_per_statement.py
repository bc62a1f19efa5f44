"""PostgreSQL: the two per-row checks on ``reads_read`` that every retention batch paid for each read (issue #19).

Measured on the nightly archive and purge of one day's 1M reads (``bench_retention``, docs/scaling.md): about 40
CPU-microseconds per read per pass, of which these two were the part that was not the row work itself.

* ``reads_read_unreferenced`` (a deleted read may leave nothing referring to it; 0012, 0016) was a deferred
  constraint trigger FOR EACH ROW: every read deleted queued an event, and at commit a PL/pgSQL call ran five
  queries for it — 50,000 calls per purge batch. It is now a statement trigger with the statement's deleted reads as
  a transition table: one query per DELETE statement, one probe of each referring table's ``read_id`` index per read,
  and the read looked for by ``id`` and ``captured_at`` (its one partition) only when something still refers to it.
  Same rule, same error (``foreign_key_violation``, "still referred to").

  It is no longer *deferred*: it runs at the end of the DELETE statement instead of at commit. Nothing needs the
  deferral: Django's deletion collector deletes (or sets null) the referring rows before the reads; retention deletes
  a read's parts in the same statement as the read (data-modifying CTEs run before the statement's AFTER triggers);
  the whole-month purge uses TRUNCATE (no delete trigger, before and after). The one writer that deletes reads and
  puts them back in the same transaction — the partition manager moving a month out of the DEFAULT partition — deletes
  from the partition directly, which fires no statement trigger of ``reads_read`` (as for the key and plate-month
  triggers, 0013 and 0014): its reads come back with the same ids and capture times, so nothing is left dangling.
  ``tests/reads/test_partitions.py`` checks the rule on every path.

* ``reads_read_originals_immutable`` (R-READ-2) called its PL/pgSQL function for every row updated, archiving
  included (``archived_at`` only). The same comparison is now the trigger's ``WHEN`` condition, evaluated without a
  function call; the function runs (and refuses) only when an original column changes. Same rule, same error.
"""

from django.db import migrations

REFERENCING = [  # (table, column), as in 0012 and 0016: everything that referred to reads_read through a FOREIGN KEY
    ("reads_readcorrection", "read_id"),
    ("reads_readagentalert", "read_id"),
    ("hotlists_hit", "read_id"),
    ("ocr_readalternate", "read_id"),
    ("ocr_ocritem", "read_id"),
]

# Hash and merge joins off: a transition table has no statistics, and the referring tables must be probed by their
# read_id index per deleted read, never scanned whole (hits and corrections grow with the years).
DELETE_CHECK = """
CREATE OR REPLACE FUNCTION reads_read_delete_check_statement() RETURNS trigger LANGUAGE plpgsql
SET enable_hashjoin = off SET enable_mergejoin = off AS $$
DECLARE
    dangling bigint;
BEGIN
    SELECT o.id INTO dangling FROM reads_gone o
    WHERE ({referenced})
      AND NOT EXISTS (SELECT 1 FROM reads_read r WHERE r.id = o.id AND r.captured_at = o.captured_at)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'read % is still referred to (corrections, agent alerts, hits, OCR)', dangling
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$
"""

# The columns R-READ-2 freezes (the function as 0008 last defined it compares the same ones and stays the one that
# raises).
ORIGINALS = (
    "camera_id",
    "source_read_id",
    "source",
    "plate_read",
    "plate_normalized",
    "region",
    "captured_at",
    "received_at",
    "latitude",
    "longitude",
    "confidence",
    # 0008 added the vehicle attributes an agent sends (R-READ-2 freezes them too).
    "vehicle_color",
    "vehicle_make",
    "vehicle_model",
    "vehicle_body_type",
    "vehicle_year_min",
    "vehicle_year_max",
    "direction",
)
CHANGED = " OR ".join(
    [
        *(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in ORIGINALS),
        "OLD.metadata::text IS DISTINCT FROM NEW.metadata::text",
    ]
)


def _referenced() -> str:
    return " OR ".join(
        f"EXISTS (SELECT 1 FROM {table} x WHERE x.{column} = o.id)"  # noqa: S608 - constants
        for table, column in REFERENCING
    )


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("LOCK TABLE reads_read IN SHARE ROW EXCLUSIVE MODE")  # no read deleted or updated meanwhile
        cursor.execute(DELETE_CHECK.format(referenced=_referenced()))
        cursor.execute("DROP TRIGGER IF EXISTS reads_read_unreferenced ON reads_read")
        cursor.execute(
            "CREATE TRIGGER reads_read_unreferenced AFTER DELETE ON reads_read REFERENCING OLD TABLE AS "
            "reads_gone FOR EACH STATEMENT EXECUTE FUNCTION reads_read_delete_check_statement()"
        )
        cursor.execute("DROP TRIGGER IF EXISTS reads_read_originals_immutable ON reads_read")
        cursor.execute(
            f"CREATE TRIGGER reads_read_originals_immutable BEFORE UPDATE ON reads_read FOR EACH ROW "
            f"WHEN ({CHANGED}) EXECUTE FUNCTION reads_read_refuse_original_change()"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("LOCK TABLE reads_read IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute("DROP TRIGGER IF EXISTS reads_read_unreferenced ON reads_read")
        cursor.execute(
            "CREATE CONSTRAINT TRIGGER reads_read_unreferenced AFTER DELETE ON reads_read "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION reads_read_delete_check()"
        )
        cursor.execute("DROP FUNCTION IF EXISTS reads_read_delete_check_statement()")
        cursor.execute("DROP TRIGGER IF EXISTS reads_read_originals_immutable ON reads_read")
        cursor.execute(
            "CREATE TRIGGER reads_read_originals_immutable BEFORE UPDATE ON reads_read "
            "FOR EACH ROW EXECUTE FUNCTION reads_read_refuse_original_change()"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("reads", "0017_plate_months_one_row_per_plate"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
