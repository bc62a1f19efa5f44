"""On PostgreSQL, the database itself refuses UPDATE, DELETE and TRUNCATE of access-log rows (R-AUD-1).

Retention of the access log (>= 2 years) will get one controlled purge path with a signed checkpoint; until then
nothing may remove a row. SQLite (the laptop default) relies on the model-level refusal.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_accesslog_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_accesslog is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_accesslog_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_accesslog
    FOR EACH ROW EXECUTE FUNCTION audit_accesslog_refuse_change();

CREATE TRIGGER audit_accesslog_no_truncate
    BEFORE TRUNCATE ON audit_accesslog
    FOR EACH STATEMENT EXECUTE FUNCTION audit_accesslog_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_accesslog_no_truncate ON audit_accesslog;
DROP TRIGGER IF EXISTS audit_accesslog_no_update_delete ON audit_accesslog;
DROP FUNCTION IF EXISTS audit_accesslog_refuse_change();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:  # no parameters: the % in RAISE is literal
            cursor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
