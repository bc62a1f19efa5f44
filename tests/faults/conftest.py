"""Fixtures of the fault tests (issue #9, "Prove it holds", item 4): a private redis-server this test may stop and
start, the in-process Celery app pointed at it, and real worker / command processes that a test may SIGKILL.

Nothing here touches the shared PostgreSQL or Redis servers: the database is the test database (pytest-django), the
broker a redis-server on a free port started for one test. Every process started here is killed at teardown, even
when the test fails, before pytest-django flushes the database.

Select these tests with ``-m faults`` or by path (``tests/faults``).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import uuid
from contextlib import contextmanager, suppress
from datetime import timedelta
from pathlib import Path

import pytest

from tests.faults.helpers import database_url, wait_for

REPO_ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = "redis-server"
INGEST = "/api/v1/ingest/reads/"
HOT_CSV = "plate,state,reason,priority,case_number,expires,why\n{plate},CA,stolen vehicle,2,26-004411,{expires},x\n"


def pytest_configure(config):
    config.addinivalue_line("markers", "faults: fault injection (issue #9): broker, worker and database outages")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A redis-server of this test only (no persistence), which the test can stop and start again on one port."""

    def __init__(self, tmp_path: Path):
        self.port = _free_port()
        self.dir = tmp_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def ping(self) -> bool:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        # No retries: redis-py's default retries a refused connection with a backoff (seconds per ping); the callers
        # poll anyway.
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0))
        try:
            return bool(client.ping())
        except redis.exceptions.ConnectionError:
            return False
        finally:
            client.close()

    def start(self) -> None:
        assert self.process is None, "already running"
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--dir", str(self.dir), "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self.ping, seconds=20, what=f"redis-server on port {self.port}")

    def stop(self) -> None:
        """Stop the server (SIGKILL: an outage, not a clean shutdown) and wait until the port refuses."""
        if self.process is None:
            return
        self.process.kill()
        self.process.wait(timeout=20)
        self.process = None
        wait_for(lambda: not self.ping(), seconds=10, what="redis-server to be gone")

    def list_length(self, key: str) -> int:
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port).llen(key)


@pytest.fixture
def private_redis(tmp_path):
    if shutil.which(REDIS_SERVER) is None:
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _celery_reset(app) -> None:
    """Forget the app's broker pool, producers and result backend, so the next use reads the new URLs. (Pools are
    not closed: kombu keeps them in a registry by URL, and the suite's own broker URL must find its pool usable.)"""
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None
    app._backend_cache = None
    app._local = threading.local()


@pytest.fixture
def broker(private_redis, settings):
    """The in-process Celery app (the web side: what a request enqueues) sends to the private redis-server; its
    thresholds are the production ones unless a test changes them. Celery reads CELERY_BROKER_URL and
    CELERY_RESULT_BACKEND from the environment before its configuration, so both places are pointed at it."""
    from alprportal.celery import app

    previous = (app.conf.broker_url, app.conf.result_backend, app.conf.task_always_eager)
    # Not through the monkeypatch fixture: a test's monkeypatch.undo() must not send its tasks to the shared Redis.
    names = ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")
    previous_env = {name: os.environ.get(name) for name in names}
    os.environ.update(dict.fromkeys(names, private_redis.url))
    app.conf.broker_url = app.conf.result_backend = private_redis.url
    app.conf.task_always_eager = False
    _celery_reset(app)
    assert app.conf.broker_url == private_redis.url and app.conf.result_backend == private_redis.url
    try:
        yield private_redis
    finally:
        for name, value in previous_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        app.conf.broker_url, app.conf.result_backend, app.conf.task_always_eager = previous
        _celery_reset(app)


@contextmanager
def thread_worker(queues=("celery", "ocr")):
    """A real Celery worker in a thread of this process (it sees this process's settings), consuming the
    production queue names from the private broker; it fires ``worker_ready`` like any worker."""
    from celery.contrib.testing.worker import start_worker

    from alprportal.celery import app

    with start_worker(app, pool="solo", concurrency=1, queues=list(queues), perform_ping_check=False,
                      loglevel="WARNING", shutdown_timeout=30):
        yield


