# ruff: noqa: E402, E501
"""Detector speed (denormals fixed) per graph optimization level and thread count."""
import os
import sys
import time

import cv2
import numpy as np
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from apps.ocr.engine.models import _denormals_off, _flush_denormal_initializers, find_models, run_session

files = find_models("ppocrv6")
m = bytearray(files.det.read_bytes())
_flush_denormal_initializers(m)
d = "/work/shared/datasets/plates/us-dev/images/"
img = cv2.resize(cv2.imread(d + sorted(os.listdir(d))[0]), (960, 544))
x = ((img.astype(np.float32) - 127.5) / 127.5).transpose(2, 0, 1)[None]
for lvl in ("ORT_ENABLE_ALL",):
    for threads in (0, 1, 2, 0, 2):
        o = ort.SessionOptions()
        if threads:
            o.intra_op_num_threads = threads
        o.graph_optimization_level = getattr(ort.GraphOptimizationLevel, lvl)
        o.add_session_config_entry("session.intra_op.allow_spinning", "0")
        o.add_session_config_entry("session.set_denormal_as_zero", "1")
        s = _denormals_off().preserving(ort.InferenceSession, bytes(m), sess_options=o, providers=["CPUExecutionProvider"])
        run_session(s, {"x": x})
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(6):
            run_session(s, {"x": x})
        print(f"{lvl:20s} threads={threads} wall={(time.perf_counter()-t0)/6:.3f} cpu={(time.process_time()-c0)/6:.3f} load {os.getloadavg()[0]:.2f}", flush=True)
