"""R-READ-3: a search is refused with a clear message, never a 500, when its page number is hostile. Found by the
helper-5 attack (2026-12-05): ``page=99999999999999999999`` made the offset overflow PostgreSQL's bigint, and the
search page, the search API and a hot-list entry's back-search answered 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.audit.models import AccessLog
from apps.common.errors import ApplicationError
from apps.reads.selectors import PAGE_OUT_OF_RANGE, READ_SEARCH_PAGE_MAX, read_search, read_search_build
from tests.reads.conftest import SEARCH

pytestmark = pytest.mark.django_db

HUGE_PAGES = ["99999999999999999999", "9223372036854775807", str(READ_SEARCH_PAGE_MAX + 1)]


@pytest.mark.parametrize("page", HUGE_PAGES)
def test_search_page_refuses_a_page_past_the_last_possible_one(client, investigator, store_reads, page):
    store_reads([("7ABC123", 5)])
    client.force_login(investigator)
    response = client.get(reverse("reads:search"), {"plate": "7ABC123", "page": page, **SEARCH})
    assert response.status_code == 200
    html = response.content.decode()
    assert PAGE_OUT_OF_RANGE in html and "7ABC123</strong>" not in html
    assert AccessLog.objects.count() == 0


@pytest.mark.parametrize("page", HUGE_PAGES)
def test_search_api_answers_400_for_a_page_past_the_last_possible_one(api_client, investigator, store_reads, page):
    store_reads([("7ABC123", 5)])
    api_client.force_authenticate(investigator)
    response = api_client.get("/api/v1/reads/search/", {"plate": "7ABC123", "page": page, **SEARCH})
    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"]["fields"]["__all__"] == [PAGE_OUT_OF_RANGE]
    assert AccessLog.objects.count() == 0


def test_the_selector_refuses_the_page_for_every_caller(investigator, store_reads):
    """The hot-list back-search passes the page straight from the address to ``read_search``."""
    store_reads([("7ABC123", 5)])
    search = read_search_build(plate="7ABC123")
    with pytest.raises(ApplicationError) as refused:
        read_search(user=investigator, search=search, page=10**20, **SEARCH)
    assert refused.value.message == PAGE_OUT_OF_RANGE
    assert AccessLog.objects.count() == 0
    # The last allowed page still answers (empty), logged as every search is.
    assert read_search(user=investigator, search=search, page=READ_SEARCH_PAGE_MAX, page_size=500, **SEARCH).reads == []
    assert AccessLog.objects.count() == 1
