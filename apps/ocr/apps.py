from django.apps import AppConfig


class OcrConfig(AppConfig):
    name = "apps.ocr"
    label = "ocr"
    verbose_name = "Imagery OCR"

    def ready(self) -> None:
        # Connects the worker_process_init warm-up (models loaded once per worker process, not per task).
        from apps.ocr import checks, signals  # noqa: F401  (system checks: the configured engine can load)
        from apps.ocr.retention import register

        register()  # uploads expire with their reads (R-RET-2)
        from apps.ocr.read_texts import register as register_read_texts

        register_read_texts()  # the tolerant search also matches OCR alternates and camera candidates (R-READ-4)
