"""``manage.py loadtest`` works end to end (issue #9, item 7): a few seconds of concurrent camera ingest and
investigator searches against gunicorn on loopback, zero errors, every acknowledged read stored and one access-log row
per search (R-READ-3, R-AUD-1). The real 60-second run and its figures: docs/reliability-load.md."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(not (Path(sys.executable).parent / "gunicorn").exists(), reason="gunicorn is not installed")
def test_a_short_load_test_runs_without_errors():
    db = settings.DATABASES["default"]
    credentials = quote(db["USER"] or "postgres", safe="") + (":" + quote(db["PASSWORD"], safe="")
                                                               if db.get("PASSWORD") else "")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "alprportal.settings", "DJANGO_DEBUG": "false",
           "DJANGO_SECRET_KEY": "loadtest-test-only-secret-key-0123456789abcdefghijklmnop",
           "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "DJANGO_SECURE_SSL_REDIRECT": "false",
           "DATABASE_URL": f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/postgres"}
    completed = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "manage.py", "loadtest", "--duration", "3", "--cameras", "2", "--searchers", "1",
         "--batch-size", "50", "--seed-reads", "500", "--web-workers", "2", "--database", "alprportal_loadtest_ci",
         "--broker-url", "redis://127.0.0.1:6379/13"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["errors"] == 0 and result["error_rate"] == 0.0, completed.stderr[-3000:]
    assert result["ingest_requests"] > 0 and result["search_requests"] > 0
    assert result["ingest_reads_per_s"] > 0 and result["search_p95_ms"] > 0 and result["ingest_p95_ms"] > 0
    assert result["consistent"] and result["reads_stored"] == result["reads_acknowledged"]
    assert result["access_log_rows"] == result["searches_answered"]
    assert set(result) >= {"duration_s", "requests", "errors", "error_rate", "ingest_reads_per_s", "ingest_p95_ms",
                           "search_per_s", "search_p95_ms", "load_average"}
