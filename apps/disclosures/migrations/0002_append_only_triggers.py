"""On PostgreSQL, the database itself refuses UPDATE, DELETE and TRUNCATE of the disclosure records that are
append-only: the custodian's written authorizations, the review decisions, the requester's answers and the list of
released reads (R-SHR-4, R-SHR-7). SQLite (the laptop default) relies on the model-level refusal."""

from django.db import migrations

TABLES = [
    "disclosures_disclosureauthorization",
    "disclosures_disclosurereview",
    "disclosures_disclosureinforesponse",
    "disclosures_releasedread",
]

FUNCTION = """
CREATE OR REPLACE FUNCTION disclosures_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:  # no parameters: the % in RAISE is literal
        cursor.execute(FUNCTION)
        for table in TABLES:
            cursor.execute(f"CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table} "
                           "FOR EACH ROW EXECUTE FUNCTION disclosures_refuse_change();")
            cursor.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                           "FOR EACH STATEMENT EXECUTE FUNCTION disclosures_refuse_change();")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};")
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table};")
        cursor.execute("DROP FUNCTION IF EXISTS disclosures_refuse_change();")


class Migration(migrations.Migration):
    dependencies = [("disclosures", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
