"""Locate and load the PaddleOCR ONNX models shipped inside installed PyPI wheels.

Nothing is ever downloaded: the model files come from the site-packages folders of
``rapidocr_onnxruntime`` (PP-OCRv4) or ``rapidocr`` (PP-OCRv6).  The packages are located
with ``importlib.util.find_spec`` so their (heavy) ``__init__`` is never executed.
"""
from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

# (package, detector file, recognizer file)
MODEL_SETS = {
    "ppocrv4": ("rapidocr_onnxruntime", "ch_PP-OCRv4_det_infer.onnx", "ch_PP-OCRv4_rec_infer.onnx"),
    "ppocrv6": ("rapidocr", "PP-OCRv6_det_small.onnx", "PP-OCRv6_rec_small.onnx"),
}


class ModelsNotFound(ImportError):
    pass


@dataclass(frozen=True)
class ModelFiles:
    det: Path
    rec: Path
    package: str


def package_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def find_models(model_set: str) -> ModelFiles:
    try:
        package, det_name, rec_name = MODEL_SETS[model_set]
    except KeyError:
        raise ModelsNotFound(f"unknown model set {model_set!r}; known: {', '.join(MODEL_SETS)}") from None
    base = package_dir(package)
    if base is None:
        raise ModelsNotFound(
            f"the OCR models for {model_set} ship inside the PyPI package {package!r}, which is not "
            f"installed (install it with: pip install --no-deps {package.replace('_', '-')})"
        )
    det, rec = base / "models" / det_name, base / "models" / rec_name
    for p in (det, rec):
        if not p.is_file():
            raise ModelsNotFound(f"model file {p} missing from the installed {package!r} package")
    return ModelFiles(det=det, rec=rec, package=package)


def make_session(path: Path, threads: int | None = None):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    if threads is None:
        threads = int(os.environ.get("OCR_THREADS", "0") or 0)
    if threads:
        opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3
    # no busy-waiting worker threads: much better when other processes share the cores
    if os.environ.get("OCR_SPIN", "0") != "1":
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])
