"""The remaining hot-list pages: entry removal, discarding an upload, a version's diff, dismissing a hit — each for
the right permission only, with other lists' objects 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.hotlists.choices import HitStatus, ImportStatus
from apps.hotlists.models import Hit, HotListEntry, HotListImport
from apps.hotlists.services.list_imports import hot_list_import_preview
from tests.conftest import state_access_context
from tests.hotlists.conftest import csv_of, soon

pytestmark = pytest.mark.django_db


def test_entry_removal_needs_a_reason_and_the_permission(client, make_list, list_manager, operator):
    hot_list = make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},x"))
    other = make_list(csv_of(f"8XYZ789,CA,bolo,3,26-2,{soon()},x"))
    entry = HotListEntry.objects.get(hot_list=hot_list)
    url = reverse("hotlists:entry_remove", args=[hot_list.pk, entry.pk])
    client.force_login(operator)
    assert client.post(url, {"reason": "Recovered"}).status_code == 403
    client.force_login(list_manager)
    assert client.post(reverse("hotlists:entry_remove", args=[other.pk, entry.pk]),
                       {"reason": "x"}).status_code == 404
    client.post(url, {"reason": ""})
    assert HotListEntry.objects.get(pk=entry.pk).removed_in is None
    client.post(url, {"reason": "Recovered by Long Beach PD"})
    entry.refresh_from_db()
    assert entry.removed_in.note == "Recovered by Long Beach PD"
    page = client.get(reverse("hotlists:version", args=[hot_list.pk, entry.removed_in.pk])).content.decode()
    assert "Entries removed in this version" in page and "7ABC123" in page
    assert client.get(reverse("hotlists:version", args=[other.pk, entry.removed_in.pk])).status_code == 404


def test_discarding_an_upload_leaves_the_list_unchanged(client, make_list, list_manager):
    hot_list = make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},x"))
    staged = hot_list_import_preview(actor=list_manager, hot_list=hot_list, content=b"plate,reason\n8XYZ789,bolo\n")
    client.force_login(list_manager)
    client.post(reverse("hotlists:import_discard", args=[hot_list.pk, staged.pk]))
    assert HotListImport.objects.get(pk=staged.pk).status == ImportStatus.DISCARDED
    assert list(HotListEntry.objects.filter(hot_list=hot_list).values_list("plate_pattern", flat=True)) == ["7ABC123"]


def test_hits_can_be_dismissed_from_the_page(client, make_list, ingest, operator, investigator):
    make_list(csv_of(f"8XYZ*,,bolo,3,26-2,{soon()},x"))
    ingest([("8XYZ789", 3), ("8XYZ780", 2)])
    first, second = Hit.objects.order_by("id")
    client.force_login(investigator)
    assert client.post(reverse("hotlists:hit_misread", args=[first.pk]), {"note": "x"}).status_code == 403
    client.force_login(operator)
    client.post(reverse("hotlists:hit_misread", args=[first.pk]), {"note": "Crop shows 8XYZ788"})
    client.post(reverse("hotlists:hit_not_actionable", args=[second.pk]), {"note": "Out of sight"})
    assert [h.status for h in Hit.objects.order_by("id")] == [HitStatus.MISREAD, HitStatus.NOT_ACTIONABLE]
    state_access_context(client)
    page = client.get(reverse("hotlists:hit", args=[first.pk])).content.decode()
    assert "Crop shows 8XYZ788" in page and 'id="confirm-form"' not in page


def test_lists_page_and_create(client, list_manager, operator):
    client.force_login(list_manager)
    response = client.post(reverse("hotlists:create"), {
        "name": "Burglary series", "source": "own", "owner": list_manager.pk, "refresh_policy": "manual",
        "default_entry_days": 14})
    assert response.status_code == 302
    client.force_login(operator)
    page = client.get(reverse("hotlists:list")).content.decode()
    assert "Burglary series" in page and "New hot list" not in page
