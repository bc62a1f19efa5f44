"""Shared plumbing of the benchmarks: a throw-away PostgreSQL database, and CPU seconds of this process and of the
PostgreSQL backend serving it (``CpuMeter``), so a cost ratio can be judged on a busy machine where wall time cannot.

A benchmark never touches the configured database's data: it creates ``alprportal_bench`` (or ``--database``) on the
same server, points the connection at it the way Django's test runner does, migrates it, and drops it at the end
(unless ``--keep``).
"""

from __future__ import annotations

import os
import statistics
import time
from contextlib import contextmanager

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection


@contextmanager
def bench_database(name: str, *, keep: bool = False, stderr=None):
    if connection.vendor != "postgresql":
        raise CommandError("The benchmarks need PostgreSQL: set DATABASE_URL=postgres://…")
    if not name.replace("_", "").isalnum():
        raise CommandError("The benchmark database name may contain only letters, digits and underscores.")
    original = connection.settings_dict["NAME"]
    if name == original:
        raise CommandError("The benchmark database must not be the configured database.")
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    connection.settings_dict["NAME"] = name
    settings.DATABASES["default"]["NAME"] = name
    try:
        if stderr is not None:
            stderr.write(f"Migrating benchmark database {name}…")
        call_command("migrate", verbosity=0, interactive=False)
        yield name
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original
        settings.DATABASES["default"]["NAME"] = original
        if not keep:
            with connection._nodb_cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.close()


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(values: list[float]) -> dict[str, float]:
    """p50 / p95 / max of durations given in seconds, in milliseconds."""
    return {
        "p50": round(percentile(values, 0.50) * 1000, 2),
        "p95": round(percentile(values, 0.95) * 1000, 2),
        "max": round(max(values) * 1000, 2) if values else 0.0,
        "mean": round(statistics.fmean(values) * 1000, 2) if values else 0.0,
    }


def _backend_cpu_seconds(pid: int) -> float | None:
    """utime + stime of a local process from /proc/<pid>/stat (clock ticks), or None when it cannot be read (the
    database on another host, or not Linux)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # fields 14 and 15 of proc(5)


class CpuMeter:
    """CPU seconds spent inside ``measure()`` spans: by this process (``time.process_time``) and by the PostgreSQL
    backend serving Django's connection (its /proc/<pg_backend_pid()>/stat; the database runs on this machine).

    Honest about its limits: the backend's CPU is read with the kernel's tick resolution (10 ms), so it is summed
    over many spans; PostgreSQL's shared background processes (WAL writer, checkpointer, autovacuum) are not in it;
    and when the backend cannot be read or its connection was replaced during a span, ``backend`` is None.
    """

    def __init__(self):
        self.process = 0.0
        self.backend: float | None = 0.0
        self.spans = 0

    def _backend_pid(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]

    @contextmanager
    def measure(self):
        pid = self._backend_pid()  # outside the span: this query is the meter's, not the work's
        backend_before, process_before = _backend_cpu_seconds(pid), time.process_time()
        yield
        process_after, backend_after = time.process_time(), _backend_cpu_seconds(pid)
        self.process += process_after - process_before
        self.spans += 1
        if self.backend is None or backend_before is None or backend_after is None or self._backend_pid() != pid:
            self.backend = None
        else:
            self.backend += backend_after - backend_before

    def per_1000(self, reads: int) -> dict:
        """{process_s, backend_s, total_s} per 1,000 reads (backend/total None when the backend was not read)."""
        scale = 1000 / reads if reads else 0.0
        backend = None if self.backend is None else round(self.backend * scale, 4)
        return {"process_s": round(self.process * scale, 4), "backend_s": backend,
                "total_s": None if backend is None else round((self.process + self.backend) * scale, 4)}
