"""The check behind ``reads_read_unreferenced`` (a deleted read may not leave anything referring to it, 0012) asked
first whether the read still existed, by ``id`` alone: with reads partitioned by month that is one primary-key probe
per month partition for every read deleted. Measured on the nightly purge of one day's 1M reads among 100M (about
28 month partitions, indexes mostly out of memory): about 150 reads purged per second, against 3,000 at 200,000 reads.

Now the tables that could refer to the read are asked first (small, indexed, nearly always answering no), and only
when one does is the read looked for, by ``id`` and ``captured_at`` (the partition key, never changed — R-READ-2's
trigger refuses it — so a read moved between partitions, e.g. out of the DEFAULT partition, is still found): one
partition, not all of them. Same rule, same error.
"""

from django.db import migrations

REFERENCING = [  # (table, column), as in 0012: everything that referred to reads_read through a FOREIGN KEY
    ("reads_readcorrection", "read_id"),
    ("reads_readagentalert", "read_id"),
    ("hotlists_hit", "read_id"),
    ("ocr_readalternate", "read_id"),
    ("ocr_ocritem", "read_id"),
]

DELETE_CHECK = """
CREATE OR REPLACE FUNCTION reads_read_delete_check() RETURNS trigger AS $$
BEGIN
    IF ({referenced}) THEN
        IF NOT EXISTS (SELECT 1 FROM reads_read WHERE id = OLD.id AND captured_at = OLD.captured_at) THEN
            RAISE EXCEPTION 'read % is still referred to (corrections, agent alerts, hits, OCR)', OLD.id
                USING ERRCODE = 'foreign_key_violation';
        END IF;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

PREVIOUS = """
CREATE OR REPLACE FUNCTION reads_read_delete_check() RETURNS trigger AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM reads_read WHERE id = OLD.id) AND ({referenced}) THEN
        RAISE EXCEPTION 'read % is still referred to (corrections, agent alerts, hits, OCR)', OLD.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def _referenced() -> str:
    return " OR ".join(f"EXISTS (SELECT 1 FROM {table} WHERE {column} = OLD.id)"  # noqa: S608 - constants
                       for table, column in REFERENCING)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(DELETE_CHECK.format(referenced=_referenced()))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(PREVIOUS.format(referenced=_referenced()))


class Migration(migrations.Migration):
    dependencies = [
        ("reads", "0015_read_keys_unique"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
