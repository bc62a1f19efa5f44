"""Signed anchors of the access log's chain head (R-AUD-1b), append-only like the log (PostgreSQL triggers)."""

from django.db import migrations, models

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION audit_anchor_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_accessloganchor is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_anchor_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_accessloganchor
    FOR EACH ROW EXECUTE FUNCTION audit_anchor_refuse_change();

CREATE TRIGGER audit_anchor_no_truncate
    BEFORE TRUNCATE ON audit_accessloganchor
    FOR EACH STATEMENT EXECUTE FUNCTION audit_anchor_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_anchor_no_truncate ON audit_accessloganchor;
DROP TRIGGER IF EXISTS audit_anchor_no_update_delete ON audit_accessloganchor;
DROP FUNCTION IF EXISTS audit_anchor_refuse_change();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:  # no parameters: the % in RAISE is literal
            cursor.execute(APPEND_ONLY)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_access_log_controlled_purge")]

    operations = [
        migrations.CreateModel(
            name="AccessLogAnchor",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.BigIntegerField(db_index=True, help_text="The chain head's position when anchored.")),
                ("row_hash", models.CharField(help_text="row_hash of that row.", max_length=64)),
                ("head_occurred_at", models.DateTimeField(help_text="When the anchored row's access happened.")),
                ("anchored_at", models.DateTimeField()),
                ("reason", models.CharField(choices=[("scheduled", "Scheduled (celery beat)"),
                                                     ("purge", "Access-log purge"),
                                                     ("report", "Oversight report issued"),
                                                     ("manual", "Written on request")], max_length=20)),
                ("key_id", models.CharField(help_text="Fingerprint of the signing key (not the key).",
                                            max_length=16)),
                ("previous_signature", models.CharField(blank=True, max_length=64)),
                ("signature", models.CharField(max_length=64)),
            ],
            options={"ordering": ["-id"], "get_latest_by": "id", "abstract": False},
        ),
        migrations.RunPython(forwards, backwards),
    ]
