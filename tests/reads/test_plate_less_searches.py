"""R-PURP-2 (policy 004 §III): a search without a plate — by area or by camera — needs a written justification and
the attestation that it is not based solely on protected activities or characteristics. Without them it is refused
(page, API, selector) before anything is queried; with them both are stored in the search's access-log row, flagged
``plate_less`` for the supervisors' review queue and the audit sampler."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.audit.justification_rules import (
    ATTESTATION_REQUIRED,
    ATTESTATION_TEXT,
    JUSTIFICATION_MIN_LENGTH,
    JUSTIFICATION_REQUIRED,
    SEARCH_SUBJECT,
)
from apps.audit.models import AccessLog
from apps.common.errors import ApplicationError
from apps.reads.selectors import read_search, read_search_build, read_search_export
from tests.reads.conftest import SEARCH

pytestmark = pytest.mark.django_db

API = "/api/v1/reads/search/"
WHY = "Burglary series at the marina: vehicles seen near the Harbor Blvd lot between 1 and 3 am."
NO_JUSTIFICATION = JUSTIFICATION_REQUIRED.format(subject=SEARCH_SUBJECT, minimum=JUSTIFICATION_MIN_LENGTH)
NO_ATTESTATION = ATTESTATION_REQUIRED.format(subject=SEARCH_SUBJECT)
AREA = {"center_lat": 33.77, "center_lon": -117.92, "radius_km": 2}


def test_attestation_names_every_protected_category():
    """R-PURP-2: the attestation a person ticks names each category of policy 004 §III."""
    for words in ("religious", "political", "social views or activities", "lawful event", "race", "ethnicity",
                  "citizenship", "national origin", "age", "disability", "gender", "sexual orientation"):
        assert words in ATTESTATION_TEXT, words


def test_area_search_without_justification_is_refused_and_nothing_is_logged(investigator, store_reads):
    """R-PURP-2: no justification, or no attestation: refused with the precise message, no query, no log row."""
    store_reads([("7ABC123", 5)])
    search = read_search_build(circle=(33.77, -117.92, 2))
    with pytest.raises(ApplicationError) as missing:
        read_search(user=investigator, search=search, **SEARCH)
    assert missing.value.code == "justification_required" and missing.value.message == NO_JUSTIFICATION
    with pytest.raises(ApplicationError) as too_short:
        read_search(user=investigator, search=search, justification="looking around", attested=True, **SEARCH)
    assert too_short.value.code == "justification_required"
    with pytest.raises(ApplicationError) as unattested:
        read_search(user=investigator, search=search, justification=WHY, **SEARCH)
    assert unattested.value.code == "attestation_required" and unattested.value.message == NO_ATTESTATION
    with pytest.raises(ApplicationError):
        read_search_export(user=investigator, search=read_search_build(camera_ids=[1]), **SEARCH)
    assert not AccessLog.objects.exists()


def test_justified_camera_search_stores_justification_in_its_access_log_row(investigator, store_reads, camera):
    """R-PURP-2: with both, the search runs; its access-log row says plate_less and carries the justification."""
    store_reads([("7ABC123", 5), ("8XYZ789", 6)])
    result = read_search(user=investigator, search=read_search_build(camera_ids=[camera.pk]),
                         justification=f"  {WHY}  ", attested=True, **SEARCH)
    assert result.total == 2
    row = AccessLog.objects.get()
    assert row.data_elements["plate_less"] is True
    assert row.data_elements["justification"] == WHY
    assert row.data_elements["protected_activity_attested"] is True
    assert row.data_elements["cameras"] == [camera.pk]


def test_a_plate_search_needs_no_justification(investigator, store_reads):
    """R-PURP-2 concerns searches without a plate only; a plate search's row is not flagged."""
    store_reads([("7ABC123", 5)])
    read_search(user=investigator, search=read_search_build(plate="7ABC123", circle=(33.77, -117.92, 2)), **SEARCH)
    assert "plate_less" not in AccessLog.objects.get().data_elements


def test_search_page_refuses_then_accepts_an_area_search(client, investigator, store_reads):
    """R-PURP-2 on the page: the messages at the fields; with them the results and the plate-less note."""
    store_reads([("7ABC123", 5)])
    client.force_login(investigator)
    response = client.get(reverse("reads:search"), {**SEARCH, **AREA, "plate": ""})
    assert response.status_code == 200
    page = response.content.decode()
    assert "needs a written justification" in page and "7ABC123" not in page
    assert not AccessLog.objects.exists()
    response = client.get(reverse("reads:search"), {**SEARCH, **AREA, "plate": "", "justification": WHY})
    assert "needs the attestation" in response.content.decode()
    assert not AccessLog.objects.exists()
    response = client.get(reverse("reads:search"), {**SEARCH, **AREA, "plate": "", "justification": WHY,
                                                    "attestation": "on"})
    page = response.content.decode()
    assert "7ABC123" in page and 'id="plate-less-note"' in page
    assert AccessLog.objects.get().data_elements["justification"] == WHY


def test_search_api_refuses_with_a_code_and_accepts_with_justification(api_client, investigator, store_reads,
                                                                       camera):
    """R-PURP-2 on the API: 400 with ``justification_required`` / ``attestation_required``; then 200 and the log."""
    store_reads([("7ABC123", 5)])
    api_client.force_authenticate(investigator)
    response = api_client.get(API, {**SEARCH, "camera": camera.pk})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "justification_required"
    response = api_client.get(API, {**SEARCH, "camera": camera.pk, "justification": WHY})
    assert response.status_code == 400 and response.json()["error"]["code"] == "attestation_required"
    assert not AccessLog.objects.exists()
    response = api_client.get(API, {**SEARCH, "camera": camera.pk, "justification": WHY, "attestation": "true"})
    assert response.status_code == 200 and response.json()["count"] == 1
    row = AccessLog.objects.get(seq=response.json()["access_log_seq"])
    assert row.data_elements["plate_less"] is True and row.data_elements["justification"] == WHY


def test_export_of_a_plate_less_search_carries_the_justification(client, investigator, store_reads, camera):
    """R-PURP-2: the CSV export of an area search is its own logged access, with the same justification."""
    store_reads([("7ABC123", 5)])
    client.force_login(investigator)
    response = client.get(reverse("reads:export"), {**SEARCH, "camera": camera.pk, "recipient": "internal",
                                                    "justification": WHY, "attestation": "on"})
    assert response.status_code == 200
    b"".join(response.streaming_content)
    row = AccessLog.objects.get(action="reads.export")
    assert row.data_elements["plate_less"] is True and row.data_elements["justification"] == WHY
