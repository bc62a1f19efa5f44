# ruff: noqa: E402, E501, S108, SIM115, SIM401, I001, F401
"""CPU seconds per photo by stage: full-photo detection, crop re-detection, recognizer, the rest."""
import os
import sys
import time
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from apps.ocr.engine import OnnxPlateEngine, decode_image  # noqa: E402
from apps.ocr.engine.bench import load_ground_truth  # noqa: E402

ds = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 40
opts = dict(kv.split("=", 1) for kv in sys.argv[3:])
opts = {k: (float(v) if v.replace(".", "").replace("-", "").isdigit() else v) for k, v in opts.items()}
for k in ("det_side", "refine_k", "mask_marks", "first_max_rec"):
    if k in opts:
        opts[k] = int(opts[k])
eng = OnnxPlateEngine(**opts)
r = eng._reader
acc = defaultdict(float)
cnt = defaultdict(int)
od, oc = r.det.detect, r.rec.class_probs


def det(img, max_side=960, **kw):
    c0 = time.process_time()
    try:
        return od(img, max_side=max_side, **kw)
    finally:
        k = "det-full" if max(img.shape[:2]) > 400 and max_side <= 1280 else "det-crop"
        acc[k] += time.process_time() - c0
        cnt[k] += 1


def rec(imgs, **kw):
    c0 = time.process_time()
    try:
        return oc(imgs, **kw)
    finally:
        acc["rec"] += time.process_time() - c0
        cnt["rec"] += 1
        cnt["rec-lines"] += len(imgs)


r.det.detect, r.rec.class_probs = det, rec
items = load_ground_truth(ds)[:n]
imgs = [decode_image(open(it["file"], "rb").read()) for it in items]
eng.read_plates(imgs[0])
acc.clear()
cnt.clear()
c0, t0 = time.process_time(), time.perf_counter()
for im in imgs:
    eng.read_plates(im)
total = time.process_time() - c0
print(f"total cpu/photo {total / n:.3f}  wall/photo {(time.perf_counter() - t0) / n:.3f}  load {os.getloadavg()[0]:.2f}")
for k in acc:
    print(f"  {k:10s} cpu/photo {acc[k] / n:.3f}  calls/photo {cnt[k] / n:.2f}")
print(f"  rec lines/photo {cnt['rec-lines'] / n:.1f}; other {(total - sum(acc.values())) / n:.3f}")
