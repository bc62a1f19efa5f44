# ruff: noqa: E402, E501, S108, SIM115, SIM401, I001, F401
"""Count denormal float32 values in the ONNX initializers (minimal protobuf walk, no `onnx` package) and time the
detector with them flushed to zero."""
import os
import sys
import time

import cv2
import numpy as np
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from apps.ocr.engine.models import find_models  # noqa: E402
from apps.ocr.engine.models import _flush_denormal_initializers  # noqa: E402

files = find_models("ppocrv6")
for path in (files.det, files.rec):
    data = bytearray(path.read_bytes())
    n = _flush_denormal_initializers(data)
    print(path.name, "denormals flushed:", n)
data = bytearray(files.det.read_bytes())
_flush_denormal_initializers(data)
d = "/work/shared/datasets/plates/us-dev/images/"
img = cv2.resize(cv2.imread(d + sorted(os.listdir(d))[0]), (960, 544))
x = ((img.astype(np.float32) - 127.5) / 127.5).transpose(2, 0, 1)[None]
for name, model in (("orig", str(files.det)), ("flushed", bytes(data))):
    o = ort.SessionOptions()
    o.intra_op_num_threads = 1
    s = ort.InferenceSession(model, sess_options=o, providers=["CPUExecutionProvider"])
    out = s.run(None, {"x": x})[0]
    if name == "orig":
        ref = out
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(5):
        out = s.run(None, {"x": x})[0]
    print(f"{name} wall={(time.perf_counter()-t0)/5:.3f} cpu={(time.process_time()-c0)/5:.3f}",
          "maxdiff", float(np.abs(out - ref).max()), "load", round(os.getloadavg()[0], 2))
