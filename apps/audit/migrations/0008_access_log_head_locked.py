"""One round trip for the access log's chain head (issue #19): ``audit_accesslog_head_locked(key)`` takes the chain
lock (the advisory lock every writer and the purge take, ``ACCESS_LOG_CHAIN_LOCK_KEY``) and then reads the head.

Two statements before (``SELECT pg_advisory_xact_lock``, then the head). They cannot simply be one query: a query's
snapshot is taken when it starts, before the lock is granted, so it could read a head another writer replaced while
this one waited. In a VOLATILE function each statement takes a fresh snapshot (READ COMMITTED), so the head is read
after the lock is held, exactly as the two statements did. PostgreSQL only; SQLite keeps the two steps."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_accesslog_head_locked(lock_key bigint)
RETURNS TABLE (head_seq bigint, head_hash varchar) AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    -- A new statement, so a new snapshot: the head as it is once the lock is held.
    RETURN QUERY SELECT a.seq, a.row_hash::varchar FROM audit_accesslog a ORDER BY a.seq DESC LIMIT 1;
END;
$$ LANGUAGE plpgsql VOLATILE;
"""

DROP = "DROP FUNCTION IF EXISTS audit_accesslog_head_locked(bigint);"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("audit", "0007_status_events_old_status_new_status")]

    operations = [migrations.RunPython(forwards, backwards)]
