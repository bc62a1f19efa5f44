# ruff: noqa: E402, E501, S108, SIM115, SIM401, I001, F401
"""Time the PP-OCRv6 detector at a few input sizes under different onnxruntime session settings."""
import os
import sys
import time

import numpy as np
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from apps.ocr.engine.models import find_models  # noqa: E402

files = find_models("ppocrv6")


def sess(threads, spin, opt=ort.GraphOptimizationLevel.ORT_ENABLE_ALL, seq=True):
    o = ort.SessionOptions()
    if threads:
        o.intra_op_num_threads = threads
    o.inter_op_num_threads = 1
    o.graph_optimization_level = opt
    if not seq:
        o.execution_mode = ort.ExecutionMode.ORT_PARALLEL
    o.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
    return ort.InferenceSession(str(files.det), sess_options=o, providers=["CPUExecutionProvider"])


for shape in [(544, 960), (384, 640), (448, 800)]:
    x = np.random.rand(1, 3, *shape).astype(np.float32)
    for threads, spin in [(1, 0), (2, 0), (2, 1), (0, 0)]:
        s = sess(threads, spin)
        name = s.get_inputs()[0].name
        s.run(None, {name: x})
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(8):
            s.run(None, {name: x})
        print(shape, f"threads={threads} spin={spin}", f"wall={(time.perf_counter()-t0)/8:.3f}",
              f"cpu={(time.process_time()-c0)/8:.3f}", "load", os.getloadavg()[0], flush=True)
