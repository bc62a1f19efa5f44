"""Purpose-gated search (R-READ-3), partial plates (R-READ-4), archived reads (R-RET-1), the access log (R-AUD-1)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.audit.models import AccessLog
from apps.audit.services import CASE_NUMBER_REQUIRED, PURPOSE_REQUIRED
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.reads.models import Read
from apps.reads.plates import plate_pattern_parse
from apps.reads.selectors import TIME_RANGE_TOO_LONG, read_search, read_search_build, read_search_where
from tests.reads.conftest import SEARCH

API = "/api/v1/reads/search/"


def _plates(user, pattern, **criteria):
    result = read_search(user=user, search=read_search_build(plate=pattern, **criteria), page_size=500, **SEARCH)
    return sorted(read.plate_current for read in result.reads)


PLATES = ["7ABC123", "7ABX123", "7AB123", "7ABCC123", "7ABC1234", "7ABC12", "8ABC123", "7ABC129", "17ABC123"]


def test_question_mark_is_exactly_one_character(investigator, store_reads):
    store_reads([(plate, i + 1) for i, plate in enumerate(PLATES)])
    assert _plates(investigator, "7AB?123") == ["7ABC123", "7ABX123"]
    assert _plates(investigator, "7ABC12?") == ["7ABC123", "7ABC129"]


def test_star_is_any_run_including_empty(investigator, store_reads):
    store_reads([(plate, i + 1) for i, plate in enumerate(PLATES)])
    assert _plates(investigator, "7AB*123") == ["7AB123", "7ABC123", "7ABCC123", "7ABX123"]
    assert _plates(investigator, "7ABC12*") == ["7ABC12", "7ABC123", "7ABC1234", "7ABC129"]
    assert _plates(investigator, "*ABC123") == ["17ABC123", "7ABC123", "8ABC123"]
    assert _plates(investigator, "7AB?12*") == ["7ABC12", "7ABC123", "7ABC1234", "7ABC129", "7ABX123"]


def test_exact_search_is_exact(investigator, store_reads):
    store_reads([(plate, i + 1) for i, plate in enumerate(PLATES)])
    assert _plates(investigator, "7ABC123") == ["7ABC123"]
    assert _plates(investigator, "7abc-123") == ["7ABC123"]


def test_partial_semantics_match_a_reference_implementation(investigator, store_reads):
    rng = random.Random(7)
    plates = sorted({"".join(rng.choices("7AB1C2", k=rng.randint(4, 7))) for _ in range(150)})
    store_reads([(plate, i + 1) for i, plate in enumerate(plates)])
    for pattern_text in ["7A?B*", "*1C2", "7?B?1*", "A*B*1", "??BC1*", "*7*A*B"]:
        pattern = plate_pattern_parse(pattern_text)
        expected = sorted(p for p in plates if pattern.regex().match(p))
        assert _plates(investigator, pattern_text) == expected, pattern_text


def test_partial_and_exact_predicates_are_served_by_their_indexes(investigator, store_reads):
    """The plan, not the clock (docs/performance.md measures the clock at 10M reads): the LIKE predicate a partial
    pattern becomes (with its ESCAPE clause) is one the GIN trigram index serves — or, when the pattern starts with
    known characters, the (plate text_pattern_ops, time) btree as a prefix range (issue #19) — and an exact search is a
    range scan of the (plate, time) btree once the table has statistics. Sequential scans are switched off for the
    partial plans because on a small table they would win."""
    store_reads([(plate, i + 1) for i, plate in enumerate(PLATES)])
    camera_id = Read.objects.values_list("camera_id", flat=True).first()
    with connection.cursor() as cursor:  # 20,000 reads over two years, 5,000 plates, so statistics mean something
        cursor.execute(
            "INSERT INTO reads_read (camera_id, source_read_id, source, plate_read, plate_normalized, plate_current,"
            " captured_at, received_at) SELECT %s, 'gen-' || g, 'fixed',"
            " 'P' || (g %% 5000), 'P' || (g %% 5000), 'P' || (g %% 5000), now() - g * interval '52 minutes',"
            " now() FROM generate_series(1, 20000) g", [camera_id])
        # What (auto)vacuum does, on every GIN index of the table or, partitioned (issue #19), of its partitions.
        cursor.execute("SELECT gin_clean_pending_list(c.oid) FROM pg_partition_tree('reads_read'::regclass) t "
                       "JOIN pg_index i ON i.indrelid = t.relid JOIN pg_class c ON c.oid = i.indexrelid "
                       "JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'gin' AND c.relkind = 'i'")
        cursor.execute("ANALYZE reads_read")
    partial = read_search_build(plate="7AB?12*")
    exact_where, exact_params = read_search_where(search=read_search_build(plate="7ABC123"), include_archived=False)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT r.id FROM reads_read r WHERE r.plate_current LIKE %s ESCAPE '\\'",
                       [partial.plate.like()])
        partial_plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("EXPLAIN SELECT r.id FROM reads_read r WHERE r.plate_current LIKE %s ESCAPE '\\'",
                       [read_search_build(plate="*BC12*").plate.like()])
        infix_plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = on")
        cursor.execute(f"EXPLAIN SELECT r.id FROM reads_read r WHERE {exact_where}", exact_params)  # noqa: S608
        exact_plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "read_plate_trgm" in partial_plan or ("read_plate_time" in partial_plan and "~>=~ '7AB'" in partial_plan)
    assert "read_plate_trgm" in infix_plan
    assert "read_plate_time" in exact_plan


def test_archived_reads_are_hidden_from_everyone_but_administrators(investigator, supervisor, sysadmin, store_reads):
    archived, live = store_reads([("7ABC123", 10), ("7ABC123", 20)])
    Read.objects.filter(pk=archived).update(archived_at=timezone.now())
    for person in (investigator, supervisor):
        result = read_search(user=person, search=read_search_build(plate="7ABC123"), **SEARCH)
        assert [r.pk for r in result.reads] == [live]
    result = read_search(user=sysadmin, search=read_search_build(plate="7ABC123"), **SEARCH)
    assert [r.pk for r in result.reads] == [archived, live]
    assert AccessLog.objects.filter(user=sysadmin).get().data_elements["include_archived"] is True


def test_every_search_writes_exactly_one_access_log_row_with_the_statutory_fields(investigator, store_reads, camera):
    store_reads([("7ABC123", 5), ("7ABC124", 6), ("7ABX123", 7)])
    before = AccessLog.objects.count()
    search = read_search_build(plate="7AB?12*", camera_ids=[camera.pk], circle=(33.77, -117.92, 5))
    result = read_search(user=investigator, search=search, purpose="investigative_leads", case_number="24-001234")
    assert AccessLog.objects.count() == before + 1
    row = AccessLog.objects.latest("seq")
    assert row == result.access_log
    # Cal. Civ. Code § 1798.90.52: date and time, data elements, username, agency, purpose, case number; plus count.
    assert row.occurred_at is not None
    assert row.username == investigator.username and row.agency_name == investigator.agency.name
    assert (row.purpose, row.case_number, row.action, row.result_count) == (
        "investigative_leads", "24-001234", "reads.search", 3)
    assert row.data_elements["plate_pattern"] == "7AB?12*"
    assert row.data_elements["plate_match"] == "partial"
    assert row.data_elements["cameras"] == [camera.pk]
    assert row.data_elements["area"] == {"center": {"latitude": 33.77, "longitude": -117.92}, "radius_km": 5}
    assert row.data_elements["time_from"] and row.data_elements["time_to"]


@pytest.mark.parametrize(("purpose", "case_number", "message"), [
    ("", "24-1", PURPOSE_REQUIRED), ("investigative_leads", " ", CASE_NUMBER_REQUIRED),
])
def test_a_search_without_purpose_or_case_number_is_refused_and_not_run(investigator, purpose, case_number, message):
    with pytest.raises(ApplicationError) as exc:
        read_search(user=investigator, search=read_search_build(plate="7ABC123"), purpose=purpose,
                    case_number=case_number)
    assert exc.value.message == message
    assert AccessLog.objects.count() == 0


def test_people_without_the_permission_cannot_search(operator, oversight_user):
    for person in (operator, oversight_user):
        with pytest.raises(PermissionDeniedError):
            read_search(user=person, search=read_search_build(plate="7ABC123"), **SEARCH)


def test_time_range_is_bounded(investigator):
    now = timezone.now()
    with pytest.raises(ApplicationError) as exc:
        read_search_build(plate="7AB*", start=now - timedelta(days=200), end=now)
    assert exc.value.message == TIME_RANGE_TOO_LONG.format(kind="partial-plate", days=92)
    assert read_search_build(plate="7ABC123", start=now - timedelta(days=700), end=now).plate.is_exact
    default = read_search_build(plate="7ABC123")
    assert default.end - default.start == timedelta(days=30)
    with pytest.raises(ApplicationError) as exc:
        read_search_build()
    assert exc.value.code == "search_needs_criterion"


def test_old_reads_outside_the_window_are_not_found(investigator, store_reads):
    store_reads([("7ABC123", 5), ("7ABC123", 60 * 24 * 40)])
    assert len(_plates(investigator, "7ABC123")) == 1
    now = timezone.now()
    assert len(_plates(investigator, "7ABC123", start=now - timedelta(days=50), end=now)) == 2


def test_camera_box_and_radius_filters(investigator, store_reads, camera, other_camera):
    store_reads([("7ABC123", 5)])
    store_reads([("7ABC123", 6)], on=other_camera)
    assert len(_plates(investigator, "7ABC123", camera_ids=[other_camera.pk])) == 1
    assert len(_plates(investigator, "7ABC123", bbox=(33.7, -118.0, 33.8, -117.8))) == 1
    assert len(_plates(investigator, "7ABC123", circle=(34.05, -118.25, 1))) == 1
    assert len(_plates(investigator, "7ABC123", circle=(34.0, -118.0, 200))) == 2


def test_pagination(investigator, store_reads):
    store_reads([("7ABC123", minute) for minute in range(1, 61)])
    search = read_search_build(plate="7ABC123")
    page2 = read_search(user=investigator, search=search, page=2, page_size=50, **SEARCH)
    assert (page2.total, len(page2.reads), page2.num_pages, page2.has_next) == (60, 10, 2, False)
    assert page2.reads[0].captured_at > page2.reads[-1].captured_at
    beyond = read_search(user=investigator, search=search, page=5, page_size=50, **SEARCH)
    assert beyond.total == 60 and beyond.reads == []


class TestSearchApi:
    def test_results_and_log(self, api_client, investigator, store_reads):
        store_reads([("7ABC123", 5)])
        api_client.force_authenticate(investigator)
        response = api_client.get(API, {"plate": "7AB?123", **SEARCH})
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["count"] == 1 and body["results"][0]["plate"] == "7ABC123"
        assert AccessLog.objects.get().seq == body["access_log_seq"]

    @pytest.mark.parametrize(("params", "code", "message"), [
        ({"plate": "7ABC123", "case_number": "24-1"}, "purpose_required", PURPOSE_REQUIRED),
        ({"plate": "7ABC123", "purpose": "investigative_leads"}, "case_number_required", CASE_NUMBER_REQUIRED),
    ])
    def test_missing_purpose_or_case_is_a_400_saying_what_is_missing(self, api_client, investigator, params, code,
                                                                     message):
        api_client.force_authenticate(investigator)
        response = api_client.get(API, params)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == code
        assert response.json()["error"]["message"] == message
        assert AccessLog.objects.count() == 0

    def test_immigration_enforcement_is_not_a_purpose(self, api_client, investigator):
        api_client.force_authenticate(investigator)
        response = api_client.get(API, {"plate": "7ABC123", "purpose": "immigration_enforcement",
                                        "case_number": "24-1"})
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "purpose_not_authorized"

    def test_bad_pattern_is_a_field_error(self, api_client, investigator):
        api_client.force_authenticate(investigator)
        response = api_client.get(API, {"plate": "7*", **SEARCH})
        assert response.status_code == 400
        assert "plate" in response.json()["error"]["fields"]

    def test_training_gate_blocks_lapsed_people(self, api_client, lapsed_investigator):
        api_client.force_authenticate(lapsed_investigator)
        response = api_client.get(API, {"plate": "7ABC123", **SEARCH})
        assert response.status_code == 403
        assert "lapsed" in response.json()["error"]["message"]
        assert AccessLog.objects.count() == 0

    def test_anonymous_and_unprivileged(self, api_client, operator):
        assert api_client.get(API, {"plate": "7ABC123", **SEARCH}).status_code == 401
        api_client.force_authenticate(operator)
        assert api_client.get(API, {"plate": "7ABC123", **SEARCH}).status_code == 403

    def test_detail_is_a_logged_access_and_hides_archived_reads(self, api_client, investigator, store_reads):
        live, archived = store_reads([("7ABC123", 5), ("7ABC124", 6)])
        Read.objects.filter(pk=archived).update(archived_at=timezone.now())
        api_client.force_authenticate(investigator)
        response = api_client.get(f"/api/v1/reads/{live}/", SEARCH)
        assert response.status_code == 200 and response.json()["plate"] == "7ABC123"
        row = AccessLog.objects.get()
        assert (row.action, row.data_elements["read_id"], row.case_number) == ("reads.view", live, "24-001234")
        assert api_client.get(f"/api/v1/reads/{archived}/", SEARCH).status_code == 404
        assert api_client.get(f"/api/v1/reads/{live}/").status_code == 400
