"""Shared plumbing of the benchmarks: a throw-away PostgreSQL database, and CPU seconds of this process and of the
PostgreSQL backend serving it (``CpuMeter``), so a cost ratio can be judged on a busy machine where wall time cannot.

A benchmark never touches the configured database's data: it creates ``alprportal_bench`` (or ``--database``) on the
same server, points the connection at it the way Django's test runner does, migrates it, and drops it at the end
(unless ``--keep``).
"""

from __future__ import annotations

import http.client
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection


@contextmanager
def bench_database(name: str, *, keep: bool = False, stderr=None, reuse: bool = False):
    """The benchmark's own database, made afresh (dropped afterwards unless ``keep``) — or, with ``reuse``, one an
    earlier run kept, migrated to this tree and kept again (a measurement on the same data, without hours of load)."""
    if connection.vendor != "postgresql":
        raise CommandError("The benchmarks need PostgreSQL: set DATABASE_URL=postgres://…")
    if not name.replace("_", "").isalnum():
        raise CommandError("The benchmark database name may contain only letters, digits and underscores.")
    original = connection.settings_dict["NAME"]
    if name == original:
        raise CommandError("The benchmark database must not be the configured database.")
    if reuse:
        keep = True
        with connection._nodb_cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                raise CommandError(f"No database {name} to reuse: run the benchmark with --keep first.")
    else:
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


# --- The portal on loopback, the production way (gunicorn), for the load test and the concurrent ingest benchmark ---

PROBE_PATH = "/api/v1/reads/search/"  # answers 401 to the anonymous once the portal is up


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class KeepAliveClient:
    """One HTTP/1.1 connection to the portal on loopback (reopened after a failure, or when the server closed it)."""

    def __init__(self, port: int, headers: dict[str, str]):
        self.port, self.headers = port, headers
        self.connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {**self.headers, "Host": "127.0.0.1"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            return response.status, response.read()
        except Exception:
            self.connection.close()
            self.connection = None
            raise

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def portal_environment(*, database: str, media: str, broker: str) -> dict[str, str]:
    """The environment of a portal serving the benchmark database: DEBUG off, loopback only, persistent database
    connections (DATABASE_CONN_MAX_AGE=60), Celery on a Redis database of its own."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "postgres", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    env = {**os.environ}
    env.update({
        "DJANGO_SETTINGS_MODULE": "alprportal.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "DATABASE_URL": f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{database}",
        "DATABASE_CONN_MAX_AGE": "60",
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "MEDIA_ROOT": media,
        "LOG_LEVEL": "WARNING",
    })
    return env


def portal_start(*, workers: int, env: dict[str, str], log_path: Path) -> tuple[subprocess.Popen, int]:
    """gunicorn with ``workers`` sync workers on a free port of 127.0.0.1; returns once the API answers."""
    port = free_port()
    argv = [str(Path(sys.executable).parent / "gunicorn"), "alprportal.wsgi:application",
            "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--timeout", "120",
            "--keep-alive", "30", "--log-level", "warning", "--error-logfile", str(log_path)]
    process = subprocess.Popen(argv, env=env, cwd=settings.BASE_DIR,  # noqa: S603 - fixed argv
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline, last = time.monotonic() + 60, "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise CommandError(f"gunicorn exited with {process.returncode}: {log_path.read_text()[-2000:]}")
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            probe.request("GET", PROBE_PATH, headers={"Host": "127.0.0.1"})
            status = probe.getresponse().status
            probe.close()
            if status == 401:  # the API answers, and refuses the anonymous
                return process, port
            last = f"HTTP {status}"
        except OSError as exc:
            last = repr(exc)
        time.sleep(0.2)
    process.terminate()
    raise CommandError(f"the portal did not answer on 127.0.0.1:{port} within 60 s ({last}): "
                       f"{log_path.read_text()[-2000:] if log_path.exists() else ''}")


def portal_stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:  # field 4: ppid
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return found


class ServerCpuMeter:
    """CPU seconds of a server on this machine while it works: a process and its children (gunicorn's master and
    workers) and the PostgreSQL backends connected to ``database`` (not this process's own). Snapshots of
    /proc/<pid>/stat before and after a span; a process that appeared during the span counts from zero. A process that
    ended during the span would be missed: the portal runs with persistent connections (DATABASE_CONN_MAX_AGE=60) and
    gunicorn's workers live on, so none does."""

    def __init__(self, *, server_pid: int, database: str):
        self.server_pid, self.database = server_pid, database

    def _backends(self) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() "
                           "AND backend_type = 'client backend'",
                           [self.database])
            return [row[0] for row in cursor.fetchall()]

    def snapshot(self) -> dict[str, dict[int, float]]:
        server = {pid: _backend_cpu_seconds(pid) for pid in [self.server_pid, *_children(self.server_pid)]}
        backends = {pid: _backend_cpu_seconds(pid) for pid in self._backends()}
        return {"server": {k: v for k, v in server.items() if v is not None},
                "backends": {k: v for k, v in backends.items() if v is not None}}

    @staticmethod
    def spent(before: dict, after: dict) -> dict[str, float]:
        return {kind: sum(cpu - before[kind].get(pid, 0.0) for pid, cpu in after[kind].items()) for kind in after}
