"""Expected outcomes of the reads routes for every principal, in the shape of tests/test_authorization_matrix.py.

Self-contained (no import from that module), so it can merge them without an import cycle; it does::

    from tests.reads.route_matrix import READS_COVERED_ELSEWHERE, READS_MATRIX
    MATRIX.update(READS_MATRIX)
    COVERED_ELSEWHERE.update(READS_COVERED_ELSEWHERE)
"""

from __future__ import annotations

from apps.accounts.roles import Role

OK, LOGIN, DENIED, TRAINING, UNAUTH, BAD_REQUEST = "ok", "login", "403", "training", "401", "400"
PRINCIPALS = ["anonymous", *Role.values, "lapsed_sysadmin"]


def everyone(value, *, anonymous):
    return {"anonymous": anonymous, **{p: value for p in PRINCIPALS if p != "anonymous"}}


def only(allowed: set[str], *, yes, no, anonymous, lapsed):
    row = {p: (yes if p in allowed else no) for p in Role.values}
    return {"anonymous": anonymous, **row, "lapsed_sysadmin": lapsed}


QUERY_ROLES = {Role.INVESTIGATOR, Role.SUPERVISOR, Role.SYSADMIN}
UNIT_ROLES = {Role.OPERATOR, Role.SUPERVISOR, Role.SYSADMIN}
CAMERA_ADMINS = {Role.SUPERVISOR, Role.SYSADMIN}  # reads.view_camera

READS_MATRIX: dict[str, dict[str, str]] = {
    "reads:search": only(QUERY_ROLES, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=TRAINING),
    "reads:cameras": only(UNIT_ROLES, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=TRAINING),
    # Without purpose and case number the search API answers 400 saying what is missing (after the permission
    # and training checks).
    "api:reads-search": only(QUERY_ROLES, yes=BAD_REQUEST, no=DENIED, anonymous=UNAUTH, lapsed=DENIED),
    "api:reads-export": only(QUERY_ROLES, yes=BAD_REQUEST, no=DENIED, anonymous=UNAUTH, lapsed=DENIED),
    "api:cameras": only(CAMERA_ADMINS, yes=OK, no=DENIED, anonymous=UNAUTH, lapsed=DENIED),
    # Camera-token endpoints: no person (session or token) is ever authenticated there.
    "api:ingest-reads": everyone(UNAUTH, anonymous=UNAUTH),
    "api:ingest-openalpr": everyone(UNAUTH, anonymous=UNAUTH),
    "api:ingest-images": everyone(UNAUTH, anonymous=UNAUTH),
}

READS_COVERED_ELSEWHERE = {
    "reads:export": "tests/reads/test_views.py (needs a search; logged as reads.export)",
    "reads:detail": "tests/reads/test_views.py (purpose + case number; logged; archived 404 except sysadmin)",
    "reads:correct": "tests/reads/test_views.py (POST; reads.correct_read)",
    "reads:image": "tests/reads/test_views.py (signed per-person link; training; archived 404)",
    "reads:camera": "tests/reads/test_cameras.py (operators: own units only; others 404)",
    "reads:camera_status": "tests/reads/test_cameras.py (POST; operators: own units only)",
    "api:read-detail": "tests/reads/test_search.py (purpose + case number; logged; archived 404)",
    "api:read-corrections": "tests/reads/test_corrections.py (POST; reads.correct_read)",
    "api:camera-detail": "tests/reads/test_cameras.py (administrators)",
    "api:camera-status": "tests/reads/test_cameras.py (POST; operators: own units only)",
    "/api/v1/reads/{id}/": "api:read-detail",
    "/api/v1/reads/{id}/corrections/": "api:read-corrections",
    "/api/v1/cameras/{id}/": "api:camera-detail",
    "/api/v1/cameras/{id}/status-reports/": "api:camera-status",
}
