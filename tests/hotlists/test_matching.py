"""R-HOT-3 matching: exact and partial entries hit exactly the right reads; expired entries, stale external lists,
partner lists without an agreement, removed entries and inactive lists never match."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.hotlists.choices import HotListSource
from apps.hotlists.matching import ReadRow, compile_version, match_rows, pattern_anchor
from apps.hotlists.models import Hit, HotList, HotListEntry
from apps.hotlists.services.hit_matching import hits_match_reads
from apps.hotlists.services.lists import hot_list_entry_add, hot_list_entry_remove, hot_list_update
from apps.reads.plates import PlatePattern
from tests.factories import AgencyFactory
from tests.hotlists.conftest import csv_of, soon
from tests.reads.conftest import correction_context

pytestmark = pytest.mark.django_db


def _hit_plates(hot_list=None):
    hits = Hit.objects.all() if hot_list is None else Hit.objects.filter(hot_list=hot_list)
    return sorted((h.plate, h.entry.plate_pattern) for h in hits.select_related("entry"))


def test_exact_and_partial_entries_match_the_right_reads_and_only_them(make_list, ingest):
    hot_list = make_list(csv_of(
        f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},exact",
        f"7AB?12*,,felony_vehicle,1,26-2,{soon()},one unknown then any run",
        f"*XYZ9,,bolo,3,26-3,{soon()},suffix",
        f"*QQ?Q*,,bolo,3,26-4,{soon()},infix without an anchor",
    ))
    ingest([("7ABC123", 5), ("7ABD12", 4), ("7ABD129", 4), ("7AB12", 4), ("7ABCD123", 3), ("8ABC123", 3),
            ("1XYZ9", 2), ("1XYZ99", 2), ("AQQZQB", 1), ("QQQ", 1), ("6TRJ244", 1)])
    assert _hit_plates(hot_list) == [
        ("1XYZ9", "*XYZ9"),
        ("7ABC123", "7AB?12*"),  # the exact plate also fits the partial pattern: two entries, two hits
        ("7ABC123", "7ABC123"),
        ("7ABD12", "7AB?12*"),  # * matches the empty run
        ("7ABD129", "7AB?12*"),
        ("AQQZQB", "*QQ?Q*"),
    ]
    hit = Hit.objects.get(plate="7ABC123", entry__plate_pattern="7ABC123")
    assert hit.version_id == hot_list.current_version_id and hit.priority == 2 and hit.status == "new"
    assert hit.camera_id == hit.read.camera_id and hit.captured_at == hit.read.captured_at


def test_in_memory_matching_agrees_with_the_reads_pattern_semantics():
    """One implementation of ? and *: the matcher's index must never change what PlatePattern.regex() says."""
    patterns = ["7AB?12*", "*123", "?ABC123", "7*Z", "*AB?C*", "A?C", "8XYZ*", "*1?3", "12*34*56", "*Q?Q?Q*",
                "*ABC*", "*B*"]
    plates = ["7ABC123", "7ABX12", "7AB12", "123", "X123", "ZABC123", "ABC123", "7Z", "7QQZ", "AB1C", "XXABQC",
              "ABC", "A1C", "8XYZ", "8XYZ789", "9123", "1Z3", "123456", "12X34Y56", "1234", "7ABC1234",
              "QAQBQ", "ZZABCZZ", "BBB", "ABAB"]
    far = timezone.now() + timedelta(days=1)
    compiled = compile_version(1, [(i, 1, p, True, "", far, 3) for i, p in enumerate(patterns)])
    rows = [ReadRow(n, plate, "", 1, timezone.now()) for n, plate in enumerate(plates)]
    found = {(read.plate, ref.pattern) for read, ref in match_rows(rows, [compiled], now_ts=timezone.now().timestamp())}
    expected = {(plate, p) for plate in plates for p in patterns if PlatePattern(p).regex().fullmatch(plate)}
    assert found == expected and expected


def test_pattern_anchor_picks_the_side_that_pins_more_characters():
    assert pattern_anchor("7AB?12*") == ("head", (0, 1, 2), ("7", "A", "B"))
    assert pattern_anchor("*XYZ9") == ("tail", (-1, -2, -3), ("9", "Z", "Y"))
    assert pattern_anchor("?A*BCD") == ("tail", (-1, -2, -3), ("D", "C", "B"))
    assert pattern_anchor("*QQ?Q*") is None


def test_state_must_agree_when_both_are_known(make_list, ingest):
    hot_list = make_list(csv_of(f"7ABC123,NV,stolen vehicle,2,26-1,{soon()},Nevada plate"))
    ingest([("7ABC123", 3, "CA"), ("7ABC123", 2, "us-nv"), ("7ABC123", 1, "")])
    assert sorted(Hit.objects.filter(hot_list=hot_list).values_list("read__region", flat=True)) == ["", "US-NV"]


