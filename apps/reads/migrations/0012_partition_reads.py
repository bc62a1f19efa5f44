"""PostgreSQL: ``reads_read`` becomes a table partitioned by capture month (issue #19; ``apps.reads.partitions``).

The existing table is converted in one transaction without losing a row: renamed aside, its indexes and constraints
dropped (their names are reused), the partitioned table created with the same columns, one partition per month that
has reads plus the current and coming months and a DEFAULT partition, every row copied (the counts are compared and
the migration fails rather than lose one), the primary key ``(id, captured_at)``, ``read_unique_per_camera``
``(camera_id, source_read_id, captured_at)``, the foreign keys to cameras and image packs, every index (0002's
covering and trigram ones, 0008's) and the R-READ-2 originals trigger recreated, ids continuing from the old
sequence, and the old table dropped.

The tables that refer to a read lost their FOREIGN KEY in the migrations before this one (a FOREIGN KEY cannot point
at a partitioned table without the partition key): deferred constraint triggers keep the same guarantee, a row may
only refer to an existing read, and a read cannot be deleted while a row still refers to it.

SQLite: nothing (the model state does not change; there reads stay one plain table).
"""

import re
from datetime import UTC, datetime

from django.conf import settings
from django.db import migrations

REFERENCING = [  # (table, column): everything that referred to reads_read through a FOREIGN KEY
    ("reads_readcorrection", "read_id"),
    ("reads_readagentalert", "read_id"),
    ("hotlists_hit", "read_id"),
    ("ocr_readalternate", "read_id"),
    ("ocr_ocritem", "read_id"),
]

OLD_INDEXES = ["read_camera_time", "read_color_time", "read_image_pack", "read_make_model_time", "read_plate_time",
               "read_plate_trgm", "read_time"]

INDEXES = [
    "CREATE INDEX read_camera_time ON reads_read (camera_id, captured_at)",
    "CREATE INDEX read_color_time ON reads_read (vehicle_color, captured_at) WHERE NOT vehicle_color = ''",
    "CREATE INDEX read_image_pack ON reads_read (image_pack_id) WHERE image_pack_id IS NOT NULL",
    "CREATE INDEX read_make_model_time ON reads_read (vehicle_make, vehicle_model, captured_at) "
    "WHERE NOT vehicle_make = ''",
    "CREATE INDEX read_plate_time ON reads_read (plate_current, captured_at) INCLUDE (id, archived_at)",
    "CREATE INDEX read_plate_trgm ON reads_read USING gin (plate_current gin_trgm_ops)",
    "CREATE INDEX read_time ON reads_read (captured_at)",
]

REFERENCE_CHECK = """
CREATE OR REPLACE FUNCTION reads_read_reference_check() RETURNS trigger AS $$
DECLARE
    still_there boolean;
BEGIN
    IF NEW.read_id IS NULL THEN
        RETURN NULL;
    END IF;
    -- Deferred to the commit, like the foreign key was: a row deleted (or pointed elsewhere) since is not checked.
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.%I WHERE id = $1 AND read_id = $2)', TG_TABLE_SCHEMA,
                   TG_TABLE_NAME) INTO still_there USING NEW.id, NEW.read_id;
    IF still_there AND NOT EXISTS (SELECT 1 FROM reads_read WHERE id = NEW.read_id) THEN
        RAISE EXCEPTION '%.read_id = % refers to no read', TG_TABLE_NAME, NEW.read_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

DELETE_CHECK = """
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


def _month(moment):
    moment = moment.astimezone(UTC)
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def _add(start, months):
    index = start.year * 12 + start.month - 1 + months
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


_INDEX_DEF = re.compile(r"^(CREATE (?:UNIQUE )?INDEX )(\S+) ON ONLY (\S+) ")


