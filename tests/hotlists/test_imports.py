"""Import and refresh (R-HOT-1, R-HOT-2): per-line errors with line numbers, file-level refusals, a dry-run preview
that applies nothing, an atomic apply as a new version (a failing apply changes nothing), versions kept for audit,
and the feed API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import DomainEvent
from apps.common.errors import ApplicationError
from apps.hotlists import imports as csvimport
from apps.hotlists.choices import HotListSource, ImportStatus
from apps.hotlists.models import HotList, HotListEntry, HotListImport, HotListVersion
from apps.hotlists.services.list_imports import (
    IMPORT_HAS_LINE_ERRORS,
    IMPORT_SUPERSEDED,
    hot_list_import_apply,
    hot_list_import_preview,
)
from apps.hotlists.services.lists import hot_list_entry_add
from apps.reads.plates import PATTERN_ILLEGAL_CHARACTERS
from tests.events import domain_events
from tests.hotlists.conftest import csv_of, soon

pytestmark = pytest.mark.django_db


def _preview(hot_list, actor, text: str | bytes):
    content = text.encode() if isinstance(text, str) else text
    return hot_list_import_preview(actor=actor, hot_list=hot_list, content=content, filename="list.csv")


def _current(hot_list):
    return sorted(HotListEntry.objects.filter(hot_list=hot_list, removed_in__isnull=True)
                  .values_list("plate_pattern", "reason"))


def test_bad_lines_get_their_line_numbers_and_nothing_is_applied(make_list, list_manager):
    hot_list = make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},x"))
    version = hot_list.current_version_id
    staged = _preview(hot_list, list_manager, csv_of(
        f"8XYZ789,CA,stolen vehicle,2,26-2,{soon()},ok",             # line 2
        f"7AB#12,CA,bolo,3,26-3,{soon()},illegal character",          # line 3
        "4SAM123,CA,wanted,2,26-4,,missing expiry",                   # line 4
        f"8XYZ789,CA,bolo,3,26-5,{soon()},duplicate of line 2",       # line 5
        "too,few,fields",                                             # line 6
        f"5KLM001,CA,parking,3,26-6,{soon()},unknown reason",         # line 7
        f"6TRJ244,California,stolen vehicle,3,26-7,{soon()},bad state",  # line 8
        f"6TRJ245,CA,stolen vehicle,9,26-8,{soon()},bad priority",    # line 9
        "6TRJ246,CA,stolen vehicle,3,26-9,2020-01-01,past expiry",    # line 10
        f"7*,CA,bolo,3,26-10,{soon()},too vague",                     # line 11
    ))
    lines = {e["line"]: e["message"] for e in staged.errors}
    assert sorted(lines) == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert lines[3] == PATTERN_ILLEGAL_CHARACTERS.format(pattern="7AB#12")
    assert lines[4] == csvimport.LINE_EXPIRY_MISSING
    assert lines[5] == csvimport.LINE_DUPLICATE.format(line=2)
    assert lines[6] == csvimport.LINE_FIELD_COUNT.format(count=3, expected=7)
    assert lines[10] == csvimport.LINE_EXPIRY_PAST.format(value="2020-01-01")
    assert [row["plate_pattern"] for row in staged.rows] == ["8XYZ789"]
    assert staged.diff["added"] == 1 and staged.diff["removed"] == 1
    assert HotList.objects.get(pk=hot_list.pk).current_version_id == version
    with pytest.raises(ApplicationError) as caught:
        hot_list_import_apply(actor=list_manager, hot_list_import=staged)
    assert caught.value.message == IMPORT_HAS_LINE_ERRORS.format(count=9)
    assert HotList.objects.get(pk=hot_list.pk).current_version_id == version
    assert _current(hot_list) == [("7ABC123", "stolen_vehicle")]


@pytest.mark.parametrize(("content", "message"), [
    (b"", csvimport.FILE_EMPTY),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", csvimport.FILE_NOT_TEXT.format(line=3)),
    ("plate,reason\n7ABC123,stolen\nZÜRICH,bolo\n".encode("latin-1"),
     csvimport.FILE_NOT_UTF8.format(line=3, position=29)),
    (b"plate,colour,reason\n7ABC123,red,stolen\n",
     csvimport.FILE_UNKNOWN_COLUMNS.format(columns="colour", allowed="plate, reason, state, priority, case_number, "
                                                                    "expires, why, vehicle, entered_by")),
    (b"state,priority\nCA,1\n", csvimport.FILE_MISSING_COLUMNS.format(columns="plate, reason")),
    (b"plate,plate,reason\n1,2,3\n", csvimport.FILE_DUPLICATE_COLUMNS.format(columns="plate")),
])
def test_files_that_are_not_usable_csv_are_refused_whole(make_list, list_manager, content, message):
    hot_list = make_list(default_entry_days=30)
    staged = _preview(hot_list, list_manager, content)
    assert staged.file_errors == [message]
    assert staged.rows == [] and staged.diff == {}
    with pytest.raises(ApplicationError):
        hot_list_import_apply(actor=list_manager, hot_list_import=staged, skip_invalid_lines=True)


def test_preview_shows_added_changed_removed_and_apply_makes_a_new_version(make_list, list_manager):
    hot_list = make_list(csv_of(
        f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},x",
        f"8XYZ*,,bolo,3,26-2,{soon()},x",
        f"4SAM123,CA,wanted_person,2,26-3,{soon()},x",
    ))
    first = hot_list.current_version
    old_entry = HotListEntry.objects.get(hot_list=hot_list, plate_pattern="8XYZ*")
    staged = _preview(hot_list, list_manager, csv_of(
        f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},x",          # unchanged
        f"8XYZ*,,bolo,1,26-2,{soon()},now urgent",               # changed (priority, why)
        f"5KLM00?,CA,stolen plate,3,26-4,{soon()},new partial",  # added
    ))
    assert {k: staged.diff[k] for k in ("added", "changed", "removed", "unchanged")} == {
        "added": 1, "changed": 1, "removed": 1, "unchanged": 1}
    assert staged.diff["samples"]["changed"][0]["fields"]["priority"] == ["3", "1"]
    assert staged.diff["samples"]["removed"][0]["plate_pattern"] == "4SAM123"
    version = hot_list_import_apply(actor=list_manager, hot_list_import=staged, note="Weekly review.")
    hot_list.refresh_from_db()
    assert hot_list.current_version == version and version.number == first.number + 1
    assert (version.added, version.changed, version.removed, version.entry_count) == (1, 1, 1, 3)
    assert _current(hot_list) == [("5KLM00?", "stolen_plate"), ("7ABC123", "stolen_vehicle"), ("8XYZ*", "bolo")]
    # The previous version stays reconstructable: its entries are kept, marked removed in the new version.
    old_entry.refresh_from_db()
    assert old_entry.removed_in == version and old_entry.priority == 3
    assert HotListEntry.objects.get(plate_pattern="4SAM123").removed_in == version
    assert HotListEntry.objects.filter(hot_list=hot_list, added_in__number__lte=first.number).count() == 3
    staged.refresh_from_db()
    assert staged.status == ImportStatus.APPLIED and staged.applied_version == version
    event = DomainEvent.objects.filter(code="alprportal.hotlists.list.refreshed").latest("id")
    assert (event.actor, event.data["added"], event.data["removed"], event.data["why"]) == (
        list_manager, 1, 1, "Weekly review.")


def test_skip_invalid_lines_applies_only_the_valid_ones(make_list, list_manager):
    hot_list = make_list(default_entry_days=10)
    before = timezone.now()
    staged = _preview(hot_list, list_manager, "plate,reason\n7ABC123,stolen\n7A#,bolo\n")
    hot_list_import_apply(actor=list_manager, hot_list_import=staged, skip_invalid_lines=True)
    entry = HotListEntry.objects.get(hot_list=hot_list, removed_in__isnull=True)
    assert entry.plate_pattern == "7ABC123"
    assert before + timedelta(days=10) <= entry.expires_at <= timezone.now() + timedelta(days=10)


def test_a_failing_apply_changes_nothing(make_list, list_manager, monkeypatch):
    hot_list = make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},x", f"8XYZ*,,bolo,3,26-2,{soon()},x"))
    version_before = hot_list.current_version_id
    refreshed_before = hot_list.last_refreshed_at
    staged = _preview(hot_list, list_manager, csv_of(f"5KLM001,CA,stolen plate,3,26-4,{soon()},replacement"))

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    # The removals have been written when the insert fails: the transaction must undo them.
    monkeypatch.setattr(HotListEntry.objects, "bulk_create", explode)
    with pytest.raises(RuntimeError):
        hot_list_import_apply(actor=list_manager, hot_list_import=staged)
    hot_list.refresh_from_db()
    assert hot_list.current_version_id == version_before and hot_list.last_refreshed_at == refreshed_before
    assert _current(hot_list) == [("7ABC123", "stolen_vehicle"), ("8XYZ*", "bolo")]
    assert HotListVersion.objects.filter(hot_list=hot_list).count() == 2
    assert HotListImport.objects.get(pk=staged.pk).status == ImportStatus.PREVIEW


def test_a_preview_made_before_another_change_is_refused(make_list, list_manager):
    hot_list = make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},x"))
    staged = _preview(hot_list, list_manager, csv_of(f"8XYZ789,CA,bolo,3,26-2,{soon()},x"))
    hot_list_entry_add(actor=list_manager, hot_list=hot_list, plate="4SAM123", reason="wanted_person",
                       expires=soon(), justification="Warrant.")
    with pytest.raises(ApplicationError) as caught:
        hot_list_import_apply(actor=list_manager, hot_list_import=staged)
    assert caught.value.message == IMPORT_SUPERSEDED
    assert _current(hot_list) == [("4SAM123", "wanted_person"), ("7ABC123", "stolen_vehicle")]


def test_entry_add_and_remove_are_versions_with_who_and_why(make_list, list_manager):
    from apps.hotlists.services.lists import ENTRY_ALREADY_LISTED, hot_list_entry_remove

    hot_list = make_list(default_entry_days=7)
    entry = hot_list_entry_add(actor=list_manager, hot_list=hot_list, plate="7ab-c123", reason="stolen_vehicle",
                               state="ca", case_number="26-77", justification="Carjacking victim's car.")
    assert (entry.plate_pattern, entry.state, entry.entered_by, entry.added_in.number) == ("7ABC123", "CA",
                                                                                           list_manager, 2)
    with pytest.raises(ApplicationError) as caught:
        hot_list_entry_add(actor=list_manager, hot_list=hot_list, plate="7ABC123", state="CA", reason="bolo",
                           justification="again")
    assert caught.value.message == ENTRY_ALREADY_LISTED.format(plate="7ABC123", state="CA")
    version = hot_list_entry_remove(actor=list_manager, entry=entry, reason="Recovered by Long Beach PD.")
    assert (version.number, version.note, version.created_by) == (3, "Recovered by Long Beach PD.", list_manager)
    codes = domain_events("alprportal.hotlists.entry", fields=("code", "data__why"))
    assert codes == [("alprportal.hotlists.entry.added", "Carjacking victim's car."),
                     ("alprportal.hotlists.entry.removed", "Recovered by Long Beach PD.")]


def test_the_upload_pages_preview_then_apply(client, make_list, list_manager):
    from django.core.files.uploadedfile import SimpleUploadedFile

    hot_list = make_list()
    client.force_login(list_manager)
    body = csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},x", "7A#,CA,bolo,3,26-2,,bad").encode()
    response = client.post(reverse("hotlists:import", args=[hot_list.pk]),
                           {"file": SimpleUploadedFile("list.csv", body, content_type="text/csv")})
    staged = HotListImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("hotlists:import_preview",
                                                                           args=[hot_list.pk, staged.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'id="diff-added">1<' in page and "Skip the 1 line with errors" in page and "<td class=\"num\">3</td>" in page
    assert HotListEntry.objects.filter(hot_list=hot_list).count() == 0
    client.post(reverse("hotlists:import_apply", args=[hot_list.pk, staged.pk]))
    assert HotListEntry.objects.filter(hot_list=hot_list).count() == 0, "errors not acknowledged: nothing applied"
    client.post(reverse("hotlists:import_apply", args=[hot_list.pk, staged.pk]), {"skip_invalid_lines": "on"})
    assert _current(hot_list) == [("7ABC123", "stolen_vehicle")]


def test_feed_api_dry_run_then_apply(api_client, make_list, make_user, list_manager):
    from apps.accounts.roles import Role

    doj = make_list(source=HotListSource.CA_DOJ, name="CA DOJ SVS")
    url = reverse("api:hotlist-feed", args=[doj.pk])
    body = csv_of(f"6TRJ244,CA,stolen vehicle,2,SVS-1,{soon()},x", f"5KLM001,CA,stolen plate,3,SVS-2,{soon()},x")
    api_client.force_authenticate(list_manager)
    response = api_client.post(url + "?dry_run=true", data=body, content_type="text/csv")
    assert response.status_code == 200 and response.json()["applied"] is False
    assert response.json()["diff"]["added"] == 2 and HotList.objects.get(pk=doj.pk).last_refreshed_at is None
    bad = body + "7A#,CA,bolo,3,SVS-3,,x\n"
    response = api_client.post(url, data=bad, content_type="text/csv")
    assert response.status_code == 400 and response.json()["error"]["code"] == "import_line_errors"
    assert response.json()["error"]["detail"]["errors"][0]["line"] == 4
    response = api_client.post(url, data=body, content_type="text/csv")
    assert response.status_code == 201 and response.json()["version"] == 2
    doj.refresh_from_db()
    assert doj.last_refreshed_at is not None and doj.current_version.kind == "feed"
    api_client.force_authenticate(make_user(Role.OPERATOR))
    assert api_client.post(url, data=body, content_type="text/csv").status_code == 403


def _long_file_with_a_nul_on_line(count: int) -> tuple[bytes, int]:
    """``count`` valid lines (well past the first 64 KB), then one with a NUL byte: (the file, that line's number)."""
    lines = [f"7N{i:05d},CA,stolen vehicle,2,26-{i},{soon()},Stolen from a dealership on Harbor Blvd"
             for i in range(count)]
    body = csv_of(*lines).encode() + f"8NUL001,CA,bolo,3,26-x,{soon()},a valid line but for a NUL \x00\n".encode()
    assert len(body) > 65536
    return body, count + 2  # the header is line 1


def test_a_nul_byte_past_the_first_64_kb_refuses_the_whole_file_naming_its_line(api_client, make_list, list_manager):
    """Found by the security test (2026-12): a NUL byte after the first 64 KB reached PostgreSQL (DataError, 500)
    when the preview was stored. It is refused like one at the start of the file: a file error naming the line."""
    hot_list = make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},x"))
    version = hot_list.current_version_id
    body, line = _long_file_with_a_nul_on_line(1500)
    api_client.force_authenticate(list_manager)
    url = reverse("api:hotlist-feed", args=[hot_list.pk])
    response = api_client.post(url, data=body, content_type="text/csv")
    assert response.status_code == 400, response.content[:300]
    error = response.json()["error"]
    assert error["code"] == "import_file_errors"
    assert csvimport.FILE_NOT_TEXT.format(line=line) in error["message"]
    response = api_client.post(url + "?dry_run=true", data=body, content_type="text/csv")
    assert response.status_code == 200
    assert response.json()["file_errors"] == [csvimport.FILE_NOT_TEXT.format(line=line)]
    assert response.json()["valid"] == 0
    assert HotList.objects.get(pk=hot_list.pk).current_version_id == version
    assert _current(hot_list) == [("7ABC123", "stolen_vehicle")]


