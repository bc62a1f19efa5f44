"""Benchmark an OCR engine on a plates dataset folder (``images/`` + ``gt.csv``).

    python -m apps.ocr.engine.bench /work/shared/datasets/plates/us-dev [--engine onnx] [--concurrency 1]
                                    [--split tune|check|all] [--degrade screen,rotate,jpeg,small|all]

prints progress/failures to stderr and one JSON line (the summary) last on stdout.
Timing covers decoding the file bytes plus reading plates, per photo.

Honest evaluation (issue #16): ``--split`` keeps only one half of the folder, chosen by a hash of each file name
(:func:`split_of`), so a pipeline can be tuned on the ``tune`` half and checked on the ``check`` half it never saw.
``--degrade`` reads degraded versions of the photos instead (:mod:`.degrade`), each kind reported on its own.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
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


SPLITS = ("tune", "check", "all")


def split_of(name: str) -> str:
    """``tune`` or ``check``: the half of a dataset a file belongs to, from the SHA-256 of its name (stable across
    runs, machines and file order; about half each)."""
    return "tune" if hashlib.sha256(name.encode()).digest()[0] < 128 else "check"


def select_split(items: list[dict], split: str | None) -> list[dict]:
    if split in (None, "", "all"):
        return items
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
    return [it for it in items if split_of(it["name"]) == split]


def top_plate(cands) -> str:
    """The plate the engine states for a photo: its first *accepted* candidate ('' when it abstains). Engines
    without abstention (no ``accepted`` attribute) state their first candidate."""
    for c in cands:
        if getattr(c, "accepted", True):
            return c.text
        break
    return ""


def score_items(results) -> dict:
    """Accuracy figures over ``(gt, candidates)`` pairs: exact, exact_folded, top3, cer, wrong, abstained."""
    n = len(results)
    exact = folded = top3 = wrong = abstained = 0
    cers = []
    for gt, cands in results:
        texts = [c.text for c in cands]
        top = top_plate(cands)
        exact += top == gt
        okf = bool(top) and fold_confusable(top) == fold_confusable(gt)
        folded += okf
        top3 += gt in texts[:3]
        abstained += not top
        wrong += bool(top) and not okf
        cers.append(min(1.0, levenshtein(top, gt) / max(1, len(gt))))
    def frac(k):
        return round(k / n, 4) if n else 0.0
    return {"photos": n, "exact": frac(exact), "exact_folded": frac(folded), "top3": frac(top3),
            "wrong": frac(wrong), "abstained": frac(abstained), "cer": frac(sum(cers))}


def _degraded_file(path: str, name: str, kind: str) -> bytes:
    """The ``kind`` degradation of a photo file as JPEG bytes (run in a child process by the benchmark)."""
    import cv2
    import numpy as np

    from . import degrade as degrade_mod

    with open(path, "rb") as f:
        img = cv2.imdecode(np.frombuffer(f.read(), np.uint8), cv2.IMREAD_COLOR)
    return degrade_mod.degraded_jpeg(img, kind, degrade_mod.seed_for(name, kind))


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    v = sorted(values)
    k = (len(v) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def run_benchmark(
    dataset_dir, engine="onnx", concurrency: int = 1, *, limit: int | None = None, return_items: bool = False,
    progress=None, split: str | None = None, degrade: str | None = None,
) -> dict:
    """Run ``engine`` (an OcrEngine or an engine name) over a dataset folder; return figures.

    Keys: photos, exact, exact_folded, top3, wrong (a plate was stated and it is not the truth, compared folded),
    abstained (no plate stated) (fractions 0..1), cer (mean character error rate of the stated plate, '' when
    abstaining), median_s, p95_s (per photo, decode + OCR), photos_per_s (wall clock with ``concurrency``
    threads), wall_s and cpu_s (the whole run: wall-clock and process CPU seconds, all threads), peak_rss_mb
    (this process); also median_cpu_s (process CPU seconds per photo, concurrency 1 only) and load_avg_1m at the
    end, since wall-clock figures on a shared 2-core machine depend on what else runs.

    ``split`` (tune / check / all) keeps one half of the folder (:func:`split_of`); ``degrade`` (comma-separated
    kinds of :mod:`.degrade`, or ``all``) reads degraded versions of each photo instead, one per kind, and adds
    ``by_degradation`` with the accuracy per kind.
    """
    if isinstance(engine, str):
        from . import get_engine

        engine = get_engine(engine)
    items = select_split(load_ground_truth(dataset_dir), split)
    if limit:
        items = items[:limit]
    kinds: list[str | None] = [None]
    if degrade:
        from . import degrade as degrade_mod

        kinds = list(degrade_mod.KINDS) if degrade == "all" else [k.strip() for k in degrade.split(",") if k.strip()]
        for k in kinds:
            if k not in degrade_mod.KINDS:
                raise ValueError(f"unknown degradation {k!r}; choose from {', '.join(degrade_mod.KINDS)} or all")

    maker = None
    if degrade:  # degraded files are made in a child process: their 4K screen frames must not count in peak_rss_mb
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        maker = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))

    def load(item, kind):
        if kind is None:
            with open(item["file"], "rb") as f:
                return f.read()
        return maker.submit(_degraded_file, item["file"], item["name"], kind).result()

    # warm-up (first inference initializes kernels) on one photo, not timed
    if items:
        engine.read_plates(decode_image(load(items[0], None)))

    def one(job):
        item, kind = job
        data = load(item, kind)  # degrading is not timed: only what the portal would do with such a file
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
        return item, kind, cands, dt, cpu, err

    jobs = [(it, kind) for kind in kinds for it in items]
    t_start = time.perf_counter()
    c_start = time.process_time()
    if concurrency <= 1:
        results = [one(job) for job in jobs]
    else:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            results = list(pool.map(one, jobs))
    wall = time.perf_counter() - t_start
    cpu_total = time.process_time() - c_start
    if maker is not None:
        maker.shutdown()

    n = len(results)
    times, cpus, out_items = [], [], []
    for item, kind, cands, dt, cpu, err in results:
        gt = item["plate"]
        texts = [c.text for c in cands]
        top = top_plate(cands)
        times.append(dt)
        cpus.append(cpu)
        if progress is not None and not (top and fold_confusable(top) == fold_confusable(gt)):
            what = "ABSTAIN" if not top else "WRONG"
            progress(f"{what} {item['name']}{' [' + kind + ']' if kind else ''}: gt={gt} got={top or '-'} "
                     f"candidates={texts[:3]}{' ' + err if err else ''}")
        if return_items:
            out_items.append({"file": item["name"], "plate": gt, "degradation": kind, "split": split_of(item["name"]),
                              "stated": top, "candidates": [c.as_dict() for c in cands], "seconds": round(dt, 4),
                              "cpu_seconds": round(cpu, 4), "error": err})

    summary = {
        "dataset": str(dataset_dir),
        "split": split or "all",
        "degradation": ",".join(k for k in kinds if k) or None,
        "engine": getattr(engine, "version", str(engine)),
        "concurrency": concurrency,
        **score_items([(r[0]["plate"], r[2]) for r in results]),
        "median_s": round(statistics.median(times), 4) if times else 0.0,
        "p95_s": round(_percentile(times, 0.95), 4),
        "photos_per_s": round(n / wall, 3) if wall > 0 else 0.0,
        # CPU seconds per photo (all threads): a load-independent cost figure; only per photo at concurrency 1
        "median_cpu_s": round(statistics.median(cpus), 4) if cpus and concurrency <= 1 else None,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu_total, 2),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    if degrade:
        summary["by_degradation"] = {
            kind: score_items([(r[0]["plate"], r[2]) for r in results if r[1] == kind]) for kind in kinds}
    if return_items:
        summary["items"] = out_items
    return summary


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset", help="folder with images/ and gt.csv")
    ap.add_argument("--engine", default="onnx")
    ap.add_argument("--concurrency", type=int, default=1)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--split", choices=SPLITS, default="all", help="half of the folder (by hash of the file name)")
    ap.add_argument("--degrade", default=None, help="read degraded photos: comma-separated kinds, or all")
    ap.add_argument("--save", default=None, help="write the summary with every photo's candidates to this JSON file")
    ap.add_argument("--quiet", action="store_true", help="do not list misread photos on stderr")
    args = ap.parse_args(argv)
    progress = None if args.quiet else (lambda msg: print(msg, file=sys.stderr))
    summary = run_benchmark(args.dataset, args.engine, args.concurrency, limit=args.limit, progress=progress,
                            split=args.split, degrade=args.degrade, return_items=bool(args.save))
    if args.save:
        Path(args.save).write_text(json.dumps(summary, indent=1))
        summary.pop("items")
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
