"""The one domain error that services raise for rule violations (besides Django's ValidationError).

Views, the API exception handler and admin actions turn it into a clear message; its text is a module constant in
the service that raises it, so tests can assert the exact wording a person sees.
"""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A request that breaks a rule. ``code`` is a stable machine-readable slug; ``extra`` adds structured detail."""

    def __init__(self, message: str, *, code: str = "rule_violation", extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}

    def __str__(self) -> str:
        return self.message


class PermissionDeniedError(ApplicationError):
    """The actor may not do this (403)."""

    def __init__(self, message: str, *, code: str = "permission_denied", extra: dict[str, Any] | None = None):
        super().__init__(message, code=code, extra=extra)
