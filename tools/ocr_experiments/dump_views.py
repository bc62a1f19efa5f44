# ruff: noqa: E402, E501, S108, SIM115, SIM401, I001, F401
"""Save the rectified line crops the refinement step reads (redet views) for some photos."""
import os
import sys

import cv2

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from apps.ocr.engine import OnnxPlateEngine, decode_image  # noqa: E402
from apps.ocr.engine import ppocr  # noqa: E402

ds, names, out = sys.argv[1], sys.argv[2].split(","), sys.argv[3]
os.makedirs(out, exist_ok=True)
eng = OnnxPlateEngine()
rec = eng._reader.rec
saved = []
orig = rec.read


def spy(imgs, **kw):
    saved.append(list(imgs))
    return orig(imgs, **kw)


rec.read = spy
for n in names:
    saved.clear()
    img = decode_image(open(os.path.join(ds, "images", n), "rb").read())
    c = eng.read_plates(img)
    # first call = first pass (many crops); later calls = region views
    for k, call in enumerate(saved):
        for i, im in enumerate(call[:6] if k == 0 else call):
            cv2.imwrite(os.path.join(out, f"{n[:-4]}_{k}_{i}.png"), im)
    print(n, [x.text for x in c[:2]])
