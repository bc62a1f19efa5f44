"""Expected outcomes of the reads routes for every principal, in the shape of tests/test_authorization_matrix.py.

Self-contained (no import from that module), so it can merge them without an import cycle; it does::

    from tests.reads.route_matrix import READS_MATRIX
    MATRIX.update(READS_MATRIX)
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
    # The export needs a valid search; without one it sends the person back to the search page with the errors.
    "reads:export": only(QUERY_ROLES, yes="302", no=DENIED, anonymous=LOGIN, lapsed=TRAINING),
    "api:reads-search": only(QUERY_ROLES, yes=BAD_REQUEST, no=DENIED, anonymous=UNAUTH, lapsed=DENIED),
    "api:reads-export": only(QUERY_ROLES, yes=BAD_REQUEST, no=DENIED, anonymous=UNAUTH, lapsed=DENIED),
    "api:cameras": only(CAMERA_ADMINS, yes=OK, no=DENIED, anonymous=UNAUTH, lapsed=DENIED),
    # Camera-token endpoints: no person (session or token) is ever authenticated there.
    "api:ingest-reads": everyone(UNAUTH, anonymous=UNAUTH),
    "api:ingest-openalpr": everyone(UNAUTH, anonymous=UNAUTH),
    "api:ingest-images": everyone(UNAUTH, anonymous=UNAUTH),
}