def test_expired_entries_never_match(make_list, ingest, list_manager):
    """Expiry is checked per match against the clock: an entry stops matching by itself, with no job and no new
    version (the compiled version stays cached)."""
    import time

    expiry = timezone.localtime(timezone.now() + timedelta(seconds=2)).replace(tzinfo=None).isoformat()
    make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{expiry},x", f"8XYZ*,,bolo,3,26-2,{expiry},x",
                     f"6TRJ244,CA,stolen vehicle,2,26-3,{soon()},x"))
    ingest([("7ABC123", 5), ("8XYZ789", 5)])
    assert Hit.objects.count() == 2
    time.sleep(2.2)
    ingest([("7ABC123", 4), ("8XYZ789", 4), ("6TRJ244", 4)])
    assert sorted(Hit.objects.values_list("plate", flat=True)) == ["6TRJ244", "7ABC123", "8XYZ789"]


def test_a_stale_external_list_never_matches_and_resumes_after_a_refresh(make_list, ingest, settings):
    doj = make_list(csv_of(f"6TRJ244,CA,stolen vehicle,2,SVS-1,{soon()},x"), source=HotListSource.CA_DOJ)
    ingest([("6TRJ244", 5)])
    assert Hit.objects.filter(hot_list=doj).count() == 1
    HotList.objects.filter(pk=doj.pk).update(last_refreshed_at=timezone.now() - timedelta(hours=24, seconds=1))
    ingest([("6TRJ244", 4)])
    assert Hit.objects.filter(hot_list=doj).count() == 1, "a list 24 hours old must not match (R-HOT-2)"
    settings.PORTAL = {**settings.PORTAL, "PARTNER_HOTLIST_MAX_AGE_HOURS": 48}
    ingest([("6TRJ244", 3)])
    assert Hit.objects.filter(hot_list=doj).count() == 2, "the limit is a setting, read at match time"


def test_own_lists_never_go_stale(make_list, ingest):
    own = make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},x"))
    HotList.objects.filter(pk=own.pk).update(last_refreshed_at=timezone.now() - timedelta(days=10))
    ingest([("7ABC123", 5)])
    assert Hit.objects.filter(hot_list=own).count() == 1


def test_a_partner_list_needs_an_agreement_in_force(make_list, list_manager):
    from apps.common.errors import ApplicationError
    from apps.hotlists.services.lists import PARTNER_NEEDS_AGREEMENT

    partner = AgencyFactory(name="Seal Beach Police Department")
    with pytest.raises(ApplicationError) as caught:
        make_list(source=HotListSource.PARTNER, agency=partner)
    assert caught.value.message == PARTNER_NEEDS_AGREEMENT.format(agency=partner)


def test_a_partner_list_stops_matching_when_its_agreement_lapses(make_list, ingest, monkeypatch):
    from apps.hotlists import selectors

    partner = AgencyFactory(name="Seal Beach Police Department")
    in_force = {"value": True}
    monkeypatch.setattr("apps.agreements.selectors.agreement_in_force_for",
                        lambda *, agency, day=None: object() if in_force["value"] else None)
    shared = make_list(csv_of(f"9LAP100,CA,felony_vehicle,2,P-1,{soon()},x"), source=HotListSource.PARTNER,
                       agency=partner)
    ingest([("9LAP100", 5)])
    assert Hit.objects.filter(hot_list=shared).count() == 1
    in_force["value"] = False
    selectors.agreement_cache.clear()
    ingest([("9LAP100", 4)])
    assert Hit.objects.filter(hot_list=shared).count() == 1
    assert selectors.hot_list_state(shared).matching is False


def test_removed_entries_and_inactive_lists_do_not_match_and_new_versions_do(make_list, ingest, list_manager):
    hot_list = make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},x"))
    ingest([("7ABC123", 9)])
    entry = HotListEntry.objects.get(hot_list=hot_list, plate_pattern="7ABC123")
    hot_list_entry_remove(actor=list_manager, entry=entry, reason="Vehicle recovered.")
    hot_list_entry_add(actor=list_manager, hot_list=hot_list, plate="5KLM00?", reason="stolen_plate",
                       expires=soon(), justification="Plate stolen from a rental car.")
    ingest([("7ABC123", 8), ("5KLM001", 8)])
    assert _hit_plates(hot_list) == [("5KLM001", "5KLM00?"), ("7ABC123", "7ABC123")]
    hot_list_update(actor=list_manager, hot_list=hot_list, active=False)
    ingest([("5KLM002", 7)])
    assert Hit.objects.filter(plate="5KLM002").count() == 0


def test_matching_is_idempotent(make_list, ingest):
    make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},x"))
    ids = ingest([("7ABC123", 5)])
    assert hits_match_reads(read_ids=ids) == []
    assert Hit.objects.count() == 1


