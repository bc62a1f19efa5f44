"""Expected outcomes of the OCR routes for every principal, in the shape of tests/test_authorization_matrix.py
(merged there like tests/reads/route_matrix.py). Uploads and OCR results are ALPR data: behind the training gate."""

from __future__ import annotations

from apps.accounts.roles import Role

OK, LOGIN, DENIED, TRAINING, UNAUTH = "ok", "login", "403", "training", "401"
UPLOADERS = {Role.OPERATOR, Role.INVESTIGATOR, Role.SUPERVISOR, Role.SYSADMIN}  # ocr.add_ocrjob


def only(allowed: set[str], *, yes, no, anonymous, lapsed):
    row = {p: (yes if p in allowed else no) for p in Role.values}
    return {"anonymous": anonymous, **row, "lapsed_sysadmin": lapsed}


OCR_MATRIX: dict[str, dict[str, str]] = {
    "ocr:upload": only(UPLOADERS, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=TRAINING),
    "api:ocr-jobs": only(UPLOADERS, yes=OK, no=DENIED, anonymous=UNAUTH, lapsed=DENIED),
}
