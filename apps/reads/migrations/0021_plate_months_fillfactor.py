"""PostgreSQL: the plate → month summary keeps a tenth of every page free (``fillfactor`` 90), issue #19.

Every purged read takes its month out of its plate's row (``reads_plate_months_forget``, 0017: an UPDATE, then a
DELETE of the rows left with no month), and ingest adds the current month to the row of a plate seen before (an
UPDATE). With the pages packed full (fillfactor 100, the default), each such UPDATE wrote its new row version on
another page and a new entry into the summary's primary key: at 100M reads one random leaf of an index of several GB
read, dirtied and written out (with a full-page image in the WAL after each checkpoint) for every read purged. With
room on its page the new version stays there (a heap-only tuple): no index entry. Measured in docs/scaling.md.

Pages written from now on keep the room; existing pages get it as VACUUM frees them, or at once with ``VACUUM FULL
reads_readplatemonths`` (which locks the table, ingest included, while it runs: a maintenance window). SQLite: no
such setting, and the summary stays empty there.
"""

from django.db import migrations

FILLFACTOR = 90


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE reads_readplatemonths SET (fillfactor = {FILLFACTOR})")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE reads_readplatemonths RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("reads", "0020_read_flagged_archived_index"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
