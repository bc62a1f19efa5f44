"""What domain apps plug into the audit app (a base layer that imports none of them), registered in their
AppConfig.ready() like ``apps/retention/registry.py``.

**The case-number verifier** (R-READ-3): ``access_purpose_check`` and ``access_log_record`` check that a stated case
number has one of the forms the person's agency issues and, where the agency connects its records system, is open.
The misuse app provides it::

    from apps.audit.hooks import case_number_verifier_register

    case_number_verifier_register(case_number_verify)   # (*, user, case_number, purpose) -> object with .as_data();
                                                         # raises ApplicationError for a number that fails

Without a registered verifier only the presence of a case number is checked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_CASE_NUMBER_VERIFIER: list[Callable[..., Any]] = []


def case_number_verifier_register(verify: Callable[..., Any]) -> None:
    _CASE_NUMBER_VERIFIER[:] = [verify]


def case_number_verify(*, user, case_number: str, purpose: str = "") -> dict:
    """The registered verifier's verdict as data for the access-log row ({} when none is registered). The purpose
    goes with it, so that a refused attempt can be recorded with what it was for."""
    if not _CASE_NUMBER_VERIFIER:
        return {}
    return _CASE_NUMBER_VERIFIER[0](user=user, case_number=case_number, purpose=purpose).as_data()
