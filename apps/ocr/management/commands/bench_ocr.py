"""``manage.py bench_ocr --dataset DIR [--concurrency N] [--limit N]``: accuracy and speed of the configured OCR engine
on a plates dataset (``DIR/images/`` + ``DIR/gt.csv``). Progress goes to stderr; the last stdout line is one JSON
object with photos, exact, exact_folded, top3, cer, median_s, p95_s, photos_per_s, peak_rss_mb."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.ocr.engine.bench import run_benchmark

SUMMARY_KEYS = ("photos", "exact", "exact_folded", "top3", "cer", "median_s", "p95_s", "photos_per_s", "peak_rss_mb")


class Command(BaseCommand):
    help = "Benchmark the OCR engine on a plates dataset; prints one JSON line last."

    def add_arguments(self, parser):
        parser.add_argument("--dataset", required=True, help="Folder with images/ and gt.csv.")
        parser.add_argument("--concurrency", type=int, default=1, help="Photos read in parallel (threads).")
        parser.add_argument("--engine", default=None, help="Engine name (default: PORTAL['OCR_ENGINE']).")
        parser.add_argument("--limit", type=int, default=None, help="Only the first N photos.")

    def handle(self, *args, **options):
        dataset = Path(options["dataset"])
        if not (dataset / "gt.csv").is_file() or not (dataset / "images").is_dir():
            raise CommandError(f"{dataset} is not a plates dataset (it needs images/ and gt.csv).")
        if options["concurrency"] < 1:
            raise CommandError("--concurrency must be at least 1.")
        engine = options["engine"] or settings.PORTAL["OCR_ENGINE"]

        result = run_benchmark(dataset, engine, options["concurrency"], limit=options["limit"],
                               progress=lambda message: self.stderr.write(str(message)))
        summary = {key: result.get(key) for key in SUMMARY_KEYS}
        summary.update((key, value) for key, value in result.items() if key not in summary and key != "items")
        summary.setdefault("engine", engine)
        summary.setdefault("concurrency", options["concurrency"])
        self.stdout.write(json.dumps(summary, default=str))
