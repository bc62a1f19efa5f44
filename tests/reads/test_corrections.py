"""Corrections (R-READ-2): searches use the corrected plate; the original read never changes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.audit.models import AccessLog, DomainEvent
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.reads.models import Read, ReadCorrection
from apps.reads.selectors import read_search, read_search_build
from apps.reads.services.corrections import CORRECTION_REASON_REQUIRED, CORRECTION_UNCHANGED, read_correct
from tests.reads.conftest import SEARCH, correction_context


def _found(user, plate):
    return [r.pk for r in read_search(user=user, search=read_search_build(plate=plate), **SEARCH).reads]


def test_a_correction_changes_search_results_but_not_the_original(investigator, store_reads):
    (read_id,) = store_reads([("7ABC123", 5)])
    read = Read.objects.get(pk=read_id)
    correction = read_correct(context=correction_context(), actor=investigator, read=read, corrected_plate="7abc 128",
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
    read_correct(actor=investigator, read=Read.objects.get(pk=read_id), corrected_plate="7ABC128", reason="8 not 3",
                 context=correction_context())
    read_correct(actor=supervisor, read=Read.objects.get(pk=read_id), corrected_plate="7ABG128", reason="G not C",
                 context=correction_context())
    history = list(ReadCorrection.objects.filter(read_id=read_id).order_by("id").values_list(
        "previous_plate", "corrected_plate"))
    assert history == [("7ABC123", "7ABC128"), ("7ABC128", "7ABG128")]
    assert _found(investigator, "7ABG128") == [read_id]


def test_refusals(investigator, operator, store_reads):
    (read_id,) = store_reads([("7ABC123", 5)])
    read = Read.objects.get(pk=read_id)
    with pytest.raises(ApplicationError) as exc:
        read_correct(actor=investigator, read=read, corrected_plate="7ABC128", reason="  ",
                     context=correction_context())
    assert exc.value.message == CORRECTION_REASON_REQUIRED
    with pytest.raises(ApplicationError) as exc:
        read_correct(actor=investigator, read=read, corrected_plate="7ABC123", reason="same",
                     context=correction_context())
    assert exc.value.message == CORRECTION_UNCHANGED.format(plate="7ABC123")
    with pytest.raises(ApplicationError) as exc:
        read_correct(actor=investigator, read=read, corrected_plate="7AB€123", reason="bad",
                     context=correction_context())
    assert exc.value.code == "plate_illegal_characters"
    with pytest.raises(PermissionDeniedError):
        read_correct(actor=operator, read=read, corrected_plate="7ABC128", reason="not allowed",
                     context=correction_context())
    assert ReadCorrection.objects.count() == 0


def test_correction_api(api_client, investigator, store_reads):
    (read_id,) = store_reads([("7ABC123", 5)])
    api_client.force_authenticate(investigator)
    response = api_client.post(f"/api/v1/reads/{read_id}/corrections/",
                               {"corrected_plate": "7ABC128", "reason": "8 not 3", **SEARCH}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["previous_plate"] == "7ABC123"
    log = AccessLog.objects.get(action="reads.correct")
    assert (log.user, log.purpose, log.case_number, log.data_elements["read_id"]) == (
        investigator, SEARCH["purpose"], SEARCH["case_number"], read_id)
    response = api_client.get(f"/api/v1/reads/{read_id}/", SEARCH)
    body = response.json()
    assert (body["plate"], body["plate_read"], body["corrected"]) == ("7ABC128", "7ABC123", True)
    assert body["corrections"][0]["corrected_plate"] == "7ABC128"


def test_a_correction_without_a_purpose_shows_and_changes_nothing_and_is_not_logged(
        api_client, client, investigator, store_reads):
    """R-AUD-1a: a correction's answer names the plate the read had ("Corrected 5WES410 → ZZZ9999"), and a refused
    one the plate it has ("already has the plate …"), so any read id could be turned into its plate, unlogged. Now,
    on the page, the API and the service alike, no purpose and case number: refused, nothing shown or changed."""
    (read_id,) = store_reads([("7ABC123", 5)])
    with pytest.raises(ApplicationError) as exc:
        read_correct(actor=investigator, read=Read.objects.get(pk=read_id), corrected_plate="ZZZ9999", reason="x",
                     context=None)
    assert exc.value.code == "access_context_required"
    api_client.force_authenticate(investigator)
    for body in ({"corrected_plate": "7ABC123", "reason": "guess"}, {"corrected_plate": "ZZZ9999", "reason": "x"},
                 {"corrected_plate": "ZZZ9999", "reason": "x", "purpose": "", "case_number": "24-001234"}):
        response = api_client.post(f"/api/v1/reads/{read_id}/corrections/", body, format="json")
        assert response.status_code == 400, response.content
        assert "7ABC123" not in response.content.decode()
    client.force_login(investigator)
    response = client.post(reverse("reads:correct", args=[read_id]),
                           {"corrected_plate": "ZZZ9999", "reason": "x", "purpose": "", "case_number": ""}, follow=True)
    assert "7ABC123" not in " ".join(str(message) for message in response.context["messages"])
    assert Read.objects.get(pk=read_id).plate_current == "7ABC123"
    assert not ReadCorrection.objects.exists() and not AccessLog.objects.filter(action="reads.correct").exists()


def test_a_refused_correction_that_names_the_current_plate_is_logged(api_client, investigator, store_reads):
    """Guessing a read's plate by "correcting" it to the guess answers "already has the plate …": logged too."""
    (read_id,) = store_reads([("7ABC123", 5)])
    api_client.force_authenticate(investigator)
    response = api_client.post(f"/api/v1/reads/{read_id}/corrections/",
                               {"corrected_plate": "7ABC123", "reason": "guess", **SEARCH}, format="json")
    assert response.status_code == 400 and "7ABC123" in response.content.decode()
    log = AccessLog.objects.get(action="reads.correct")
    assert (log.user, log.case_number, log.data_elements["read_id"]) == (investigator, SEARCH["case_number"], read_id)
    assert not ReadCorrection.objects.exists()


def test_a_correction_sent_as_multipart_is_bounded_like_json(api_client, investigator, store_reads, settings):
    """Multipart was the way around the API's body limit: a 3 MB reason sent so was stored. Endpoints that take no
    file bound multipart like JSON (API_MAX_BODY_BYTES); a small multipart correction still works."""
    settings.PORTAL = {**settings.PORTAL, "API_MAX_BODY_BYTES": 100_000}
    (read_id,) = store_reads([("7ABC123", 5)])
    api_client.force_authenticate(investigator)
    url = f"/api/v1/reads/{read_id}/corrections/"
    response = api_client.post(url, {"corrected_plate": "7ABC128", "reason": "x" * 200_000, **SEARCH},
                               format="multipart")
    assert response.status_code == 413, response.content
    assert not ReadCorrection.objects.exists()
    response = api_client.post(url, {"corrected_plate": "7ABC128", "reason": "8 not 3", **SEARCH}, format="multipart")
    assert response.status_code == 201, response.content
