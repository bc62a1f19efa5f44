"""Shared plumbing of the ``bench_ingest`` and ``bench_search`` commands: a throw-away PostgreSQL database.

A benchmark never touches the configured database's data: it creates ``alprportal_bench`` (or ``--database``) on the
same server, points the connection at it the way Django's test runner does, migrates it, and drops it at the end
(unless ``--keep``).
"""

from __future__ import annotations

import statistics
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
