"""Issued reports are final (R-REP-1): on PostgreSQL, triggers refuse any change to an issued report's figures,
status or period, and any update or deletion of a frozen rendition — also for code that bypasses the services."""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION reports_rendition_frozen() RETURNS trigger AS $$
BEGIN
    IF OLD.frozen_at IS NOT NULL THEN
        RAISE EXCEPTION 'reports_reportrendition %: an issued report''s PDF is final (% refused)', OLD.id, TG_OP
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER reports_rendition_frozen
    BEFORE UPDATE OR DELETE ON reports_reportrendition
    FOR EACH ROW EXECUTE FUNCTION reports_rendition_frozen();

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

CREATE TRIGGER reports_report_issued
    BEFORE UPDATE OR DELETE ON reports_oversightreport
    FOR EACH ROW EXECUTE FUNCTION reports_report_issued();
"""

REVERSE = r"""
DROP TRIGGER IF EXISTS reports_report_issued ON reports_oversightreport;
DROP FUNCTION IF EXISTS reports_report_issued();
DROP TRIGGER IF EXISTS reports_rendition_frozen ON reports_reportrendition;
DROP FUNCTION IF EXISTS reports_rendition_frozen();
"""


def _run(schema_editor, sql: str) -> None:
    if schema_editor.connection.vendor == "postgresql":
        # Without parameters, so the "%" of RAISE's format strings reaches PostgreSQL as written.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(sql)


def forward(apps, schema_editor):
    _run(schema_editor, FORWARD)


def reverse(apps, schema_editor):
    _run(schema_editor, REVERSE)


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunPython(forward, reverse)]