class Processes:
    """Start worker / command processes (tests/faults/worker.py) and kill them: SIGKILL of the whole process group,
    like the OOM killer or a pulled plug. Teardown kills whatever is still running."""

    def __init__(self, broker_url: str, media_root: str, log_dir: Path):
        self.broker_url = broker_url
        self.media_root = media_root
        self.log_dir = log_dir
        self.running: list[subprocess.Popen] = []

    def env(self, **extra) -> dict:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "CELERY_"))}
        env.update({
            "DJANGO_SETTINGS_MODULE": "alprportal.settings_test",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": self.broker_url,
            "CELERY_RESULT_BACKEND": self.broker_url,
            "MEDIA_ROOT": self.media_root,
            "OCR_THREADS": "1",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        })
        env.update({key: str(value) for key, value in extra.items()})
        return env

    def start(self, argv: list[str], **env) -> subprocess.Popen:
        name = f"{argv[0]}-{uuid.uuid4().hex[:6]}"
        log = open(self.log_dir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen([sys.executable, "-m", "tests.faults.worker", *argv], cwd=REPO_ROOT,  # noqa: S603
                                   env=self.env(**env), stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        process.log_path = self.log_dir / f"{name}.log"
        process.log_file = log
        self.running.append(process)
        return process

    def worker(self, *, queues: str = "celery,ocr", **env) -> subprocess.Popen:
        return self.start(["-A", "alprportal", "worker", "-Q", queues, "--pool=solo", "--loglevel=WARNING",
                           "-n", f"faults-{uuid.uuid4().hex[:8]}@%h", "--without-gossip", "--without-mingle",
                           "--without-heartbeat"], **env)

    def kill(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        process.log_file.close()

    def log(self, process) -> str:
        return process.log_path.read_text(errors="replace")[-4000:]

    def kill_all(self) -> None:
        for process in self.running:
            self.kill(process)
        self.running.clear()


@pytest.fixture
def processes(broker, settings, tmp_path, transactional_db):
    """Worker and command processes against the test database, the private broker and this test's MEDIA_ROOT."""
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    started = Processes(broker.url, str(settings.MEDIA_ROOT), log_dir)
    try:
        yield started
    finally:
        started.kill_all()
        from django.db import connection

        # The killed processes' sessions end when PostgreSQL sees their sockets close; the flush after the test
        # must not wait behind one of them.
        with suppress(AssertionError):  # a lingering idle session holds no lock; the flush goes ahead
            wait_for(lambda: _other_sessions(connection) == 0, seconds=30, what="killed processes' sessions to end")


def _other_sessions(connection) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
        return cursor.fetchone()[0]


@pytest.fixture
def estate(transactional_db, make_user):
    """A deploying agency, a fixed camera with its ingest token, and an own hot list wanting 7WNT555."""
    from django.utils import timezone

    from apps.accounts.roles import Role
    from apps.hotlists.choices import HotListSource
    from apps.hotlists.matching import matcher_cache
    from apps.hotlists.services.list_imports import hot_list_import_apply, hot_list_import_preview
    from apps.hotlists.services.lists import hot_list_create
    from apps.reads.choices import CameraKind
    from apps.reads.services.cameras import camera_create
    from apps.reads.services.tokens import camera_token_issue
    from tests.factories import DeployingAgencyFactory

    matcher_cache.clear()  # compiled lists are cached by version id, which a fresh database reuses
    agency = DeployingAgencyFactory()
    camera = camera_create(actor=None, name="Harbor Blvd NB", kind=CameraKind.FIXED, agency=agency,
                           commissioned_at=timezone.now() - timedelta(days=365), latitude=33.77, longitude=-117.92)
    manager = make_user(Role.SUPERVISOR, agency=agency)
    hot_list = hot_list_create(actor=manager, name="Stolen vehicles", source=HotListSource.OWN, owner=manager)
    expires = (timezone.localdate() + timedelta(days=30)).isoformat()
    staged = hot_list_import_preview(actor=manager, hot_list=hot_list,
                                     content=HOT_CSV.format(plate="7WNT555", expires=expires).encode())
    hot_list_import_apply(actor=manager, hot_list_import=staged)
    _credential, token = camera_token_issue(actor=None, camera=camera)
    yield {"camera": camera, "token": token, "uploader": make_user(Role.INVESTIGATOR, agency=agency),
           "agency": agency, "hot_list": hot_list}
    matcher_cache.clear()
