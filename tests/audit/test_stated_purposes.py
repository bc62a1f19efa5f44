"""R-PURP: a purpose is parsed by ``purpose_validate`` wherever it is stated, so `` prosecution `` means the same in
the search as in the hits API, and an unknown purpose gets the same message from both.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.audit.models import AccessLog
from apps.audit.services import PURPOSE_NOT_AUTHORIZED

pytestmark = pytest.mark.django_db


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
