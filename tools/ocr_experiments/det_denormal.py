# ruff: noqa: E402, E501, S108, SIM115, SIM401, I001, F401
"""Detector (and recognizer) speed with and without onnxruntime's denormal-as-zero (flush-to-zero) option."""
import os
import sys
import time

import cv2
import numpy as np
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from apps.ocr.engine.models import find_models  # noqa: E402

files = find_models("ppocrv6")
d = "/work/shared/datasets/plates/us-dev/images/"
img = cv2.resize(cv2.imread(d + sorted(os.listdir(d))[0]), (960, 544))
x = ((img.astype(np.float32) - 127.5) / 127.5).transpose(2, 0, 1)[None]
for daz in ("0", "1"):
    for threads in (1, 2):
        o = ort.SessionOptions()
        o.intra_op_num_threads = threads
        o.add_session_config_entry("session.set_denormal_as_zero", daz)
        o.add_session_config_entry("session.intra_op.allow_spinning", "0")
        s = ort.InferenceSession(str(files.det), sess_options=o, providers=["CPUExecutionProvider"])
        ref = s.run(None, {"x": x})[0]
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(5):
            out = s.run(None, {"x": x})[0]
        print(f"det daz={daz} threads={threads} wall={(time.perf_counter()-t0)/5:.3f} cpu={(time.process_time()-c0)/5:.3f}",
              "load", round(os.getloadavg()[0], 2), flush=True)
        if daz == "0" and threads == 1:
            base = ref
        else:
            print("   max |diff| vs daz=0:", float(np.abs(out - base).max()))
