"""Benchmark an OCR engine on a plates dataset folder (``images/`` + ``gt.csv``).

    python -m apps.ocr.engine.bench /work/shared/datasets/plates/us-dev [--engine onnx] [--concurrency 1]

prints progress/failures to stderr and one JSON line (the summary) last on stdout.
Timing covers decoding the file bytes plus reading plates, per photo.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .decode import decode_image
from .plates import fold_confusable, levenshtein, normalize


def load_ground_truth(dataset_dir) -> list[dict]:
    d = Path(dataset_dir)
    with open(d / "gt.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return [
        {"file": str(d / "images" / r["filename"]), "name": r["filename"], "plate": normalize(r["plate"])}
        for r in rows
    ]


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    v = sorted(values)
    k = (len(v) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def run_benchmark(
    dataset_dir, engine="onnx", concurrency: int = 1, *, limit: int | None = None, return_items: bool = False,
    progress=None,
) -> dict:
    """Run ``engine`` (an OcrEngine or an engine name) over a dataset folder; return figures.

    Keys: photos, exact, exact_folded, top3 (fractions 0..1), cer (mean character error rate of
    the top candidate), median_s, p95_s (per photo, decode + OCR), photos_per_s (wall clock with
    ``concurrency`` threads), peak_rss_mb (this process); also median_cpu_s (process CPU seconds
    per photo, concurrency 1 only) and load_avg_1m at the end, since wall-clock figures on a
    shared 2-core machine depend on what else runs.
    """
    if isinstance(engine, str):
        from . import get_engine

        engine = get_engine(engine)
    items = load_ground_truth(dataset_dir)
    if limit:
        items = items[:limit]

    # warm-up (first inference initializes kernels) on one photo, not timed
    if items:
        with open(items[0]["file"], "rb") as f:
            engine.read_plates(decode_image(f.read()))

    def one(item):
        with open(item["file"], "rb") as f:
            data = f.read()
        t0 = time.perf_counter()
        c0 = time.process_time()
        try:
            img = decode_image(data)
            cands = engine.read_plates(img)
            err = None
        except Exception as exc:  # a failure counts as a wrong answer, it does not stop the run
            cands, err = [], f"{type(exc).__name__}: {exc}"
        dt = time.perf_counter() - t0
        cpu = time.process_time() - c0  # CPU seconds of the whole process (meaningful at concurrency 1)
        return item, cands, dt, cpu, err

    t_start = time.perf_counter()
    if concurrency <= 1:
        results = [one(it) for it in items]
    else:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            results = list(pool.map(one, items))
    wall = time.perf_counter() - t_start

    n = len(results)
    exact = folded = top3 = 0
    cers, times, cpus, out_items = [], [], [], []
    for item, cands, dt, cpu, err in results:
        gt = item["plate"]
        texts = [c.text for c in cands]
        top = texts[0] if texts else ""
        ok = top == gt
        okf = fold_confusable(top) == fold_confusable(gt) and bool(top)
        ok3 = gt in texts[:3]
        exact += ok
        folded += okf
        top3 += ok3
        cers.append(min(1.0, levenshtein(top, gt) / max(1, len(gt))))
        times.append(dt)
        cpus.append(cpu)
        if progress is not None and not okf:
            progress(f"MISS {item['name']}: gt={gt} got={texts[:3]}{' ' + err if err else ''}")
        if return_items:
            out_items.append({"file": item["name"], "plate": gt, "candidates": [c.as_dict() for c in cands],
                              "seconds": round(dt, 4), "error": err})

    summary = {
        "dataset": str(dataset_dir),
        "engine": getattr(engine, "version", str(engine)),
        "concurrency": concurrency,
        "photos": n,
        "exact": round(exact / n, 4) if n else 0.0,
        "exact_folded": round(folded / n, 4) if n else 0.0,
        "top3": round(top3 / n, 4) if n else 0.0,
        "cer": round(sum(cers) / n, 4) if n else 0.0,
        "median_s": round(statistics.median(times), 4) if times else 0.0,
        "p95_s": round(_percentile(times, 0.95), 4),
        "photos_per_s": round(n / wall, 3) if wall > 0 else 0.0,
        # CPU seconds per photo (all threads): a load-independent cost figure; only per photo at concurrency 1
        "median_cpu_s": round(statistics.median(cpus), 4) if cpus and concurrency <= 1 else None,
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    if return_items:
        summary["items"] = out_items
    return summary


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset", help="folder with images/ and gt.csv")
    ap.add_argument("--engine", default="onnx")
    ap.add_argument("--concurrency", type=int, default=1)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--quiet", action="store_true", help="do not list misread photos on stderr")
    args = ap.parse_args(argv)
    progress = None if args.quiet else (lambda msg: print(msg, file=sys.stderr))
    summary = run_benchmark(args.dataset, args.engine, args.concurrency, limit=args.limit, progress=progress)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
