"""Corrections (R-READ-2): searches use the corrected plate; the original read never changes."""

from __future__ import annotations

import pytest

from apps.audit.models import DomainEvent
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.reads.models import Read, ReadCorrection
from apps.reads.selectors import read_search, read_search_build
from apps.reads.services.corrections import CORRECTION_REASON_REQUIRED, CORRECTION_UNCHANGED, read_correct
from tests.reads.conftest import SEARCH


def _found(user, plate):
    return [r.pk for r in read_search(user=user, search=read_search_build(plate=plate), **SEARCH).reads]


def test_a_correction_changes_search_results_but_not_the_original(investigator, store_reads):
    (read_id,) = store_reads([("7ABC123", 5)])
    read = Read.objects.get(pk=read_id)
    correction = read_correct(actor=investigator, read=read, corrected_plate="7abc 128",
                              reason="The crop shows an 8; OCR read 3.")
    assert _found(investigator, "7ABC128") == [read_id]
    assert _found(investigator, "7ABC123") == []
    assert _found(investigator, "7ABC12?") == [read_id]
    read.refresh_from_db()
    assert (read.plate_read, read.plate_normalized, read.plate_current) == ("7ABC123", "7ABC123", "7ABC128")
    assert read.is_corrected
    assert (correction.previous_plate, correction.corrected_plate, correction.corrected_by) == (
        "7ABC123", "7ABC128", investigator)
    event = DomainEvent.objects.get(code="alprportal.reads.read.corrected")
    assert event.data == {"old": "7ABC123", "new": "7ABC128", "reason": "The crop shows an 8; OCR read 3.",
                          "original": "7ABC123"}


def test_corrections_chain_and_keep_history(investigator, supervisor, store_reads):
    (read_id,) = store_reads([("7ABC123", 5)])
    read_correct(actor=investigator, read=Read.objects.get(pk=read_id), corrected_plate="7ABC128", reason="8 not 3")
    read_correct(actor=supervisor, read=Read.objects.get(pk=read_id), corrected_plate="7ABG128", reason="G not C")
    history = list(ReadCorrection.objects.filter(read_id=read_id).order_by("id").values_list(
        "previous_plate", "corrected_plate"))
    assert history == [("7ABC123", "7ABC128"), ("7ABC128", "7ABG128")]
    assert _found(investigator, "7ABG128") == [read_id]


def test_refusals(investigator, operator, store_reads):
    (read_id,) = store_reads([("7ABC123", 5)])
    read = Read.objects.get(pk=read_id)
    with pytest.raises(ApplicationError) as exc:
        read_correct(actor=investigator, read=read, corrected_plate="7ABC128", reason="  ")
    assert exc.value.message == CORRECTION_REASON_REQUIRED
    with pytest.raises(ApplicationError) as exc:
        read_correct(actor=investigator, read=read, corrected_plate="7ABC123", reason="same")
    assert exc.value.message == CORRECTION_UNCHANGED.format(plate="7ABC123")
    with pytest.raises(ApplicationError) as exc:
        read_correct(actor=investigator, read=read, corrected_plate="7AB€123", reason="bad")
    assert exc.value.code == "plate_illegal_characters"
    with pytest.raises(PermissionDeniedError):
        read_correct(actor=operator, read=read, corrected_plate="7ABC128", reason="not allowed")
    assert ReadCorrection.objects.count() == 0


def test_correction_api(api_client, investigator, store_reads):
    (read_id,) = store_reads([("7ABC123", 5)])
    api_client.force_authenticate(investigator)
    response = api_client.post(f"/api/v1/reads/{read_id}/corrections/",
                               {"corrected_plate": "7ABC128", "reason": "8 not 3"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["previous_plate"] == "7ABC123"
    response = api_client.get(f"/api/v1/reads/{read_id}/", SEARCH)
    body = response.json()
    assert (body["plate"], body["plate_read"], body["corrected"]) == ("7ABC128", "7ABC123", True)
    assert body["corrections"][0]["corrected_plate"] == "7ABC128"
