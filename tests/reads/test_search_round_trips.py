"""Round trips of one search (issue #19): an exact plate search sends a fixed, small number of statements, and its
access-log row (R-AUD-1) is still committed before any read is handed back (R-READ-3)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from apps.audit.models import AccessLog
from apps.reads import selectors
from apps.reads.models import Read
from apps.reads.selectors import read_search, read_search_build
from tests.reads.conftest import SEARCH, read_ids_probed, read_load_plan

# One exact search by a person the request's gate has already checked (permissions, roles and the background check
# found on record, R-ACC-6, are remembered on the user object): the agency's case-number forms (R-READ-3, once),
# BEGIN, the plate's months with the statement timeout, the count with the page, the chain lock with the log's head,
# the log row, COMMIT, and the page's reads. Before issue #19's round-trip work the same search sent 13 (the
# background check again, the case-number forms twice, a savepoint and its release, the lock and the head apart).
EXACT_SEARCH_STATEMENTS = 8


def _search(user, plate="7ABC123", days=200):
    start = timezone.now() - timedelta(days=days)  # several months: the page spans several partitions
    return read_search(user=user, search=read_search_build(plate=plate, start=start), page_size=50, **SEARCH)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL statements")
@pytest.mark.django_db(transaction=True)  # as in production: the search's transaction is the outermost (no savepoint)
def test_an_exact_search_is_a_fixed_number_of_statements(
    investigator, store_reads, camera, django_assert_max_num_queries
):
    store_reads([("7ABC123", 5), ("7ABC123", 60 * 24 * 40), ("7ABC123", 60 * 24 * 100), ("8XYZ999", 10)])
    _search(investigator)  # what the request's gate loads first (permissions, roles, the background check)
    with django_assert_max_num_queries(EXACT_SEARCH_STATEMENTS):
        result = _search(investigator)
        # the page comes with its cameras: showing them sends nothing more
        shown = [(read.plate_current, read.camera.name) for read in result.reads]
    assert result.total == 3 and shown == [("7ABC123", camera.name)] * 3
    assert [read.captured_at for read in result.reads] == sorted((r.captured_at for r in result.reads), reverse=True)
    assert AccessLog.objects.latest("seq").result_count == 3

    # a plate never read in the window: no matching query at all, and still one log row
    with django_assert_max_num_queries(EXACT_SEARCH_STATEMENTS - 1):
        nothing = _search(investigator, plate="9ZZZ999")
    assert (nothing.total, nothing.reads) == (0, [])
    assert AccessLog.objects.latest("seq").data_elements["plate_pattern"] == "9ZZZ999"


@pytest.mark.django_db(transaction=True)
def test_the_log_row_is_committed_before_a_read_is_handed_back(investigator, store_reads, monkeypatch):
    store_reads([("7ABC123", 5), ("7ABC123", 50)])
    seen = {}

    def another_session_counts():
        try:
            seen["rows"] = AccessLog.objects.filter(action="reads.search").count()
        finally:
            connections.close_all()

    original = selectors.read_match_notes

    def notes_after_the_commit(*, search, reads):  # runs once the reads are in hand, before they are returned
        reader = threading.Thread(target=another_session_counts)
        reader.start()
        reader.join(10)
        seen["reads"] = len(reads)
        return original(search=search, reads=reads)

    monkeypatch.setattr(selectors, "read_match_notes", notes_after_the_commit)
    result = _search(investigator)
    assert result.total == 2 and seen == {"rows": 1, "reads": 2}


def _page_plan(investigator, plate: str):
    """(the search's page of reads, the EXPLAIN of the statement that loaded it)."""
    return read_load_plan(lambda: read_search(user=investigator, search=read_search_build(
        plate=plate, start=timezone.now() - timedelta(days=90)), page_size=50, **SEARCH))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
@pytest.mark.django_db(transaction=True)
def test_a_searchs_page_probes_each_read_in_its_own_month_only(investigator, store_reads):
    """Issue #19: looked up by all its ids in all its months, a page probed the primary key ``(id, captured_at)`` for
    every id in every month of the page (PostgreSQL 15 takes only the ids as index condition): a page of 50 reads over
    4 months read 200 key pages for 50 rows, and at 100M reads those pages are not in memory. An exact search's page
    now goes through ``read_plate_time``, whose pages the matching statement has just read; any other search's is one
    arm per month, each probing the key with that month's ids only."""
    store_reads([("7ABC123", 5), ("7ABC124", 60 * 24 * 40), ("7ABC123", 60 * 24 * 40 + 1), ("7ABC123", 60 * 24 * 100),
                 ("8XYZ999", 10)])

    exact, plan = _page_plan(investigator, "7ABC123")
    assert exact.total == 2 and {read.plate_current for read in exact.reads} == {"7ABC123"}
    assert "read_plate_time" in plan and "reads_read_pkey" not in plan, plan

    partial, plan = _page_plan(investigator, "7ABC12?")
    assert partial.total == 3 and [read.camera.name for read in partial.reads]  # the cameras come with the page
    # each id probed once, in its own month
    assert sorted(read_ids_probed(plan)) == sorted(read.pk for read in partial.reads), plan


@pytest.mark.django_db(transaction=True)
def test_a_read_corrected_between_matching_and_loading_still_shows_on_the_page(investigator, store_reads,
                                                                              monkeypatch):
    """The page is loaded after the log row's commit; a correction committed in between changes the read's plate.
    The read matched and was counted, so the page still shows it (looked up by id), as it is now."""
    ids = store_reads([("7ABC123", 5), ("7ABC123", 60 * 24 * 40)])
    original = selectors._matching_rows

    def matching_then_corrected(*args, **kwargs):
        found = original(*args, **kwargs)
        Read.objects.filter(pk=ids[0]).update(plate_current="7ABC128")
        return found

    monkeypatch.setattr(selectors, "_matching_rows", matching_then_corrected)
    result = _search(investigator)
    assert result.total == 2
    assert sorted((read.pk, read.plate_current) for read in result.reads) == sorted(
        [(ids[0], "7ABC128"), (ids[1], "7ABC123")])