def test_matching_errors_never_lose_the_reads(make_list, camera, monkeypatch, django_capture_on_commit_callbacks):
    from apps.reads.models import Read
    from apps.reads.services.ingest import read_batch_ingest

    make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},x"))
    monkeypatch.setattr("apps.hotlists.services.hit_matching._match", lambda ids, **kwargs: 1 / 0)
    scheduled = []
    monkeypatch.setattr("apps.hotlists.tasks.hits_match_reads_task.delay", lambda **kw: scheduled.append(kw))
    with django_capture_on_commit_callbacks(execute=True):
        items = [{"plate": "7ABC123", "captured_at": timezone.now().isoformat()}]
        result = read_batch_ingest(camera=camera, items=items)
        ids = [r.id for r in result.results]
        assert hits_match_reads(read_ids=ids) == []
    assert Read.objects.filter(pk__in=ids).count() == 1
    assert scheduled and scheduled[-1] == {"read_ids": ids}


def test_a_correction_matches_the_corrected_plate_at_once(make_list, ingest, list_manager):
    """R-HOT-5: a misread hid a wanted plate (camera read 7ABC123 for 7A8C123); correcting the read raises the hit
    now, and correcting it twice never raises it twice."""
    from apps.reads.models import Read
    from apps.reads.services.corrections import read_correct

    hot_list = make_list(csv_of(f"7A8C123,CA,stolen vehicle,2,26-9,{soon()},plate from the victim"))
    (read_id,) = ingest([("7ABC123", 5)])
    assert _hit_plates(hot_list) == []
    read_correct(actor=list_manager, read=Read.objects.get(pk=read_id), corrected_plate="7A8C123",
                 context=correction_context(),
                 reason="The crop shows an 8 where the camera read B.")
    assert _hit_plates(hot_list) == [("7A8C123", "7A8C123")]
    hits_match_reads(read_ids=[read_id])
    assert Hit.objects.filter(read_id=read_id).count() == 1


def test_ingest_matches_the_reads_as_it_stored_them_and_never_reads_them_back(make_list, camera):
    """Issue #19: the ingest hook hands the stored rows to matching, which reads only the exact entries in force for
    the batch's plates (one statement) — re-reading the batch from reads_read cost the database more than matching
    (with monthly partitions, every partition was probed per read). (A read stored flagged out of service is not
    matched either: test_out_of_service.py, R-READ-5a.)"""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.reads.services.ingest import read_batch_ingest

    make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},x", f"8XYZ*,,bolo,3,26-2,{soon()},x"))
    now = timezone.now()
    items = [{"plate": plate, "captured_at": (now - timedelta(minutes=n)).isoformat(), "region": "CA",
              "read_id": f"m-{n}"} for n, plate in enumerate(["7ABC123", "8XYZ789", "6TRJ244", "7ABC123"], start=1)]
    with CaptureQueriesContext(connection) as queries:
        assert read_batch_ingest(camera=camera, items=items).stored == 4
    assert _hit_plates() == [("7ABC123", "7ABC123"), ("7ABC123", "7ABC123"), ("8XYZ789", "8XYZ*")]
    selects = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    # Only the duplicate check (by source_read_id) reads reads_read; matching does not.
    assert [sql for sql in selects if "reads_read" in sql and "source_read_id" not in sql] == []
    assert len([sql for sql in selects if "hotlists_hotlistentry" in sql and "NOT x.is_partial" in sql]) == 1


def test_the_exact_probe_is_one_index_probe_per_plate_whatever_the_statistics(make_list):
    """Right after an import the entries table has no statistics (ANALYZE runs after commit). The exact probe must
    still be one probe of hotlistentry_exact_current per plate of the batch, analyzed or not: as ``plate_pattern =
    ANY(...)`` it read every entry in force of the list instead (through hotlistentry_current, or a table scan)."""
    from django.db import connection

    from apps.hotlists.services.hit_matching import _EXACT_ENTRIES_SQL

    make_list(csv_of(*(f"{n}ABC{n % 1000:03d},CA,stolen vehicle,2,26-{n},{soon()},x" for n in range(1000, 4000))))
    plates = [f"{n}ABC{n % 1000:03d}" for n in range(1000, 5000, 4)]  # 750 listed, 250 not

    def nodes(node):
        yield node
        for child in node.get("Plans", []):
            yield from nodes(child)

    for analyzed in (False, True):
        with connection.cursor() as cursor:
            if analyzed:
                cursor.execute("ANALYZE hotlists_hotlistentry")
            cursor.execute("EXPLAIN (FORMAT JSON, ANALYZE) " + _EXACT_ENTRIES_SQL, [",".join(plates), timezone.now()])
            plan = cursor.fetchone()[0]
            cursor.execute(_EXACT_ENTRIES_SQL, [",".join(plates), timezone.now()])
            assert len(cursor.fetchall()) == 750
        scans = [n for n in nodes(plan[0]["Plan"]) if n.get("Relation Name") == "hotlists_hotlistentry"]
        assert [(n["Node Type"], n.get("Index Name"), n["Actual Loops"]) for n in scans] == [
            ("Index Scan", "hotlistentry_exact_current", len(plates))], (analyzed, scans)
        assert scans[0]["Actual Rows"] <= 1 and not scans[0].get("Rows Removed by Filter"), (analyzed, scans)
