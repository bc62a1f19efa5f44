# ruff: noqa: E402, E501, S108, SIM115, SIM401, I001, F401
"""Top-candidate score (pipeline log-scale) of each photo, for right and wrong answers: where a fallback
(second detection pass) should trigger."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from apps.ocr.engine import OnnxPlateEngine, decode_image  # noqa: E402
from apps.ocr.engine.bench import load_ground_truth  # noqa: E402

eng = OnnxPlateEngine()
rows = []
for it in load_ground_truth(sys.argv[1]):
    c = eng.read_plates(decode_image(open(it["file"], "rb").read()))
    s = c[0].detail["score"] if c else -99
    rows.append((s, c[0].text if c else "", it["plate"], it["name"]))
rows.sort()
for s, t, g, n in rows[: int(sys.argv[2]) if len(sys.argv) > 2 else 25]:
    print(f"{s:7.2f} {'OK ' if t == g else 'BAD'} {t:16s} {g:10s} {n}")