def _index_statements(cursor, partition):
    """The parent's indexes for ``partition``, named ``<index>_<suffix>`` (as apps.reads.partitions names them)."""
    suffix = partition.removeprefix("reads_read_")
    cursor.execute("SELECT pg_get_indexdef(i.indexrelid), c.conname, pg_get_constraintdef(c.oid) FROM pg_index i "
                   "LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid "
                   "WHERE i.indrelid = 'reads_read'::regclass ORDER BY i.indexrelid")
    # An index behind a constraint (primary key, read_unique_per_camera) is adopted only as that constraint.
    return [f"ALTER TABLE {partition} ADD CONSTRAINT {constraint}_{suffix} {constraint_definition}" if constraint
            else _INDEX_DEF.sub(lambda m: f"{m.group(1)}{m.group(2)}_{suffix} ON {partition} ", definition, count=1)
            for definition, constraint, constraint_definition in cursor.fetchall()]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = 'reads_read'::regclass)")
        if cursor.fetchone()[0]:
            return
        cursor.execute("LOCK TABLE reads_read IN ACCESS EXCLUSIVE MODE")
        cursor.execute("SELECT count(*), coalesce(max(id), 0) FROM reads_read")
        count, max_id = cursor.fetchone()
        cursor.execute("SELECT pg_get_serial_sequence('reads_read', 'id')")
        sequence = cursor.fetchone()[0]
        last = 0
        if sequence:
            cursor.execute(f"SELECT coalesce(last_value, 0) FROM {sequence}")  # noqa: S608 - catalog name
            last = cursor.fetchone()[0]
        cursor.execute("SELECT conrelid::regclass::text FROM pg_constraint WHERE confrelid = 'reads_read'::regclass")
        left = [row[0] for row in cursor.fetchall()]
        if left:
            raise RuntimeError(f"Foreign keys still point at reads_read from {left}: migrate those apps first.")
        cursor.execute("SELECT DISTINCT date_trunc('month', captured_at AT TIME ZONE 'UTC') FROM reads_read")
        months = {row[0].replace(tzinfo=UTC) for row in cursor.fetchall()}

        cursor.execute("ALTER TABLE reads_read RENAME TO reads_read_unpartitioned")
        cursor.execute("DROP TRIGGER IF EXISTS reads_read_originals_immutable ON reads_read_unpartitioned")
        for name in OLD_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
        cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = 'reads_read_unpartitioned'::regclass "
                       "AND contype IN ('p', 'u', 'f')")
        for (name,) in cursor.fetchall():
            cursor.execute(f'ALTER TABLE reads_read_unpartitioned DROP CONSTRAINT "{name}"')
        cursor.execute("ALTER TABLE reads_read_unpartitioned ALTER COLUMN id DROP IDENTITY IF EXISTS")

        cursor.execute("CREATE TABLE reads_read (LIKE reads_read_unpartitioned INCLUDING DEFAULTS "
                       "INCLUDING CONSTRAINTS INCLUDING STORAGE) PARTITION BY RANGE (captured_at)")
        cursor.execute("CREATE SEQUENCE reads_read_id_seq OWNED BY reads_read.id")
        cursor.execute("ALTER TABLE reads_read ALTER COLUMN id SET DEFAULT nextval('reads_read_id_seq')")
        cursor.execute("SELECT setval('reads_read_id_seq', %s)", [max(max_id, last, 1)])
        current = _month(datetime.now(UTC))
        ahead = settings.PORTAL["READS_PARTITION_MONTHS_AHEAD"]
        months |= {_add(current, offset) for offset in range(ahead + 1)}
        # Keys and indexes on the (still empty) parent first; then each partition is filled while it is a plain
        # table, gets the parent's indexes under names of its own (read_plate_trgm_p202612: built once, not row by
        # row), and is attached, which adopts them.
        cursor.execute("ALTER TABLE reads_read ADD CONSTRAINT reads_read_pkey PRIMARY KEY (id, captured_at)")
        cursor.execute("ALTER TABLE reads_read ADD CONSTRAINT read_unique_per_camera "
                       "UNIQUE (camera_id, source_read_id, captured_at)")
        for statement in INDEXES:
            cursor.execute(statement)
        partitions = [(f"reads_read_p{start.year:04d}{start.month:02d}", start, _add(start, 1))
                      for start in sorted(months)]
        for name, lower, upper in [*partitions, ("reads_read_default", None, None)]:
            cursor.execute(f"CREATE TABLE {name} (LIKE reads_read INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
                           "INCLUDING STORAGE)")
            if lower is not None:
                cursor.execute(f"INSERT INTO {name} SELECT * FROM reads_read_unpartitioned "  # noqa: S608
                               "WHERE captured_at >= %s AND captured_at < %s", [lower, upper])
                cursor.execute(f"ALTER TABLE {name} ADD CONSTRAINT {name}_bounds "
                               "CHECK (captured_at >= %s AND captured_at < %s)", [lower, upper])
            for statement in _index_statements(cursor, name):
                cursor.execute(statement)
            if lower is None:
                cursor.execute(f"ALTER TABLE reads_read ATTACH PARTITION {name} DEFAULT")
            else:
                cursor.execute(f"ALTER TABLE reads_read ATTACH PARTITION {name} FOR VALUES FROM (%s) TO (%s)",
                               [lower, upper])
                cursor.execute(f"ALTER TABLE {name} DROP CONSTRAINT {name}_bounds")
        cursor.execute("SELECT count(*) FROM reads_read")
        copied = cursor.fetchone()[0]
        if copied != count:
            raise RuntimeError(f"reads_read: {count} reads before, {copied} copied: nothing changed")
        cursor.execute("ALTER TABLE reads_read ADD CONSTRAINT reads_read_camera_id_4315792b_fk_reads_camera_id "
                       "FOREIGN KEY (camera_id) REFERENCES reads_camera(id) DEFERRABLE INITIALLY DEFERRED")
        cursor.execute("ALTER TABLE reads_read ADD CONSTRAINT reads_read_image_pack_id_851d3779_fk_reads_imagepack_id "
                       "FOREIGN KEY (image_pack_id) REFERENCES reads_imagepack(id) DEFERRABLE INITIALLY DEFERRED")
        cursor.execute("CREATE TRIGGER reads_read_originals_immutable BEFORE UPDATE ON reads_read "
                       "FOR EACH ROW EXECUTE FUNCTION reads_read_refuse_original_change()")
        cursor.execute("DROP TABLE reads_read_unpartitioned")

        cursor.execute(REFERENCE_CHECK)
        for table, column in REFERENCING:
            cursor.execute(f"CREATE CONSTRAINT TRIGGER {table}_read_exists AFTER INSERT OR UPDATE OF {column} "
                           f"ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                           "EXECUTE FUNCTION reads_read_reference_check()")
        referenced = " OR ".join(f"EXISTS (SELECT 1 FROM {table} WHERE {column} = OLD.id)"  # noqa: S608 - constants
                                 for table, column in REFERENCING)
        cursor.execute(DELETE_CHECK.format(referenced=referenced))
        cursor.execute("CREATE CONSTRAINT TRIGGER reads_read_unreferenced AFTER DELETE ON reads_read "
                       "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION reads_read_delete_check()")


class Migration(migrations.Migration):
    # A table swap: one transaction of its own. Irreversible on PostgreSQL (going back would need the data copied
    # back into a plain table; restore a backup instead).
    atomic = True

    dependencies = [
        ("reads", "0011_read_references_checked_by_triggers"),
        ("hotlists", "0005_read_references_checked_by_triggers"),
        ("ocr", "0006_read_references_checked_by_triggers"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)]
