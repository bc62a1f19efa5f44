"""Misread-tolerant search (issue #4 item 5): the usual OCR confusions and OCR alternates, marked as such in results
(page and API); the plain search is unchanged; the access log records the option (R-AUD-1)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.audit.models import AccessLog
from apps.ocr.models import ReadAlternate
from apps.ocr.services.processing import ocr_item_process
from apps.ocr.services.uploads import ocr_job_create
from apps.reads.plates import plate_pattern_parse
from apps.reads.selectors import (
    plate_confusion_regex,
    plate_confusion_variants,
    read_search,
    read_search_build,
)
from tests.ocr.conftest import upload
from tests.reads.conftest import SEARCH, correction_context

pytestmark = pytest.mark.django_db


def _search(user, plate, **options):
    result = read_search(user=user, search=read_search_build(plate=plate, **options), page_size=100, **SEARCH)
    return {read.plate_current: read.match_note for read in result.reads}


def test_confusion_expansion():
    assert plate_confusion_variants("B8") == ["BB", "B8", "8B", "88"]
    assert len(plate_confusion_variants("7ABC123")) == 8  # B, 1 and 2 are confusable
    assert plate_confusion_regex(plate_pattern_parse("7AB?1*")) == "^7A[B8].[I1].*$"
    assert len(plate_confusion_variants("O0I1B8S5Z2")) == 1024
    assert plate_confusion_variants("O0I1B8S5Z2G") is None  # too many: the search uses the regex instead


def test_confusions_are_found_and_marked_only_when_asked(investigator, store_reads):
    store_reads([("7A8C123", 1), ("7ABC123", 2), ("7ABCI23", 3), ("7XBC123", 4)])
    assert _search(investigator, "7ABC123") == {"7ABC123": ""}
    assert _search(investigator, "7ABC123", tolerant=True) == {
        "7ABC123": "", "7A8C123": "matched allowing B↔8", "7ABCI23": "matched allowing 1↔I",
    }
    assert _search(investigator, "7A?C12*", tolerant=True) == {
        "7ABC123": "", "7A8C123": "", "7ABCI23": "matched allowing 1↔I",
    }
    log = AccessLog.objects.order_by("-seq").first()
    assert log.data_elements["misread_tolerant"] is True
    plain = AccessLog.objects.order_by("seq").first()
    assert "misread_tolerant" not in plain.data_elements


def test_alternates_are_found_and_marked(investigator, store_reads):
    read_id = store_reads([("7ABC123", 1)])[0]
    ReadAlternate.objects.create(read_id=read_id, text="7ABG128", confidence=0.4, box=[1, 2, 3, 4], rank=2,
                                 engine_version="test")
    assert _search(investigator, "7ABG128") == {}
    assert _search(investigator, "7ABG128", tolerant=True) == {"7ABC123": "matched an alternate (7ABG128)"}
    assert _search(investigator, "7A8G12B", tolerant=True) == {
        "7ABC123": "matched an alternate (7ABG128) allowing 8↔B, B↔8"}
    assert _search(investigator, "7ABG*", tolerant=True) == {"7ABC123": "matched an alternate (7ABG128)"}


def test_uploaded_photo_is_found_by_confusion_and_by_its_alternate(investigator, settings, ocr_engine_loaded,
                                                                   photo_8kxt452):
    job = ocr_job_create(actor=investigator, photos=[upload("b.png", photo_8kxt452)], enqueue=False)
    item = ocr_item_process(item_id=job.items.get().pk)
    assert item.read.plate_current == "8KXT452"
    assert _search(investigator, "BKXT452", tolerant=True) == {"8KXT452": "matched allowing B↔8"}
    alternate = item.read.alternates.filter(text__regex=r"^[A-Z0-9]{3,10}$").first()
    assert alternate is not None, item.candidates
    notes = _search(investigator, alternate.text, tolerant=True)
    assert notes["8KXT452"].startswith(f"matched an alternate ({alternate.text})")


def test_page_and_api_show_the_marking(client, api_client, investigator, store_reads):
    store_reads([("7A8C123", 1)])
    client.force_login(investigator)
    page = client.get(reverse("reads:search"), {"plate": "7ABC123", "misread_tolerant": "on", **SEARCH})
    assert page.status_code == 200
    assert "matched allowing B↔8" in page.content.decode() and "misread-tolerant" in page.content.decode()
    api_client.force_authenticate(investigator)
    body = api_client.get(reverse("api:reads-search"), {"plate": "7ABC123", "misread_tolerant": "true",
                                                        **SEARCH}).json()
    assert [(row["plate"], row["match_note"]) for row in body["results"]] == [("7A8C123", "matched allowing B↔8")]
    plain = api_client.get(reverse("api:reads-search"), {"plate": "7ABC123", **SEARCH}).json()
    assert plain["count"] == 0


def test_partial_tolerant_search_over_alternates_can_use_the_trigram_index():
    """A partial misread-tolerant search is a regex over the alternates' text; on PostgreSQL the trigram index answers
    it instead of a scan of every alternate ever proposed (migration ocr 0002)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT read_id FROM ocr_readalternate WHERE text ~ %s",
                       [plate_confusion_regex(plate_pattern_parse("7ABG*"))])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "readalternate_text_trgm" in plan, plan


def test_a_corrected_read_is_found_by_its_earlier_reading_only_when_tolerant(investigator, store_reads):
    """An investigator may hold the camera's original reading (from a hit alert, a report): a misread-tolerant search
    for it finds the corrected read, marked as such; a plain search does not (R-READ-2: the correction stands)."""
    from apps.reads.models import Read
    from apps.reads.services.corrections import read_correct

    read_id = store_reads([("K40W3L", 1)])[0]
    read_correct(actor=investigator, read=Read.objects.get(pk=read_id), corrected_plate="FK4W3L",
                 context=correction_context(),
                 reason="photo shows FK4W3L")
    assert _search(investigator, "K40W3L") == {}
    assert _search(investigator, "FK4W3L") == {"FK4W3L": ""}
    assert _search(investigator, "K40W3L", tolerant=True) == {
        "FK4W3L": "matched its reading before a correction (K40W3L)"}
    assert _search(investigator, "K4OW3L", tolerant=True) == {
        "FK4W3L": "matched its reading before a correction (K40W3L) allowing O↔0"}
    assert _search(investigator, "K40W*", tolerant=True) == {
        "FK4W3L": "matched its reading before a correction (K40W3L)"}
