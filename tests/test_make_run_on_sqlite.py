"""The README's first command, ``make run``, migrates and seeds the demo on the embedded SQLite database (the laptop
default), while the suite runs on PostgreSQL. A PostgreSQL-only query in a path the seed takes (the misuse review's
access-log reading did) stops ``make run`` on a newcomer's machine without any test noticing, so this runs the same
two steps in their own process on a fresh SQLite file, and checks that the seeded portal has what the printed
logins are told to try."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_make_runs_migrate_and_seed_work_on_a_fresh_sqlite_database(tmp_path):
    database = tmp_path / "alprportal.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "DJANGO_DEBUG": "true",
           "MEDIA_ROOT": str(tmp_path / "media")}
    for step in (["migrate", "--noinput", "-v0"], ["seed_demo"]):
        done = subprocess.run([sys.executable, str(REPO_ROOT / "manage.py"), *step], cwd=REPO_ROOT, env=env,  # noqa: S603
                              capture_output=True, text=True, timeout=900, check=False)
        assert done.returncode == 0, f"manage.py {step[0]} failed on SQLite:\n{done.stderr[-3000:]}"
    assert "demo_totp" in done.stdout, "seed_demo should print how to get the second factor's code"
    with sqlite3.connect(database) as db:
        logins = {row[0] for row in db.execute("SELECT username FROM accounts_user")}
        reads = db.execute("SELECT count(*) FROM reads_read").fetchone()[0]
        flags = db.execute("SELECT count(*) FROM misuse_misuseflag").fetchone()[0]
    assert {"sysadmin", "custodian", "supervisor", "operator", "investigator", "oversight", "partner"} <= logins
    assert reads > 0
    assert flags > 0, "the demo's misuse review should have flagged the planted patterns (R-AUD-3)"
