"""R-HOT-3 across processes: every gunicorn and Celery worker matches with its own compiled hot lists, and a change
made anywhere (a new version, a removed entry, a list switched off) holds in every process from its next batch on —
nothing has to be invalidated, since each batch asks the database which version each list is at and reads the exact
entries in force from it (issue #19)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from apps.hotlists.models import Hit, HotListEntry
from apps.hotlists.services.lists import hot_list_entry_add, hot_list_entry_remove, hot_list_update
from tests.faults.helpers import database_url, reads_batch
from tests.hotlists.conftest import csv_of, soon

pytestmark = pytest.mark.django_db(transaction=True)

REPO_ROOT = Path(__file__).resolve().parents[2]


class IngestProcess:
    """tests/hotlists/ingest_process.py: one process, one camera, batches sent one line at a time."""

    def __init__(self, camera_id: int, name: str, env: dict):
        self.name = name
        self.batches = 0
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "tests.hotlists.ingest_process", str(camera_id)], cwd=REPO_ROOT, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def ingest(self, plates: list[str]) -> list[tuple[str, str]]:
        """Store one batch in that process; (plate, entry pattern) of the hits it raised, sorted."""
        self.batches += 1
        self.process.stdin.write(json.dumps(reads_batch(f"{self.name}-{self.batches}", plates)) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, f"the {self.name} process ended"
        read_ids = json.loads(line)
        return sorted(Hit.objects.filter(read_id__in=read_ids).values_list("plate", "entry__plate_pattern"))

    def stop(self) -> None:
        self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)


@pytest.fixture
def processes(camera):
    import os

    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env.update({"DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "alprportal.settings_test",
                "LOG_LEVEL": "WARNING"})
    started = [IngestProcess(camera.pk, name, env) for name in ("web", "worker")]
    try:
        yield started
    finally:
        for process in started:
            process.stop()


def test_a_change_to_a_list_holds_in_every_process_from_its_next_batch(make_list, list_manager, processes):
    web, worker = processes
    hot_list = make_list(csv_of(f"7WNT555,CA,stolen vehicle,2,26-1,{soon()},x",
                                f"5KLM00?,,felony_vehicle,1,26-2,{soon()},x"))
    # Both processes compile the list's version and match it.
    for process in (web, worker):
        assert process.ingest(["7WNT555", "5KLM001", "6TRJ244", "8XYZ1"]) == [("5KLM001", "5KLM00?"),
                                                                             ("7WNT555", "7WNT555")]
    # Changed from a third process (this one): one entry off, an exact and a partial entry on, each a new version.
    hot_list_entry_remove(actor=list_manager, entry=HotListEntry.objects.get(plate_pattern="7WNT555"),
                          reason="Vehicle recovered.")
    hot_list_entry_add(actor=list_manager, hot_list=hot_list, plate="6TRJ244", reason="stolen_vehicle", state="CA",
                       expires=soon(), justification="Reported stolen.")
    hot_list_entry_add(actor=list_manager, hot_list=hot_list, plate="8XYZ*", reason="stolen_plate",
                       expires=soon(), justification="Plates stolen from a rental car.")
    for process in (web, worker):
        assert process.ingest(["7WNT555", "5KLM002", "6TRJ244", "8XYZ1"]) == [
            ("5KLM002", "5KLM00?"), ("6TRJ244", "6TRJ244"), ("8XYZ1", "8XYZ*")]
    hot_list_update(actor=list_manager, hot_list=hot_list, active=False)
    for process in (web, worker):
        assert process.ingest(["5KLM003", "6TRJ244", "8XYZ2"]) == []


def test_an_exact_entry_past_its_expiry_matches_in_no_process(make_list, processes):
    """Expiry needs no new version and no job. The exact entries in force are read per batch, so one that expires
    between two batches matches in no process after (its expiry is moved into the past in the database here, as the
    clock would; a partial entry's expiry is compiled with it and checked per match: test_expired_entries_never_match
    in test_matching.py)."""
    web, worker = processes
    make_list(csv_of(f"7WNT555,CA,stolen vehicle,2,26-1,{soon()},x", f"6TRJ244,CA,stolen vehicle,2,26-3,{soon()},x"))
    for process in (web, worker):
        assert process.ingest(["7WNT555", "6TRJ244"]) == [("6TRJ244", "6TRJ244"), ("7WNT555", "7WNT555")]
    HotListEntry.objects.filter(plate_pattern="7WNT555").update(expires_at=timezone.now() - timedelta(seconds=1))
    for process in (web, worker):
        assert process.ingest(["7WNT555", "6TRJ244"]) == [("6TRJ244", "6TRJ244")]
