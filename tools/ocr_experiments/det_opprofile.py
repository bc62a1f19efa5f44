# ruff: noqa: E402, E501, S108, SIM115, SIM401, I001, F401
"""onnxruntime per-op profile of the detector on one real photo at 960 px (single thread)."""
import json
import os
import sys
from collections import Counter

import cv2
import numpy as np
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from apps.ocr.engine.models import find_models  # noqa: E402

files = find_models("ppocrv6")
o = ort.SessionOptions()
o.intra_op_num_threads = 1
o.enable_profiling = True
o.profile_file_prefix = "/tmp/detprof"
from apps.ocr.engine.models import _flush_denormal_initializers  # noqa: E402
_m = bytearray(files.det.read_bytes())
_flush_denormal_initializers(_m)
s = ort.InferenceSession(bytes(_m) if os.environ.get("FLUSH") else str(files.det), sess_options=o, providers=["CPUExecutionProvider"])
img = cv2.imread("/work/shared/datasets/plates/us-dev/images/" + sorted(os.listdir("/work/shared/datasets/plates/us-dev/images"))[0])
img = cv2.resize(img, (960, 544))
x = ((img.astype(np.float32) - 127.5) / 127.5).transpose(2, 0, 1)[None]
for _ in range(4):
    s.run(None, {"x": x})
path = s.end_profiling()
ev = json.load(open(path))
byop, bynode = Counter(), Counter()
for e in ev:
    if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
        byop[e["args"]["op_name"]] += e["dur"] / 4 / 1000
        bynode[e["name"]] += e["dur"] / 4 / 1000
print(sum(byop.values()), "ms total")
for k, v in byop.most_common(12):
    print(f"{k:30s} {v:8.1f} ms")
for k, v in bynode.most_common(10):
    print(f"{k:60s} {v:8.1f} ms")
