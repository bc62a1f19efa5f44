"""``manage.py bench_ocr --dataset DIR [--split tune|check|all] [--degrade KINDS|all] [--concurrency N] [--limit N]``:
accuracy and speed of the configured OCR engine on a plates dataset (``DIR/images/`` + ``DIR/gt.csv``).

Progress (each photo not read right: WRONG or ABSTAIN) goes to stderr; the last stdout line is one JSON object with
photos, exact, exact_folded, top3, wrong, abstained, cer, median_s, p95_s, median_cpu_s, wall_s, cpu_s,
photos_per_s, peak_rss_mb (see ``apps.ocr.engine.bench.run_benchmark``). ``--split`` keeps the tune or the check half
of the folder (by a hash of each file name, issue #16): tune on one, report both. ``--degrade`` reads degraded
versions of the photos instead (screen, rotate, jpeg, small; ``all`` = each of them), with figures per kind."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.ocr.engine.bench import SPLITS, run_benchmark
from apps.ocr.engine.degrade import KINDS

SUMMARY_KEYS = ("photos", "exact", "exact_folded", "top3", "wrong", "abstained", "cer", "median_s", "p95_s",
                "median_cpu_s", "wall_s", "cpu_s", "photos_per_s", "peak_rss_mb")


class Command(BaseCommand):
    help = "Benchmark the OCR engine on a plates dataset; prints one JSON line last."

    def add_arguments(self, parser):
        parser.add_argument("--dataset", required=True, help="Folder with images/ and gt.csv.")
        parser.add_argument("--split", choices=SPLITS, default="all",
                            help="Half of the folder to read (by a hash of the file name): tune, check or all.")
        parser.add_argument("--degrade", default=None,
                            help=f"Read degraded photos: comma-separated kinds of {', '.join(KINDS)}, or all.")
        parser.add_argument("--concurrency", type=int, default=1, help="Photos read in parallel (threads).")
        parser.add_argument("--engine", default=None, help="Engine name (default: PORTAL['OCR_ENGINE']).")
        parser.add_argument("--limit", type=int, default=None, help="Only the first N photos.")

    def handle(self, *args, **options):
        dataset = Path(options["dataset"])
        if not (dataset / "gt.csv").is_file() or not (dataset / "images").is_dir():
            raise CommandError(f"{dataset} is not a plates dataset (it needs images/ and gt.csv).")
        if options["concurrency"] < 1:
            raise CommandError("--concurrency must be at least 1.")
        degrade = options["degrade"]
        if degrade and degrade != "all" and not {k.strip() for k in degrade.split(",")} <= set(KINDS):
            raise CommandError(f"--degrade takes {', '.join(KINDS)} (comma-separated) or all, not {degrade!r}.")
        engine = options["engine"] or settings.PORTAL["OCR_ENGINE"]

        result = run_benchmark(dataset, engine, options["concurrency"], limit=options["limit"],
                               split=options["split"], degrade=degrade,
                               progress=lambda message: self.stderr.write(str(message)))
        summary = {key: result.get(key) for key in SUMMARY_KEYS}
        summary.update((key, value) for key, value in result.items() if key not in summary and key != "items")
        summary.setdefault("engine", engine)
        summary.setdefault("concurrency", options["concurrency"])
        self.stdout.write(json.dumps(summary, default=str))
