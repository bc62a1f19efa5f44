"""The nightly misuse review reads the access log with one PostgreSQL query (``_ROWS_SQL``); on SQLite, the laptop
default that ``make run`` seeds, the same columns are computed in Python (R-AUD-3 holds there too: the demo's review
ran into PostgreSQL-only SQL and stopped ``make run``). Both readings of the same rows must be equal, column by
column, for every shape of data elements a search writes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.choices import SystemPurpose
from apps.audit.services import access_log_record
from apps.misuse.detection import _ROWS_SQL, _row_elements

ELEMENTS = [
    {"plate": "7abc123", "time_from": "2026-11-01T00:00:00-08:00", "time_to": "2026-11-30T00:00:00-08:00"},
    {"plate_pattern": "7AB?12*", "plate": "ignored"},
    {"plate_pattern": None, "plate": "5XYZ001"},
    {"plate_less": True, "justification": "Vehicles around the rally", "protected_activity_attested": True,
     "cameras": [3, 1], "area": {"center": {"latitude": 33.7701, "longitude": -118.1937}, "radius_m": 500}},
    {"plate_less": True, "justification": "Box search", "protected_activity_attested": True,
     "area": {"bbox": {"south": 33.5, "north": 33.75, "west": -118.5, "east": -118.0}}},
    {"plate": "8KXT452", "case_verification": {"status": "unverified", "rms": "RMS down"}},
    {"vehicle": {"color": "green"}, "cameras": []},
    {},
]


@pytest.mark.django_db
def test_the_portable_reading_equals_postgresqls(make_user):
    if connection.vendor != "postgresql":
        pytest.skip("compares against the PostgreSQL query")
    person = make_user(Role.INVESTIGATOR)
    since = timezone.now() - timedelta(minutes=5)
    rows = [access_log_record(user=person, action="reads.search", data_elements=elements, purpose="investigative_leads",
                              case_number="CASE-1", result_count=1) for elements in ELEMENTS]
    until = timezone.now() + timedelta(minutes=5)
    with connection.cursor() as cursor:
        cursor.execute(_ROWS_SQL, [since, until, list(SystemPurpose.values)])
        by_sql = {row[0]: row[5:] for row in cursor.fetchall()}
    assert len(by_sql) == len(ELEMENTS)
    for row in rows:
        row.refresh_from_db()
        portable = _row_elements(row.data_elements)
        sql = by_sql[row.seq]
        # Coordinates may print differently (PostgreSQL's float text vs Python's): compare them as numbers.
        assert portable[:5] == sql[:5], row.data_elements
        for ours, theirs in zip(portable[5:7], sql[5:7], strict=True):
            assert (float(ours) if ours else None) == pytest.approx(float(theirs) if theirs else None)
        assert portable[7:] == sql[7:], row.data_elements
