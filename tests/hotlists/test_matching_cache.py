"""R-HOT-3 with what each process keeps of a list version (issue #19): the exact plates of the version (a filter: the
database still decides, live, whether an entry matches) and its compiled partial patterns. A list edited is matched as
edited from the very next batch, and no cached version ever makes an expired, removed or deleted entry match."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.hotlists.matching import matcher_cache
from apps.hotlists.models import Hit, HotListEntry
from apps.hotlists.services.lists import hot_list_entry_add, hot_list_entry_remove
from apps.reads.models import Read
from tests.hotlists.conftest import csv_of, soon

pytestmark = pytest.mark.django_db


def _hits(read_ids):
    return sorted(Hit.objects.filter(read_id__in=read_ids).values_list("plate", "entry__plate_pattern"))


def test_an_edited_list_is_matched_as_edited_from_the_next_batch(make_list, ingest, list_manager):
    hot_list = make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},x", f"8XYZ*,,bolo,3,26-2,{soon()},x"))
    assert _hits(ingest([("7ABC123", 9), ("8XYZ789", 9), ("6TRJ244", 9), ("5KLM001", 9)])) == [
        ("7ABC123", "7ABC123"), ("8XYZ789", "8XYZ*")]
    # One entry added, exact and partial, one removed of each: each edit is a new version, so the cache misses.
    hot_list_entry_add(actor=list_manager, hot_list=hot_list, plate="6TRJ244", reason="stolen_vehicle",
                       expires=soon(), justification="Reported stolen this morning.")
    hot_list_entry_add(actor=list_manager, hot_list=hot_list, plate="5KLM00?", reason="stolen_plate",
                       expires=soon(), justification="Plate stolen from a rental car.")
    for pattern in ("7ABC123", "8XYZ*"):
        hot_list_entry_remove(actor=list_manager, entry=HotListEntry.objects.get(plate_pattern=pattern),
                              reason="Vehicle recovered.")
    assert _hits(ingest([("7ABC123", 8), ("8XYZ789", 8), ("6TRJ244", 8), ("5KLM001", 8)])) == [
        ("5KLM001", "5KLM00?"), ("6TRJ244", "6TRJ244")]


def test_no_cached_version_makes_an_expired_or_deleted_entry_match(make_list, ingest):
    """The version stays cached while entries expire (no new version): the exact ones are then refused by the
    database, the partial ones by the clock; an expired entry that retention deleted is never referred to."""
    expiry = timezone.localtime(timezone.now() + timedelta(seconds=2)).replace(tzinfo=None).isoformat()
    make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{expiry},x", f"4DEF567,CA,stolen vehicle,2,26-3,{expiry},x",
                     f"8XYZ*,,bolo,3,26-2,{expiry},x"))
    assert _hits(ingest([("7ABC123", 5), ("8XYZ789", 5)])) == [("7ABC123", "7ABC123"), ("8XYZ789", "8XYZ*")]
    (compiled,) = matcher_cache._versions.values()
    assert "4DEF567" in compiled.exact_plates
    time.sleep(2.2)
    HotListEntry.objects.filter(plate_pattern="4DEF567").delete()  # as retention does, once expired and unreferenced
    assert _hits(ingest([("7ABC123", 4), ("8XYZ789", 4), ("4DEF567", 4)])) == []
    assert list(matcher_cache._versions.values()) == [compiled], "the same version, still cached"


def test_only_the_listed_plates_of_a_batch_are_asked_of_the_database(make_list, ingest, camera):
    """The version's exact plates filter the batch: a batch with no listed plate sends no exact-entry probe, and one
    with a listed plate sends one, for that plate only."""
    from apps.reads.services.ingest import read_batch_ingest

    make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},x"))
    ingest([("6TRJ244", 9)])  # compiles the version
    now = timezone.now()
    for n, (plates, probes, hits) in enumerate(((["5KLM001", "6TRJ245"], 0, []),
                                                (["5KLM002", "7ABC123"], 1, [("7ABC123", "7ABC123")]))):
        items = [{"plate": plate, "captured_at": (now - timedelta(minutes=3)).isoformat(), "read_id": f"f-{n}-{plate}"}
                 for plate in plates]
        with CaptureQueriesContext(connection) as queries:
            result = read_batch_ingest(camera=camera, items=items)
        sent = [q["sql"] for q in queries.captured_queries if "NOT x.is_partial" in q["sql"]]
        assert len(sent) == probes and _hits([r.id for r in result.results]) == hits
        if probes:
            assert "7ABC123" in sent[0] and "5KLM002" not in sent[0]


def test_a_hit_is_stored_as_the_model_would_store_it_once(make_list, ingest):
    make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},x", f"7AB?12*,,felony_vehicle,1,26-2,{soon()},x"))
    (read_id,) = ingest([("7ABC123", 5)])
    read = Read.objects.get(pk=read_id)
    hits = list(Hit.objects.filter(read=read).order_by("priority"))
    assert [(h.entry.plate_pattern, h.priority, h.version_id) for h in hits] == [
        ("7AB?12*", 1, hits[0].hot_list.current_version_id), ("7ABC123", 2, hits[0].hot_list.current_version_id)]
    blank = Hit()
    for hit in hits:
        hit.full_clean()
        assert (hit.status, hit.camera_id, hit.plate, hit.captured_at) == ("new", read.camera_id, "7ABC123",
                                                                          read.captured_at)
        assert hit.matched_at == hit.updated_at
        for name in ("confirmed_by_id", "confirmed_at", "confirmation_method", "confirmation_result",
                     "confirmation_note", "confirmation_reference", "exigent_justification", "exigent_reviewed_by_id",
                     "exigent_reviewed_at", "exigent_review_outcome", "exigent_review_note", "dismissed_by_id",
                     "dismissed_at", "dismissal_note", "action", "action_by_id", "action_at", "action_note"):
            assert getattr(hit, name) == getattr(blank, name), name


def test_a_hit_may_only_refer_to_a_read_that_exists(make_list, ingest):
    """The hit's own deferred check (migration hotlists.0006) finds the read by id and capture time, and by id alone
    when the times differ: the rule is the foreign key's, whichever way the read is found."""
    make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},x"))
    (read_id,) = ingest([("7ABC123", 5)])
    hit = Hit.objects.get(read_id=read_id)
    fields = {f.attname: getattr(hit, f.attname) for f in Hit._meta.concrete_fields if not f.primary_key}
    hit.delete()
    with transaction.atomic():  # another capture time than the read's: still found, by id
        Hit.objects.create(**{**fields, "captured_at": hit.captured_at - timedelta(days=400)})
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(IntegrityError, match="refers to no read"), transaction.atomic():
        Hit.objects.create(**{**fields, "read_id": read_id + 10_000, "entry_id": hit.entry_id})
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
