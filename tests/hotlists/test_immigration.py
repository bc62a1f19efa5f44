"""R-HOT-6 (SB 54, policy 004 §V): hot lists are never used for civil immigration enforcement. Entries, lists and
imports whose reason, source or file is marked as the NCIC Immigration Violator File, or whose free text shows civil
immigration enforcement (the one SB 54 word list, apps.disclosures.immigration_screen), are refused precisely, the
refusal is logged, and nothing of such a file is imported — not even its other lines."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.audit.models import DomainEvent
from apps.common.errors import ApplicationError
from apps.hotlists import imports as csvimport
from apps.hotlists.choices import HotListSource
from apps.hotlists.models import HotList, HotListEntry
from apps.hotlists.services.list_imports import IMPORT_HAS_FILE_ERRORS, hot_list_import_apply, hot_list_import_preview
from apps.hotlists.services.lists import hot_list_create, hot_list_entry_add
from tests.hotlists.conftest import csv_of, soon

pytestmark = pytest.mark.django_db

REFUSALS = "alprportal.hotlists.immigration_refused"


def _current(hot_list):
    return sorted(HotListEntry.objects.filter(hot_list=hot_list, removed_in__isnull=True)
                  .values_list("plate_pattern", flat=True))


@pytest.mark.parametrize(("field", "value"), [
    ("reason", "Immigration violator"),
    ("reason", "IVF"),
    ("justification", "Subject of an ICE detainer, notify ERO on contact"),
    ("justification", "Wanted for de-portation"),
    ("case_number", "NCIC-IVF-2026-1"),
    ("vehicle_description", "Van used by I.C.E. task force target"),
])
def test_entry_for_immigration_enforcement_is_refused_and_logged(make_list, list_manager, field, value):
    """R-HOT-6: one entry, by its reason or free text: refused with the SB 54 message, logged, list unchanged."""
    hot_list = make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},Stolen from a dealership"))
    version = hot_list.current_version_id
    fields = {"reason": "wanted", "justification": "Warrant 26-1", "case_number": "26-1", "vehicle_description": "",
              field: value}
    with pytest.raises(ApplicationError) as refused:
        hot_list_entry_add(actor=list_manager, hot_list=hot_list, plate="8XYZ789", expires=soon(), **fields)
    assert refused.value.code == "immigration_refused"
    assert refused.value.message.startswith("Refused under SB 54 (R-HOT-6)")
    event = DomainEvent.objects.get(code=REFUSALS)
    assert event.actor == list_manager and event.data["where"] == "entry" and event.data["terms"]
    hot_list.refresh_from_db()
    assert hot_list.current_version_id == version and _current(hot_list) == ["7ABC123"]


def test_import_with_an_immigration_line_is_refused_whole(make_list, list_manager):
    """R-HOT-6: one immigration line makes the whole file unusable — a file error naming the line — even when the
    person asks to skip lines with errors; the refusal is logged; the list stays as it was."""
    hot_list = make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},Stolen"))
    staged = hot_list_import_preview(actor=list_manager, hot_list=hot_list, filename="weekly.csv", content=csv_of(
        f"8XYZ789,CA,stolen vehicle,2,26-2,{soon()},Stolen from a lot",
        f"5KLM001,CA,bolo,3,26-3,{soon()},Overstayed visa; deportation order outstanding",
    ).encode())
    assert staged.rows == []
    assert [error["line"] for error in staged.errors] == [3]
    assert staged.file_errors == [csvimport.FILE_IMMIGRATION_LINES.format(
        which="line 3 is", terms="deportation, visa overstay")]
    with pytest.raises(ApplicationError) as refused:
        hot_list_import_apply(actor=list_manager, hot_list_import=staged, skip_invalid_lines=True)
    assert refused.value.message == IMPORT_HAS_FILE_ERRORS.format(errors=staged.file_errors[0])
    assert _current(hot_list) == ["7ABC123"]
    event = DomainEvent.objects.get(code=REFUSALS)
    assert event.data["where"] == "import" and event.data["lines"] == [3] and event.data["import"] == staged.pk


@pytest.mark.parametrize("filename", ["ncic_ivf_extract_2026-12.csv", "NCIC Immigration Violator File.csv"])
def test_file_marked_as_the_immigration_violator_file_is_refused(make_list, list_manager, filename):
    """R-HOT-6: a file named as the NCIC Immigration Violator File is refused whole, however clean its lines."""
    hot_list = make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},Stolen"))
    staged = hot_list_import_preview(actor=list_manager, hot_list=hot_list, filename=filename,
                                     content=csv_of(f"8XYZ789,CA,wanted,2,26-2,{soon()},Warrant").encode())
    assert staged.rows == [] and staged.file_errors[0].startswith("The whole file is refused under SB 54 (R-HOT-6)")
    assert "the file name" in staged.file_errors[0]
    with pytest.raises(ApplicationError):
        hot_list_import_apply(actor=list_manager, hot_list_import=staged)
    assert _current(hot_list) == ["7ABC123"]
    assert DomainEvent.objects.filter(code=REFUSALS).count() == 1


def test_list_marked_as_an_immigration_source_is_refused(list_manager):
    """R-HOT-6: a list named or described as an immigration source is never created; the refusal is logged."""
    with pytest.raises(ApplicationError) as refused:
        hot_list_create(actor=list_manager, name="NCIC IVF daily", source=HotListSource.CA_DOJ, owner=list_manager)
    assert refused.value.code == "immigration_refused"
    with pytest.raises(ApplicationError):
        hot_list_create(actor=list_manager, name="Federal assist", source=HotListSource.OWN, owner=list_manager,
                        description="Plates for Border Patrol removal operations")
    assert not HotList.objects.exists()
    assert DomainEvent.objects.filter(code=REFUSALS).count() == 2


def test_benign_text_is_not_refused(make_list, list_manager):
    """R-HOT-6 leans to matching, but ordinary hot-list words pass (police, notice, black ice on the road)."""
    hot_list = make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},Stolen"))
    entry = hot_list_entry_add(actor=list_manager, hot_list=hot_list, plate="8XYZ789", reason="bolo",
                               expires=soon(), justification="Police notice: hit and run on black ice, Harbor Blvd")
    assert entry.pk and not DomainEvent.objects.filter(code=REFUSALS).exists()


def test_feed_api_refuses_an_immigration_file_and_the_upload_page_shows_why(api_client, client, make_list,
                                                                            list_manager):
    """R-HOT-6 through the feed API (nothing applied, 400 with the file error) and the upload preview page."""
    hot_list = make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},Stolen"))
    api_client.force_authenticate(list_manager)
    body = csv_of(f"8XYZ789,CA,wanted,2,26-2,{soon()},ICE hold requested").encode()
    response = api_client.post(reverse("api:hotlist-feed", args=[hot_list.pk]), body, content_type="text/csv")
    assert response.status_code == 400
    assert "R-HOT-6" in response.json()["error"]["message"]
    assert _current(hot_list) == ["7ABC123"]
    client.force_login(list_manager)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("ncic_ivf.csv", csv_of(f"8XYZ789,CA,wanted,2,26-2,{soon()},Warrant").encode(),
                                content_type="text/csv")
    response = client.post(reverse("hotlists:import", args=[hot_list.pk]), {"file": upload}, follow=True)
    page = response.content.decode()
    assert "The whole file is refused under SB 54 (R-HOT-6)" in page and 'id="apply"' not in page
