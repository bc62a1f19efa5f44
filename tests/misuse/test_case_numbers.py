"""R-READ-3: case numbers that exist — the agency's formats per kind, checked at the single choke point
(access_purpose_check) with a message showing the expected form; the records system (RMS) connector, imported or
looked up over HTTP, refusing unknown and closed numbers; a supervisor's override; and every search recording how its
number was checked."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.audit.models import AccessLog, DomainEvent
from apps.audit.services import access_log_record, access_purpose_check
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.misuse.casenumbers import CASE_NUMBER_CLOSED, CASE_NUMBER_UNKNOWN
from apps.misuse.choices import RmsMode
from apps.misuse.models import RmsCase, RmsConnection
from apps.misuse.rms import IMPORT_EMPTY, rms_cases_import
from apps.misuse.services import NOT_THEIR_SUPERVISOR, case_number_override_grant
from tests.conftest import state_access_context

pytestmark = pytest.mark.django_db


def _search(user, case_number="2026-000123"):
    return access_log_record(user=user, action="reads.search", data_elements={"plate_pattern": "7ABC123"},
                             purpose="crime_analysis", case_number=case_number, result_count=1)


def test_without_formats_any_number_passes_and_is_recorded_unchecked(ivy):
    # R-READ-3: an agency that has not configured its formats keeps today's behaviour, recorded as such.
    row = _search(ivy, "whatever-1")
    assert row.data_elements["case_verification"] == {"status": "unchecked"}


def test_the_agency_formats_refuse_other_numbers_with_the_expected_form(formats, ivy):
    # R-READ-3: one pattern per kind (case, incident, CAD event); anything else is refused at the choke point.
    for number in ("2026-000123", "I-26-00012", "CAD26000001"):
        assert access_purpose_check(purpose="crime_analysis", case_number=number, user=ivy)[1] == number
    with pytest.raises(ApplicationError) as refused:
        access_purpose_check(purpose="crime_analysis", case_number="inv", user=ivy)
    assert refused.value.code == "case_number_format"
    assert refused.value.message == ("“inv” is not a number this agency issues. Expected: a case number like "
                                     "2026-000123, an incident number like I-26-00012 or a CAD event number like "
                                     "CAD26000001.")
    with pytest.raises(ApplicationError):
        _search(ivy, "12345")
    assert not AccessLog.objects.exists()  # refused before anything was logged or shown
    row = _search(ivy, "I-26-00012")
    assert row.data_elements["case_verification"] == {"status": "format_checked", "kind": "incident"}


def test_the_search_page_refuses_a_number_of_the_wrong_form(formats, ivy, client):
    # R-READ-3: the portal refuses it everywhere a purpose and case are stated — here the purpose form.
    client.force_login(ivy)
    response = client.get(reverse("reads:search"), {"plate": "7ABC123", "purpose": "crime_analysis",
                                                    "case_number": "test", "days": "7"})
    assert "is not a number this agency issues. Expected: a case number like 2026-000123" in response.content.decode()
    assert not AccessLog.objects.exists()


def test_the_imported_rms_list_verifies_open_numbers_and_refuses_unknown_and_closed(agency, formats, ivy):
    # R-READ-3: the nightly export of open case numbers (CSV or JSON) is the first connector.
    RmsConnection.objects.create(agency=agency, mode=RmsMode.IMPORT)
    assert rms_cases_import(agency=agency, content="number,kind\n2026-000123,case\n2026-000200,case\n") == 2
    row = _search(ivy, "2026-000123")
    assert row.data_elements["case_verification"] == {"status": "verified", "kind": "case", "rms": "open"}
    with pytest.raises(ApplicationError) as unknown:
        _search(ivy, "2026-999999")
    assert unknown.value.message == CASE_NUMBER_UNKNOWN.format(number="2026-999999")

    # The next night's export (JSON this time) no longer holds 2026-000200: it is closed.
    assert rms_cases_import(agency=agency, content='["2026-000123", "2026-000300"]') == 2
    assert not RmsCase.objects.get(number="2026-000200").is_open
    with pytest.raises(ApplicationError) as closed:
        _search(ivy, "2026-000200")
    assert closed.value.code == "case_number_closed"
    assert closed.value.message == CASE_NUMBER_CLOSED.format(number="2026-000200")
    # An unreadable or empty export is refused; the previous list stays.
    with pytest.raises(ApplicationError) as empty:
        rms_cases_import(agency=agency, content="number\n")
    assert empty.value.message == IMPORT_EMPTY
    assert RmsCase.objects.filter(is_open=True).count() == 2


def test_the_http_rms_lookup_refuses_unknown_and_closed_numbers_and_a_supervisor_overrides(
        agency, formats, ivy, leo, sergeant, simulated_rms):
    # R-READ-3: the HTTP connector asks the agency's records system; a supervisor's override, with a reason, lets one
    # person use a number it does not confirm, and the search records it.
    RmsConnection.objects.create(agency=agency, mode=RmsMode.HTTP, http_url=simulated_rms["url"])
    simulated_rms["cases"].update({"2026-000123": True, "2026-000456": False})
    assert _search(ivy, "2026-000123").data_elements["case_verification"]["status"] == "verified"
    with pytest.raises(ApplicationError) as closed:
        _search(ivy, "2026-000456")
    assert closed.value.code == "case_number_closed"
    with pytest.raises(ApplicationError) as unknown:
        _search(ivy, "2026-000777")
    assert unknown.value.code == "case_number_unknown"
    assert "2026-000777" in simulated_rms["calls"]

    with pytest.raises(PermissionDeniedError) as not_theirs:  # only the person's own supervisor
        case_number_override_grant(actor=leo, person=ivy, case_number="2026-000456", reason="reopened")
    assert not_theirs.value.message == NOT_THEIR_SUPERVISOR
    with pytest.raises(ApplicationError):
        case_number_override_grant(actor=sergeant, person=ivy, case_number="2026-000456", reason="  ")
    override = case_number_override_grant(actor=sergeant, person=ivy, case_number="2026-000456",
                                          reason="Case reopened today by the DA; RMS update pending.")
    row = _search(ivy, "2026-000456")
    assert row.data_elements["case_verification"] == {"status": "overridden", "kind": "case", "rms": "closed",
                                                      "override": override.pk}
    with pytest.raises(ApplicationError):  # the override is this person's only
        _search(leo, "2026-000456")
    assert DomainEvent.objects.filter(code="alprportal.misuse.case_override.granted").count() == 1


def test_an_unreachable_rms_leaves_the_number_format_checked_only(agency, formats, ivy, simulated_rms):
    # R-READ-3: the records system failing does not stop policing; the row says the number was not verified.
    RmsConnection.objects.create(agency=agency, mode=RmsMode.HTTP, http_url=simulated_rms["url"])
    with pytest.raises(ApplicationError):  # reachable: an unknown CAD event is refused
        _search(ivy, "CAD26000001")
    RmsConnection.objects.filter(agency=agency).update(http_url="http://127.0.0.1:9/lookup", timeout_seconds=0.5)
    row = _search(ivy, "2026-000999")
    assert row.data_elements["case_verification"] == {"status": "format_checked", "kind": "case",
                                                      "rms": "unavailable"}


def test_the_override_page_is_for_the_supervisor_of_the_team(client, formats, ivy, sergeant, other_team):
    # R-READ-3: the supervisor chooses among their own team; another supervisor's person is not offered.
    client.force_login(sergeant)
    state_access_context(client)
    page = client.get(reverse("misuse:overrides"))
    assert page.status_code == 200
    assert "det.ivy" in page.content.decode() and "det.other" not in page.content.decode()
    response = client.post(reverse("misuse:overrides"), {"person": other_team.pk, "case_number": "2026-000456",
                                                         "reason": "Reopened"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    response = client.post(reverse("misuse:overrides"), {"person": ivy.pk, "case_number": "2026-000456",
                                                         "reason": "Reopened"})
    assert response.status_code == 302
    client.force_login(ivy)
    assert client.get(reverse("misuse:overrides")).status_code == 403


def test_the_api_refuses_a_number_of_the_wrong_form_with_the_expected_form(api_client, formats, ivy):
    # R-READ-3: the API states purpose and case too — same check, same message, nothing logged.
    api_client.force_authenticate(ivy)
    response = api_client.get(reverse("api:reads-search"), {"plate": "7ABC123", "purpose": "crime_analysis",
                                                            "case_number": "n/a"})
    assert response.status_code == 400
    assert "Expected: a case number like 2026-000123" in response.content.decode()
    assert not AccessLog.objects.exists()
    ok = api_client.get(reverse("api:reads-search"), {"plate": "7ABC123", "purpose": "crime_analysis",
                                                      "case_number": "2026-000123"})
    assert ok.status_code == 200
    assert AccessLog.objects.get().data_elements["case_verification"]["status"] == "format_checked"