def test_the_upload_page_shows_the_line_of_a_nul_byte_and_changes_nothing(client, make_list, list_manager):
    from django.core.files.uploadedfile import SimpleUploadedFile

    hot_list = make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},x"))
    body, line = _long_file_with_a_nul_on_line(1500)
    client.force_login(list_manager)
    response = client.post(reverse("hotlists:import", args=[hot_list.pk]),
                           {"file": SimpleUploadedFile("list.csv", body, content_type="text/csv")}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert csvimport.FILE_NOT_TEXT.format(line=line) in page and 'id="apply"' not in page
    assert HotListImport.objects.latest("pk").file_errors == [csvimport.FILE_NOT_TEXT.format(line=line)]
    assert _current(hot_list) == [("7ABC123", "stolen_vehicle")]


def test_a_feed_note_with_a_nul_is_refused_naming_it_and_the_list_is_unchanged(api_client, make_list, list_manager):
    from apps.common.unstorable import TEXT_HAS_NUL

    hot_list = make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},x"))
    api_client.force_authenticate(list_manager)
    url = reverse("api:hotlist-feed", args=[hot_list.pk])
    response = api_client.post(url + "?note=Nightly%00feed", data=csv_of(f"8XYZ789,CA,bolo,3,26-2,{soon()},x"),
                               content_type="text/csv")
    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"] == {"code": "nul_character", "message": TEXT_HAS_NUL.format(field="note"),
                                        "detail": {"field": "note"}}
    assert _current(hot_list) == [("7ABC123", "stolen_vehicle")]
