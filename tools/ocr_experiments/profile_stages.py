# ruff: noqa: E402, E501, S108, SIM115, SIM401, I001, F401
"""Per-stage CPU/wall profile of the OCR engine on a few photos (for finding where time goes)."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
import cProfile  # noqa: E402
import pstats  # noqa: E402

from apps.ocr.engine import OnnxPlateEngine, decode_image  # noqa: E402
from apps.ocr.engine.bench import load_ground_truth  # noqa: E402

ds = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/datasets/plates/us-dev"
n = int(sys.argv[2]) if len(sys.argv) > 2 else 30
eng = OnnxPlateEngine()
items = load_ground_truth(ds)[:n]
imgs = [decode_image(open(it["file"], "rb").read()) for it in items]
eng.read_plates(imgs[0])
pr = cProfile.Profile()
t0, c0 = time.perf_counter(), time.process_time()
pr.enable()
for im in imgs:
    eng.read_plates(im)
pr.disable()
print("wall/photo", (time.perf_counter() - t0) / n, "cpu/photo", (time.process_time() - c0) / n)
pstats.Stats(pr).sort_stats("tottime").print_stats(15)
