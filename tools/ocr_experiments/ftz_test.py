# ruff: noqa: E402, E501, S108, SIM115, SIM401, I001, F401
"""Confirm the detector slowdown is denormal arithmetic: set FTZ/DAZ in MXCSR of the calling thread (glibc
fegetenv/fesetenv via ctypes) and time single-thread inference."""
import ctypes
import os
import sys
import time

import cv2
import numpy as np
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from apps.ocr.engine.models import find_models  # noqa: E402

libm = ctypes.CDLL("libm.so.6")
buf = (ctypes.c_uint8 * 32)()
libm.fegetenv(buf)
mx = int.from_bytes(bytes(buf[28:32]), "little")
print("mxcsr", hex(mx))
tiny = np.float32(1e-39)
print("before:", tiny * np.float32(1.0))
files = find_models("ppocrv6")
d = "/work/shared/datasets/plates/us-dev/images/"
img = cv2.resize(cv2.imread(d + sorted(os.listdir(d))[0]), (960, 544))
x = ((img.astype(np.float32) - 127.5) / 127.5).transpose(2, 0, 1)[None]
o = ort.SessionOptions()
o.intra_op_num_threads = 1
s = ort.InferenceSession(str(files.det), sess_options=o, providers=["CPUExecutionProvider"])
ref = s.run(None, {"x": x})[0]
for ftz in (0, 1):
    if ftz:
        new = mx | 0x8040
        buf2 = (ctypes.c_uint8 * 32)(*buf)
        buf2[28:32] = list(new.to_bytes(4, "little"))
        libm.fesetenv(buf2)
        print("after:", tiny * np.float32(1.0))
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(5):
        out = s.run(None, {"x": x})[0]
    print(f"ftz={ftz} wall={(time.perf_counter()-t0)/5:.3f} cpu={(time.process_time()-c0)/5:.3f}",
          "maxdiff", float(np.abs(out - ref).max()), "load", round(os.getloadavg()[0], 2))
libm.fesetenv(buf)
print("restored:", tiny * np.float32(1.0))
