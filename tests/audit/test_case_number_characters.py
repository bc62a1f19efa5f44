"""R-READ-3: a case or incident number is checked at the one choke point (``case_number_validate``) for the
characters case numbers use, before anything is logged or shown. Found by a security test (2026-12): a line break in
the case number of a CSV export answered 500 (BadHeaderError) after its access-log row was written, quotes in it
rewrote the download's file name, and control characters were stored in the access log."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from apps.audit.models import AccessLog
from apps.audit.services import (
    CASE_NUMBER_CHARACTERS,
    CASE_NUMBER_TOO_LONG,
    access_log_record,
    case_number_validate,
)
from apps.common.errors import ApplicationError
from apps.misuse.choices import CaseNumberKind
from apps.misuse.models import CaseNumberFormat
from tests.reads.conftest import SEARCH

pytestmark = pytest.mark.django_db

EXPORT_API = "/api/v1/reads/export/"
SEARCH_API = "/api/v1/reads/search/"

# What case and incident numbers look like: the demo's (apps/ops/demo), the tests', the agency formats' examples.
NUMBERS_IN_USE = [
    "24-001234", "2026-000123", "I-26-00012", "CAD26000001", "MC-23-004417", "CIV-26-000311", "LAPD-DEMO-2026-0142",
    "SVS-2026-118822", "TEST-24-0001", "AUDIT-12", "AUDIT-FOLLOW-UPS", "misuse-review-FLAG-3", "access-log-review",
    "SAR-2026-H1", "n/a", "1", "HQ 26-0042", "LASD #26:00417", "Case 12 (B), part 2", "26/0042.1", "RMS_26_0001",
]

# (what was typed, how the message names what is refused)
REFUSED = [
    ("A\nB", "U+000A"),  # a line break: it broke the export's header
    ("A\rB", "U+000D"),
    ("A\tB", "U+0009"),
    ("A\x00B", "U+0000"),
    ('A"; filename="x.exe', "“\"”, “;”, “=”"),  # it rewrote the download's file name
    ("A\\B", "“\\”"),
    ("<b>24-1</b>", "“<”, “>”"),
    ("24-1\u202e", "U+202E"),  # right-to-left override: shows a different number than was logged
    ("24-1\u200b", "U+200B"),  # zero-width space: looks like 24-1
    ("\u0410-26-1", "“\u0410”"),  # a Cyrillic A that looks like a Latin one
    ("\uff12\uff16-1", "“\uff12”, “\uff16”"),  # fullwidth digits, which an agency's \d pattern would accept
]


@pytest.mark.parametrize("number", NUMBERS_IN_USE)
def test_the_numbers_agencies_use_pass(number):
    assert case_number_validate(number) == number
    assert case_number_validate(f"  {number} ") == number  # stripped, as before


@pytest.mark.parametrize(("number", "shown"), REFUSED)
def test_other_characters_are_refused_with_a_message_naming_them(number, shown):
    with pytest.raises(ApplicationError) as refused:
        case_number_validate(number)
    assert refused.value.code == "case_number_characters"
    assert refused.value.message == CASE_NUMBER_CHARACTERS.format(characters=shown)


def test_a_number_too_long_to_be_stored_whole_is_refused_at_the_choke_point(investigator):
    with pytest.raises(ApplicationError) as refused:
        access_log_record(user=investigator, action="reads.search", data_elements={}, purpose="crime_analysis",
                          case_number="2" * 65, result_count=0)
    assert (refused.value.code, refused.value.message) == ("case_number_too_long", CASE_NUMBER_TOO_LONG)
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize(("number", "shown"), REFUSED[:5])
def test_no_access_log_row_is_written_under_a_refused_number(investigator, number, shown):
    with pytest.raises(ApplicationError):
        access_log_record(user=investigator, action="reads.search", data_elements={}, purpose="crime_analysis",
                          case_number=number, result_count=0)
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize("url", [EXPORT_API, SEARCH_API])
@pytest.mark.parametrize(("number", "shown"), REFUSED[:5])
def test_the_reads_api_answers_400_and_logs_nothing(api_client, investigator, url, number, shown):
    api_client.force_authenticate(investigator)
    response = api_client.get(url, {"plate": "7ABC123", "purpose": "investigative_leads", "case_number": number,
                                    "recipient": "internal"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["message"]) == ("case_number_characters",
                                                 CASE_NUMBER_CHARACTERS.format(characters=shown))
    assert "Content-Disposition" not in response
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize(("number", "shown"), REFUSED[:5])
def test_the_export_page_sends_the_person_back_with_the_message(client, investigator, number, shown):
    client.force_login(investigator)
    response = client.get(reverse("reads:export"), {"plate": "7ABC123", "purpose": "investigative_leads",
                                                    "case_number": number, "recipient": "internal"}, follow=True)
    assert response.status_code == 200 and response.redirect_chain[0][1] == 302
    assert not response.get("Content-Disposition")
    assert escape(CASE_NUMBER_CHARACTERS.format(characters=shown)) in response.content.decode()
    assert not AccessLog.objects.exists()


def test_the_hits_api_refuses_it_too(api_client, operator):
    # R-AUD-1a: every path that shows plate data states its purpose and case number through the same check.
    api_client.force_authenticate(operator)
    response = api_client.get("/api/v1/hits/", {"purpose": "wanted_persons", "case_number": "SHIFT\n7"})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == CASE_NUMBER_CHARACTERS.format(characters="U+000A")
    assert not AccessLog.objects.exists()


def test_the_admin_asks_again_and_logs_nothing(client, sysadmin):
    client.force_login(sysadmin)
    response = client.get(reverse("admin:hotlists_hit_changelist"),
                          {"purpose": "crime_analysis", "case_number": 'A"; filename="x.exe'})
    assert response.status_code == 400
    assert escape(CASE_NUMBER_CHARACTERS.format(characters="“\"”, “;”, “=”")) in response.content.decode()
    assert not AccessLog.objects.exists()


def test_an_agency_format_cannot_be_widened_to_other_characters(investigator):
    # The formats are checked after the characters: a pattern that would accept a line break accepts nothing more.
    CaseNumberFormat.objects.create(agency=investigator.agency, kind=CaseNumberKind.CASE, pattern=r"\d+.?\d+",
                                    example="24-1")
    with pytest.raises(ApplicationError) as refused:
        access_log_record(user=investigator, action="reads.search", data_elements={}, purpose="crime_analysis",
                          case_number="24\n1", result_count=0)
    assert refused.value.code == "case_number_characters"
    assert access_log_record(user=investigator, action="reads.search", data_elements={}, **SEARCH,
                             result_count=0).case_number == "24-001234"


def test_an_agency_format_whose_example_the_access_log_refuses_is_refused_when_configured(investigator):
    from django.core.exceptions import ValidationError

    item = CaseNumberFormat(agency=investigator.agency, kind=CaseNumberKind.CASE, pattern=r"[A-Z]+;\d+",
                            example="AB;12")
    with pytest.raises(ValidationError) as refused:
        item.full_clean()
    assert refused.value.message_dict == {"example": [CASE_NUMBER_CHARACTERS.format(characters="“;”")]}
