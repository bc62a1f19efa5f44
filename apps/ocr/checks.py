"""System checks for imagery OCR: the configured engine must be one that exists and can load here.

Without them a wrong ``OCR_ENGINE`` or a missing optional package would only show when the first photo fails in a
worker; ``manage.py check`` (run by ``migrate``, ``runserver`` and CI) says it at once, with the install line.
Nothing heavy is imported: the models are loaded by the workers (``apps.ocr.signals``).
"""
from django.conf import settings
from django.core import checks

from apps.ocr.engine import ENGINE_NAMES, engine_missing
from apps.ocr.engine.models import ocr_device


@checks.register("ocr")
def ocr_engine_installed(app_configs=None, **kwargs):
    name = settings.PORTAL["OCR_ENGINE"]
    if name not in ENGINE_NAMES:
        return [checks.Error(f"OCR_ENGINE={name!r} is not an OCR engine.",
                             hint=f"Choose one of: {', '.join(ENGINE_NAMES)} (apps/ocr/engine/README.md).",
                             id="ocr.E001")]
    errors = []
    missing = engine_missing(name)
    if missing:
        errors.append(checks.Error(
            f"OCR_ENGINE={name!r} cannot load: {'; '.join(missing)} not installed.",
            hint="`make install-ocr-engines` installs the optional engines; or set OCR_ENGINE=onnx (the default).",
            id="ocr.E002"))
    try:
        device = ocr_device()
    except ValueError as exc:
        errors.append(checks.Error(str(exc), id="ocr.E003"))
    else:
        if device == "gpu" and name != "paddle":
            errors.append(checks.Warning(
                f"OCR_DEVICE=gpu has no effect on the {name!r} engine (ONNX Runtime runs on the CPU here).",
                hint="Only OCR_ENGINE=paddle runs on a GPU.", id="ocr.W001"))
    return errors
