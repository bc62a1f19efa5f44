"""Tests for the plate pipeline's helpers (apps.ocr.engine.pipeline / models): sticker masking, denormal
weight flushing, flush-to-zero around inference, the low-score fallback detection and the plate prior."""
import struct

import pytest

cv2 = pytest.importorskip("cv2")
np = pytest.importorskip("numpy")

from apps.ocr.engine import models  # noqa: E402
from apps.ocr.engine.pipeline import PlateReader, mask_marks  # noqa: E402
from apps.ocr.engine.plates import text_penalty  # noqa: E402


def _line(text_groups=("AB1", "C2D"), sticker=True, height=60):
    """A synthetic plate text line: two character groups with (optionally) a small coloured square between."""
    img = np.full((height, 340, 3), 235, np.uint8)
    font, scale, thick = cv2.FONT_HERSHEY_SIMPLEX, 1.5, 4
    cv2.putText(img, text_groups[0], (12, 47), font, scale, (40, 30, 30), thick, cv2.LINE_AA)
    cv2.putText(img, text_groups[1], (200, 47), font, scale, (40, 30, 30), thick, cv2.LINE_AA)
    if sticker:
        cv2.rectangle(img, (160, 22), (175, 38), (30, 60, 200), -1)
    return img


def test_mask_marks_paints_a_sticker_between_character_groups():
    img = _line()
    out = mask_marks(img)
    assert out is not None and out.shape == img.shape
    sticker = out[24:37, 162:174].astype(int)
    assert abs(sticker.mean() - 235) < 20  # painted with the background
    # the characters are left alone
    assert np.array_equal(out[:, :140] > 128, img[:, :140] > 128) or np.mean(
        np.abs(out[:, :140].astype(int) - img[:, :140].astype(int))) < 3


def test_mask_marks_leaves_lines_without_marks_alone():
    assert mask_marks(_line(sticker=False)) is None
    assert mask_marks(np.full((4, 40, 3), 200, np.uint8)) is None  # too small to analyse


def test_mask_marks_needs_two_characters_on_each_side():
    img = np.full((60, 340, 3), 235, np.uint8)
    cv2.rectangle(img, (10, 22), (25, 38), (30, 60, 200), -1)  # a flag/emblem before the characters
    cv2.putText(img, "ABC123", (40, 47), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (40, 30, 30), 4, cv2.LINE_AA)
    assert mask_marks(img) is None


def _tensor_proto(name: bytes, values: np.ndarray) -> bytes:
    def field(num, wt, payload):
        key = bytes([num << 3 | wt])
        if wt == 2:
            return key + _varint(len(payload)) + payload
        return key + payload

    raw = values.astype("<f4").tobytes()
    return field(1, 0, _varint(values.size)) + field(2, 0, _varint(1)) + field(8, 2, name) + field(9, 2, raw)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def test_flush_denormal_initializers_zeroes_only_denormals():
    denormal = struct.unpack("<f", struct.pack("<I", 0x00000123))[0]
    values = np.array([1.5, denormal, -denormal, 0.0, 1e-30, -2.0], np.float32)
    tensor = _tensor_proto(b"w", values)
    graph = b"\x2a" + _varint(len(tensor)) + tensor  # GraphProto.initializer (field 5)
    model = bytearray(b"\x08\x07" + b"\x3a" + _varint(len(graph)) + graph)  # ir_version, ModelProto.graph (7)
    before = len(model)
    assert models._flush_denormal_initializers(model) == 2
    assert len(model) == before
    raw = np.frombuffer(bytes(model[-24:]), "<f4")
    assert list(raw) == [1.5, 0.0, 0.0, 0.0, np.float32(1e-30), -2.0]


def test_denormals_off_restores_the_thread_state():
    guard = models._DenormalsOff()
    tiny = np.float32(1e-39)
    seen = []
    guard(lambda: seen.append(float(tiny * np.float32(1.0))))
    if guard.ok:
        assert seen == [0.0]
    assert float(tiny * np.float32(1.0)) != 0.0  # the caller's floating-point state is back
    with pytest.raises(RuntimeError):
        guard(lambda: (_ for _ in ()).throw(RuntimeError("boom")))
    assert float(tiny * np.float32(1.0)) != 0.0


class _FakeDetector:
    def __init__(self):
        self.calls = []

    def detect(self, img, *, max_side=960, **kw):
        self.calls.append(max_side)
        return []


class _FakeRecognizer:
    def read(self, imgs, **kw):
        return []


def test_fallback_detection_runs_only_when_nothing_plate_like_was_found():
    det = _FakeDetector()
    reader = PlateReader(det, _FakeRecognizer(), fallback_dets="grayclahe:1280,color:960")
    assert reader.read(np.full((100, 200, 3), 128, np.uint8)) == []
    assert det.calls == [960, 1280, 960]
    det.calls.clear()
    reader = PlateReader(det, _FakeRecognizer(), fallback_dets="")
    reader.read(np.full((100, 200, 3), 128, np.uint8))
    assert det.calls == [960]


def test_prior_discourages_letter_i():
    reader = PlateReader(None, None, rare_chars=0.6)
    assert reader._prior("UHIN2A", "") == pytest.approx(text_penalty("UHIN2A", "") - 0.6)
    assert reader._prior("UH1N2A", "") == text_penalty("UH1N2A", "")
    assert PlateReader(None, None, rare_chars=0.0)._prior("UHIN2A", "") == text_penalty("UHIN2A", "")


def test_loading_and_running_the_engine_leaves_the_callers_floating_point_state_alone():
    from apps.ocr.engine import get_engine

    tiny = np.float32(1e-39)
    engine = get_engine("onnx")
    assert float(tiny * np.float32(1.0)) != 0.0  # onnxruntime did not switch flush-to-zero on for this thread
    engine.read_plates(np.full((120, 240, 3), 200, np.uint8))
    assert float(tiny * np.float32(1.0)) != 0.0
