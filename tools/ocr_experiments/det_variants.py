# ruff: noqa: E402, E501, S108, SIM115, SIM401, I001, F401
"""Which boxes does the detector find on one photo with different inputs/sizes? (prints the reading of each)"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from apps.ocr.engine import OnnxPlateEngine, decode_image  # noqa: E402
from apps.ocr.engine.pipeline import _det_input  # noqa: E402
from apps.ocr.engine.ppocr import crop_quad  # noqa: E402

eng = OnnxPlateEngine()
r = eng._reader
for f in sys.argv[2:]:
    img = decode_image(open(os.path.join(sys.argv[1], "images", f), "rb").read())
    print(f, img.shape)
    for pre in ("grayclahe", "color"):
        for side in (960, 1280, 1600, 1920):
            boxes = r.det.detect(_det_input(img, pre), max_side=side)
            boxes = [b for b in boxes if b.width >= 1.2 * b.height]
            rds = r.rec.read([crop_quad(img, b.quad) for b in boxes], fold_o=True)
            print(f"  {pre:9s} {side}: ", [rd.text for rd in rds if len(rd.text) >= 4])
