"""R-RET-3: an evidence hold on selected reads ("add to hold" from search results) names at most HOLD_MAX_READS
reads, and a longer list is refused for what it is before any read is looked up. Found by the helper-5 attack
(2026-12-05): a hand-made list of 100,000 read numbers kept a worker busy for 45 s of lookups, then was told the reads
"were purged"; a 20-digit number (no bigint) was looked up too."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.common.errors import ApplicationError
from apps.holds.choices import ScopeKind
from apps.holds.models import EvidenceHold
from apps.holds.services.request import SCOPE_TOO_LARGE

pytestmark = pytest.mark.django_db


def _reads_queries(queries) -> list[str]:
    return [query["sql"] for query in queries if "reads_read" in query["sql"]]


def test_a_read_list_longer_than_the_limit_is_refused_before_any_lookup(request_hold, settings):
    settings.PORTAL = {**settings.PORTAL, "HOLD_MAX_READS": 50}
    with CaptureQueriesContext(connection) as queries, pytest.raises(ApplicationError) as refused:
        request_hold(scope_kind=ScopeKind.READS, read_ids=range(1, 100_001), plate="", time_from=None, time_to=None)
    assert refused.value.message == SCOPE_TOO_LARGE.format(count=100_000, limit=50)
    assert _reads_queries(queries.captured_queries) == []
    assert not EvidenceHold.objects.exists()


def test_the_request_page_says_so_for_a_pasted_list(client, detective, settings):
    settings.PORTAL = {**settings.PORTAL, "HOLD_MAX_READS": 50}
    client.force_login(detective)
    response = client.post(reverse("holds:create"), {
        "case_number": "24-000777", "purpose": "prosecution", "reason": "Suspect vehicle.", "ground": "evidence",
        "contact": "(555) 010-0000", "scope_kind": "reads", "read_ids": ", ".join(map(str, range(1, 5_001)))})
    assert response.status_code == 200
    assert SCOPE_TOO_LARGE.format(count=5_000, limit=50) in response.content.decode()
    assert not EvidenceHold.objects.exists()


def test_a_read_number_too_long_to_be_one_is_refused_as_such(client, detective):
    client.force_login(detective)
    response = client.post(reverse("holds:create"), {
        "case_number": "24-000777", "purpose": "prosecution", "reason": "Suspect vehicle.", "ground": "evidence",
        "contact": "(555) 010-0000", "scope_kind": "reads", "read_ids": "99999999999999999999"})
    assert response.status_code == 200
    assert "Read numbers are whole numbers" in response.content.decode()
    assert not EvidenceHold.objects.exists()
