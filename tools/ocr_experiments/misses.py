# ruff: noqa: E402, E501, S108, SIM115, SIM401, I001, F401
"""List exact misses of the engine on a dataset and save a crop around the top candidate and ground-truth box."""
import csv
import json
import os
import sys

import cv2

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from apps.ocr.engine import OnnxPlateEngine  # noqa: E402
from apps.ocr.engine.bench import run_benchmark  # noqa: E402

ds = sys.argv[1]
out = sys.argv[2] if len(sys.argv) > 2 else "/tmp/misses"
os.makedirs(out, exist_ok=True)
eng = OnnxPlateEngine()
res = run_benchmark(ds, eng, return_items=True)
items = res.pop("items")
print(json.dumps(res))
gt = {r["filename"]: r for r in csv.DictReader(open(os.path.join(ds, "gt.csv")))}
for it in items:
    top = it["candidates"][0]["text"] if it["candidates"] else ""
    if top == it["plate"]:
        continue
    print(it["file"], "gt", it["plate"], "got", [(c["text"], c["source"], c["detail"] if "detail" in c else "") for c in it["candidates"][:3]])
    r = gt[it["file"]]
    if "x" in r and r["x"]:
        img = cv2.imread(os.path.join(ds, "images", it["file"]))
        x, y, w, h = (int(float(r[k])) for k in "xywh")
        m = max(w, h) // 3
        cv2.imwrite(os.path.join(out, it["file"]), img[max(0, y - m): y + h + m, max(0, x - m): x + w + m])
