"""On PostgreSQL: the one controlled purge path of the access log (R-AUD-1), and append-only purge checkpoints.

UPDATE and TRUNCATE of ``audit_accesslog`` stay refused. A DELETE is let through only for a row that a purge
checkpoint written *in the same transaction* covers: the purge service (``apps.audit.purge``) writes the signed
checkpoint, names its token with ``SET LOCAL alprportal.access_log_purge``, then deletes exactly that range. Any
other DELETE — the ORM, the admin, a stray SQL statement, a setting without a matching checkpoint, or a checkpoint
from another transaction — is refused as before. Checkpoints themselves can be neither changed nor removed.
"""

from django.db import migrations

PURGE_AWARE = """
CREATE OR REPLACE FUNCTION audit_accesslog_refuse_change() RETURNS trigger AS $$
DECLARE
    v_token text;
BEGIN
    IF TG_OP = 'DELETE' THEN
        v_token := current_setting('alprportal.access_log_purge', true);
        IF v_token IS NOT NULL AND v_token <> '' AND EXISTS (
            SELECT 1 FROM audit_accesslogcheckpoint c
            WHERE c.purge_token::text = v_token
              AND c.txid = txid_current()
              AND OLD.seq BETWEEN c.seq_from AND c.seq_to
        ) THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit_accesslog is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION audit_checkpoint_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_accesslogcheckpoint is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_checkpoint_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_accesslogcheckpoint
    FOR EACH ROW EXECUTE FUNCTION audit_checkpoint_refuse_change();

CREATE TRIGGER audit_checkpoint_no_truncate
    BEFORE TRUNCATE ON audit_accesslogcheckpoint
    FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoint_refuse_change();
"""

STRICT = """
DROP TRIGGER IF EXISTS audit_checkpoint_no_truncate ON audit_accesslogcheckpoint;
DROP TRIGGER IF EXISTS audit_checkpoint_no_update_delete ON audit_accesslogcheckpoint;
DROP FUNCTION IF EXISTS audit_checkpoint_refuse_change();

CREATE OR REPLACE FUNCTION audit_accesslog_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_accesslog is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:  # no parameters: the % in RAISE is literal
            cursor.execute(PURGE_AWARE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(STRICT)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_accesslogcheckpoint")]

    operations = [migrations.RunPython(forwards, backwards)]
