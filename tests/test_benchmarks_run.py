"""Every benchmark the README cites still runs: each ``bench_*`` management command is discovered from the commands
folders, run at a tiny size in its own process against this PostgreSQL server, and must exit 0 and print its
one-JSON-line summary last. Two benchmarks had stopped working without anyone noticing (the search benchmark's
searcher lacked the R-ACC-6 background check waiver the search reads; the hot-list benchmark patched a name that the
hooks refactor moved), so a figure in the README could no longer be reproduced. A new ``bench_*`` command fails
``test_every_benchmark_has_a_smoke_size`` until it is given a size here.

Nothing here times anything (timed assertions do not belong in tests): sizes are the smallest that exercise every
phase of each benchmark.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from apps.ocr.synthetic import plate_photo_jpeg

REPO_ROOT = Path(__file__).resolve().parents[1]

# Benchmark databases are created and dropped by the commands themselves; the names start with alpr_bench (the
# commands that drop their database insist on it) and end in _smoke so a real run's database is never touched.
SMOKE_ARGS: dict[str, list[str]] = {
    "bench_search": ["--reads", "3000", "--checkpoint", "1500", "--queries", "12",
                     "--database", "alpr_bench_search_smoke"],
    # with two months of history (issue #19: ingest's key lookups against past month partitions)
    "bench_ingest": ["--batches", "2", "--batch-size", "20", "--image-batches", "2", "--webhook-passes", "4",
                     "--history-months", "2", "--history-reads", "200", "--database", "alpr_bench_ingest_smoke"],
    "bench_hotlist": ["--entries", "200", "--partial", "10", "--batches", "2", "--batch-size", "20", "--trials", "1",
                      "--database", "alpr_bench_hotlist_smoke"],
    "bench_retention": ["--reads", "2000", "--old", "500", "--held", "50", "--batch-size", "100",
                        "--database", "alpr_bench_retention_smoke"],
    "bench_misuse": ["--rows", "3000", "--bench-db", "alpr_bench_misuse_smoke"],
    "bench_report": ["--reads", "2000", "--log-rows", "500"],
    "bench_ocr": ["--dataset", "{dataset}"],
}


def discovered_benchmarks() -> set[str]:
    names = set()
    for app in (REPO_ROOT / "apps").iterdir():
        commands = app / "management" / "commands"
        if commands.is_dir():
            names |= {path.stem for path in commands.glob("bench_*.py")}
    return names


def test_every_benchmark_has_a_smoke_size():
    found = discovered_benchmarks()
    assert found, "no bench_* command found: the discovery is broken"
    assert found == set(SMOKE_ARGS), (
        f"benchmarks without a smoke size: {sorted(found - set(SMOKE_ARGS))}; "
        f"sizes for benchmarks that no longer exist: {sorted(set(SMOKE_ARGS) - found)}")


def small_plates_dataset(folder: Path) -> Path:
    """Two generated plate photos in the layout bench_ocr reads (images/ + gt.csv)."""
    images = folder / "images"
    images.mkdir(parents=True)
    rows = ["filename,plate,x,y,w,h"]
    for number, plate in enumerate(["7ABC123", "4XYZ789"]):
        name = f"plate-{number}.jpg"
        (images / name).write_bytes(plate_photo_jpeg(plate, angle=2.0, seed=number))
        rows.append(f"{name},{plate},0,0,0,0")
    (folder / "gt.csv").write_text("\n".join(rows) + "\n")
    return folder


def run_benchmark(name: str, args: list[str]) -> tuple[str, subprocess.CompletedProcess]:
    database = settings.DATABASES["default"]
    url = (f"postgres://{database['USER'] or 'postgres'}@{database['HOST'] or '127.0.0.1'}:"
           f"{database['PORT'] or 5432}/{database['NAME']}")
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "false",
           "DJANGO_SECRET_KEY": "benchmark-smoke-test-key-" + "x" * 40}
    process = subprocess.run(  # noqa: S603
        [sys.executable, str(REPO_ROOT / "manage.py"), name, *args],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=900, check=False)
    return name, process


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(SMOKE_ARGS))  # one test a benchmark: the suite's workers share them out
def test_every_benchmark_runs_and_prints_its_summary_last(tmp_path, name):
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the benchmarks need PostgreSQL")
    dataset = str(small_plates_dataset(tmp_path / "plates"))
    _name, process = run_benchmark(name, [arg.format(dataset=dataset) for arg in SMOKE_ARGS[name]])
    lines = [line for line in process.stdout.splitlines() if line.strip()]
    try:
        summary = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        summary = None
    assert process.returncode == 0 and isinstance(summary, dict), (
        f"exit {process.returncode}; last output: {(process.stderr or process.stdout)[-1500:]}")
    assert summary.get("benchmark", name) == name, f"summary names another benchmark: {summary['benchmark']}"
    if name == "bench_ingest":
        assert (summary["history"]["reads"] == 200 and summary["history"]["partitions"]
                and summary["history"]["duplicate_check"]["new_keys"]["keys"] == 20), (
            f"history missing from the summary: {summary['history']}")


@pytest.mark.django_db
def test_the_retention_benchmark_measures_a_steady_state_night():
    """``--purge-days``: the night archived P days ago is purged past the reads archived since, which stay, as do the
    held reads of both nights (its figures in docs/scaling.md, *The purge in steady state*)."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the benchmarks need PostgreSQL")
    _name, process = run_benchmark("bench_retention", [
        "--reads", "3000", "--old", "500", "--held", "50", "--batch-size", "100", "--purge-days", "30",
        "--not-due", "1000", "--database", "alpr_bench_retention_steady_smoke"])
    assert process.returncode == 0, (process.stderr or process.stdout)[-1500:]
    summary = json.loads(process.stdout.strip().splitlines()[-1])
    assert summary["archived"] == 450 and summary["purged"] == 450 and summary["held_untouched"] is True
    assert summary["remaining_reads"] == 3000 - 450


@pytest.mark.django_db
def test_the_retention_benchmark_measures_in_a_database_it_set_up_before():
    """``--setup-only`` then ``--reuse``: a 100M database measured where it was loaded (a copy does not fit beside
    it), the same figures as in one go; it is refused when there is nothing to reuse, and the database is used up."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the benchmarks need PostgreSQL")
    name = "alpr_bench_retention_reuse_smoke"
    shape = ["--reads", "2000", "--old", "500", "--held", "50", "--batch-size", "100", "--database", name]
    _name, setup = run_benchmark("bench_retention", [*shape, "--setup-only"])
    assert setup.returncode == 0, (setup.stderr or setup.stdout)[-1500:]
    assert "kept as a template" in setup.stdout
    _name, process = run_benchmark("bench_retention", [*shape, "--reuse"])
    assert process.returncode == 0, (process.stderr or process.stdout)[-1500:]
    summary = json.loads(process.stdout.strip().splitlines()[-1])
    assert summary["archived"] == 450 and summary["purged"] == 450 and summary["held_untouched"] is True
    _name, again = run_benchmark("bench_retention", [*shape, "--reuse"])  # dropped after its measurement
    assert again.returncode != 0 and f"there is no database {name}" in (again.stderr + again.stdout)
