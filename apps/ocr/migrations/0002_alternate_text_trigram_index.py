"""PostgreSQL only: a trigram index on OCR alternates so a partial misread-tolerant search (a regex over
``ocr_readalternate.text``, apps.reads.selectors) is answered from the index instead of scanning every alternate
(R-READ-4). Like the reads' own trigram index it is not declared in ``Meta``: SQLite (the laptop default) has no GIN.
"""

from django.db import migrations

CREATE_INDEX = "CREATE INDEX IF NOT EXISTS readalternate_text_trgm ON ocr_readalternate USING gin (text gin_trgm_ops)"
DROP_INDEX = "DROP INDEX IF EXISTS readalternate_text_trgm"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_INDEX)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_INDEX)


class Migration(migrations.Migration):
    # reads 0002 creates the pg_trgm extension.
    dependencies = [("ocr", "0001_initial"), ("reads", "0002_search_indexes_and_immutable_originals")]

    operations = [migrations.RunPython(forwards, backwards)]
