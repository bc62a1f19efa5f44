"""R-AUD-1: the access-log row is written before anything is shown, so what a person typed must never make writing it
fail. Found by the helper-5 attack (2026-12-05): a NUL character in any filter of the access-log review page
(``/audit/access-log/?case_number=%00``) reached the row's data elements, PostgreSQL's jsonb refused it and the page
answered 500. A NUL is now recorded as the visible symbol ␀, and the chain still verifies."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.audit.models import AccessLog, DomainEvent
from apps.audit.selectors import access_log_verify_chain
from apps.audit.services import NUL_RECORDED_AS, access_log_record, event_record

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["case_number", "plate", "user", "token"])
def test_the_review_page_logs_a_nul_in_a_filter_as_a_visible_symbol(client, custodian, name):
    client.force_login(custodian)
    response = client.get(reverse("audit:access_log"), {name: "24-\x00-1"})
    assert response.status_code == 200
    row = AccessLog.objects.get(action="audit.access_log.review")
    assert row.data_elements["filters"][name] == f"24-{NUL_RECORDED_AS}-1"
    assert access_log_verify_chain().ok


def test_nul_in_keys_and_nested_values_of_any_row_or_event(investigator):
    row = access_log_record(user=investigator, action="reads.search", purpose="investigative_leads",
                            case_number="24-000001", result_count=0,
                            data_elements={"plate_pattern": "7AB\x00", "a\x00": ["x\x00", {"b": "\x00"}]})
    row.refresh_from_db()
    row.data_elements.pop("case_verification")
    assert row.data_elements == {"plate_pattern": f"7AB{NUL_RECORDED_AS}",
                                 f"a{NUL_RECORDED_AS}": [f"x{NUL_RECORDED_AS}", {"b": NUL_RECORDED_AS}]}
    assert access_log_verify_chain().ok
    event = event_record(actor=investigator, code="alprportal.test.nul", data={"reason": "bad\x00input"})
    assert DomainEvent.objects.get(pk=event.pk).data == {"reason": f"bad{NUL_RECORDED_AS}input"}
