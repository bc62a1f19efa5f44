"""Issued reports publish the access log's anchored head (R-AUD-1b); the issued-report trigger keeps it final too."""

from django.db import migrations, models

FORWARD = r"""
CREATE OR REPLACE FUNCTION reports_report_issued() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'issued' AND (
        TG_OP = 'DELETE'
        OR NEW.status IS DISTINCT FROM OLD.status
        OR NEW.figures IS DISTINCT FROM OLD.figures
        OR NEW.figures_sha256 IS DISTINCT FROM OLD.figures_sha256
        OR NEW.period_start IS DISTINCT FROM OLD.period_start
        OR NEW.period_end IS DISTINCT FROM OLD.period_end
        OR NEW.kind IS DISTINCT FROM OLD.kind
        OR NEW.issued_at IS DISTINCT FROM OLD.issued_at
        OR NEW.issued_by_id IS DISTINCT FROM OLD.issued_by_id
        OR NEW.published_head_seq IS DISTINCT FROM OLD.published_head_seq
        OR NEW.published_head_hash IS DISTINCT FROM OLD.published_head_hash
        OR NEW.published_head_at IS DISTINCT FROM OLD.published_head_at
    ) THEN
        RAISE EXCEPTION 'reports_oversightreport %: an issued report is final', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""

REVERSE = r"""
CREATE OR REPLACE FUNCTION reports_report_issued() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'issued' AND (
        TG_OP = 'DELETE'
        OR NEW.status IS DISTINCT FROM OLD.status
        OR NEW.figures IS DISTINCT FROM OLD.figures
        OR NEW.figures_sha256 IS DISTINCT FROM OLD.figures_sha256
        OR NEW.period_start IS DISTINCT FROM OLD.period_start
        OR NEW.period_end IS DISTINCT FROM OLD.period_end
        OR NEW.kind IS DISTINCT FROM OLD.kind
        OR NEW.issued_at IS DISTINCT FROM OLD.issued_at
        OR NEW.issued_by_id IS DISTINCT FROM OLD.issued_by_id
    ) THEN
        RAISE EXCEPTION 'reports_oversightreport %: an issued report is final', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""


def _run(schema_editor, sql: str) -> None:
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:  # no parameters: the % in RAISE is literal
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_issued_reports_immutable")]

    operations = [
        migrations.AddField("oversightreport", "published_head_seq", models.BigIntegerField(blank=True, null=True)),
        migrations.AddField("oversightreport", "published_head_hash", models.CharField(blank=True, max_length=64)),
        migrations.AddField("oversightreport", "published_head_at", models.DateTimeField(blank=True, null=True)),
        migrations.RunPython(lambda apps, editor: _run(editor, FORWARD), lambda apps, editor: _run(editor, REVERSE)),
    ]
