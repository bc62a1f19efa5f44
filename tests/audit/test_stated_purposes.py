"""The purposes a person may state, and one parsing of them everywhere.

R-ACC-1: the portal's own review purposes belong to roles — "Custodian of records review" to the custodian of
records, "Oversight or audit review" to the people who review the portal's use — and are offered and accepted only for
them. R-READ-3: read data itself (hits, corrections) is only ever shown under an authorized purpose and a case number
the agency's formats accept; choosing a review purpose does not side-step them. Found by a security test (2026-12): a
system administrator opened ``/admin/hotlists/hit/?purpose=records_review&case_number=whatever``.

R-PURP: a purpose is parsed by ``purpose_validate`` wherever it is stated, so `` prosecution `` means the same in the
search as in the hits API, and an unknown purpose gets the same message from both.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from apps.accounts.roles import Role
from apps.accounts.services import user_roles_apply
from apps.audit.access_context import PURPOSE_NOT_YOURS
from apps.audit.models import AccessLog
from apps.audit.services import PURPOSE_NOT_AUTHORIZED, PURPOSE_NOT_FOR_READ_DATA
from apps.misuse.casenumbers import CASE_NUMBER_FORMAT
from apps.misuse.choices import CaseNumberKind
from apps.misuse.models import CaseNumberFormat

pytestmark = pytest.mark.django_db

HITS_ADMIN = "admin:hotlists_hit_changelist"
ACCESS_LOG_ADMIN = "admin:audit_accesslog_changelist"


def _offered(response) -> set[str]:
    html = response.content.decode()
    return {value for value in ("records_review", "oversight_audit", "crime_analysis") if f'value="{value}"' in html}


def test_a_system_administrator_cannot_state_the_custodians_purpose(client, sysadmin):
    client.force_login(sysadmin)
    label = "Custodian of records review"
    for screen, message in ((HITS_ADMIN, PURPOSE_NOT_FOR_READ_DATA.format(purpose=label)),
                            (ACCESS_LOG_ADMIN, PURPOSE_NOT_YOURS.format(purpose=label, roles="Custodian of records"))):
        response = client.get(reverse(screen), {"purpose": "records_review", "case_number": "whatever"})
        assert response.status_code == 400
        assert escape(message) in response.content.decode()
    assert not AccessLog.objects.exists()


def test_review_purposes_are_offered_only_to_their_roles_and_only_beside_the_audit_trail(client, sysadmin, custodian):
    client.force_login(sysadmin)
    assert _offered(client.get(reverse(HITS_ADMIN))) == {"crime_analysis"}
    assert _offered(client.get(reverse(ACCESS_LOG_ADMIN))) == {"crime_analysis", "oversight_audit"}
    client.force_login(custodian)
    assert _offered(client.get(reverse(ACCESS_LOG_ADMIN))) == {"crime_analysis", "oversight_audit", "records_review"}
    assert not AccessLog.objects.exists()


def test_a_review_purpose_does_not_open_read_data(client, make_user):
    # R-READ-3: a person who holds both roles still looks at hits only under an authorized purpose.
    both = make_user(Role.CUSTODIAN)
    user_roles_apply(both, [Role.CUSTODIAN, Role.INVESTIGATOR])
    client.force_login(both)
    for purpose in ("records_review", "oversight_audit"):
        response = client.get(reverse(HITS_ADMIN), {"purpose": purpose, "case_number": "whatever"})
        assert response.status_code == 400
        label = {"records_review": "Custodian of records review", "oversight_audit": "Oversight or audit review"}
        assert escape(PURPOSE_NOT_FOR_READ_DATA.format(purpose=label[purpose])) in response.content.decode()
    assert not AccessLog.objects.exists()
    # Stated beside the audit trail, it is remembered there, and the hits screen asks again rather than use it.
    assert client.get(reverse(ACCESS_LOG_ADMIN), {"purpose": "records_review",
                                                  "case_number": "PRA-2026-7"}).status_code == 302
    assert client.get(reverse(ACCESS_LOG_ADMIN)).status_code == 200
    asked = client.get(reverse(HITS_ADMIN))
    assert asked.status_code == 200 and 'name="case_number"' in asked.content.decode()
    row = AccessLog.objects.get()
    assert (row.purpose, row.case_number, row.action) == ("records_review", "PRA-2026-7",
                                                          "admin.audit.accesslog.audit_accesslog_changelist")


def test_the_agency_formats_hold_on_read_data_whatever_the_purpose(client, sysadmin):
    CaseNumberFormat.objects.create(agency=sysadmin.agency, kind=CaseNumberKind.CASE, pattern=r"\d{4}-\d{6}",
                                    example="2026-000123")
    client.force_login(sysadmin)
    refused = client.get(reverse(HITS_ADMIN), {"purpose": "crime_analysis", "case_number": "whatever"})
    assert refused.status_code == 400
    assert escape(CASE_NUMBER_FORMAT.format(number="whatever", expected="a case number like 2026-000123")) in (
        refused.content.decode())
    for purpose in ("records_review", "oversight_audit"):
        assert client.get(reverse(HITS_ADMIN), {"purpose": purpose, "case_number": "whatever"}).status_code == 400
    assert not AccessLog.objects.exists()
    assert client.get(reverse(HITS_ADMIN), {"purpose": "crime_analysis",
                                            "case_number": "2026-000123"}).status_code == 302
    assert client.get(reverse(HITS_ADMIN)).status_code == 200
    row = AccessLog.objects.get()
    assert (row.purpose, row.case_number) == ("crime_analysis", "2026-000123")


def test_the_custodian_still_reviews_the_audit_trail_under_records_review(client, custodian):
    client.force_login(custodian)
    assert client.get(reverse(ACCESS_LOG_ADMIN), {"purpose": "records_review",
                                                  "case_number": "PRA-2026-7"}).status_code == 302
    assert client.get(reverse(ACCESS_LOG_ADMIN)).status_code == 200
    row = AccessLog.objects.get()
    assert (row.username, row.purpose, row.case_number) == (custodian.username, "records_review", "PRA-2026-7")


# --- one parsing of the purpose (R-PURP) ------------------------------------------------------------------------


def test_a_purpose_with_spaces_means_the_same_in_the_search_and_the_hits_api(api_client, investigator, operator):
    api_client.force_authenticate(investigator)
    search = api_client.get("/api/v1/reads/search/", {"plate": "7ABC123", "purpose": " prosecution ",
                                                      "case_number": "24-001234"})
    assert search.status_code == 200, search.content
    api_client.force_authenticate(operator)
    hits = api_client.get("/api/v1/hits/", {"purpose": " prosecution ", "case_number": "SHIFT-7"})
    assert hits.status_code == 200, hits.content
    assert AccessLog.objects.get().purpose == "prosecution"  # the search's row (no hits to show, none logged)


def test_the_search_page_takes_it_too(client, investigator):
    client.force_login(investigator)
    response = client.get(reverse("reads:search"), {"plate": "7ABC123", "purpose": " prosecution ",
                                                    "case_number": "24-001234"})
    assert response.status_code == 200 and "is not an authorized purpose" not in response.content.decode()
    row = AccessLog.objects.get()
    assert (row.action, row.purpose) == ("reads.search", "prosecution")


@pytest.mark.parametrize(("purpose", "message"), [
    ("bogus", PURPOSE_NOT_AUTHORIZED.format(purpose="bogus")),
    ("civil_immigration_enforcement", PURPOSE_NOT_AUTHORIZED.format(purpose="civil_immigration_enforcement")),
    ("records_review", PURPOSE_NOT_FOR_READ_DATA.format(purpose="Custodian of records review")),
])
def test_an_unknown_purpose_gets_the_same_answer_from_the_search_and_the_hits_api(api_client, investigator,
                                                                                   operator, purpose, message):
    answers = []
    for person, url in ((investigator, "/api/v1/reads/search/"), (operator, "/api/v1/hits/")):
        api_client.force_authenticate(person)
        response = api_client.get(url, {"plate": "7ABC123", "purpose": purpose, "case_number": "24-001234"})
        assert response.status_code == 400
        error = response.json()["error"]
        answers.append((error["code"], error["message"]))
    assert answers[0] == answers[1] == ("purpose_not_authorized", message)
    assert not AccessLog.objects.exists()
