"""R-PURP-2 (policy 004 §III) for hot lists: an entry whose reason is "other" needs a written justification and the
attestation — on the form, in the service and when an import or feed carries such entries — and both are kept with
the entry (who attested, when) for the supervisors' review queue."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.audit.justification_rules import (
    ATTESTATION_REQUIRED,
    ENTRY_SUBJECT,
    JUSTIFICATION_MIN_LENGTH,
    JUSTIFICATION_REQUIRED,
)
from apps.common.errors import ApplicationError
from apps.hotlists.models import HotListEntry
from apps.hotlists.services.list_imports import (
    IMPORT_OTHER_NEEDS_ATTESTATION,
    hot_list_import_apply,
    hot_list_import_preview,
)
from apps.hotlists.services.lists import hot_list_entry_add
from tests.hotlists.conftest import csv_of, soon

pytestmark = pytest.mark.django_db

WHY = "Vehicle of a person of interest in homicide 26-000911 (seen leaving the scene)."


def test_other_entry_needs_justification_and_attestation(make_list, list_manager):
    """R-PURP-2: refused without a justification, then without the attestation; stored with who and when."""
    hot_list = make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},Stolen"))
    with pytest.raises(ApplicationError) as short:
        hot_list_entry_add(actor=list_manager, hot_list=hot_list, plate="8XYZ789", reason="other", expires=soon(),
                           justification="see me", attested=True)
    assert short.value.message == JUSTIFICATION_REQUIRED.format(subject=ENTRY_SUBJECT,
                                                                minimum=JUSTIFICATION_MIN_LENGTH)
    with pytest.raises(ApplicationError) as unattested:
        hot_list_entry_add(actor=list_manager, hot_list=hot_list, plate="8XYZ789", reason="other", expires=soon(),
                           justification=WHY)
    assert unattested.value.message == ATTESTATION_REQUIRED.format(subject=ENTRY_SUBJECT)
    assert not HotListEntry.objects.filter(plate_pattern="8XYZ789").exists()
    entry = hot_list_entry_add(actor=list_manager, hot_list=hot_list, plate="8XYZ789", reason="other",
                               expires=soon(), justification=WHY, attested=True)
    assert (entry.justification, entry.attested_by) == (WHY, list_manager) and entry.attested_at is not None
    plain = hot_list_entry_add(actor=list_manager, hot_list=hot_list, plate="5KLM001", reason="bolo",
                               expires=soon(), justification="x")
    assert plain.attested_at is None  # other reasons need no attestation


def test_entry_form_refuses_an_unattested_other_entry(client, make_list, list_manager):
    """R-PURP-2 on the page: the form shows the attestation and the precise refusal."""
    hot_list = make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},Stolen"))
    client.force_login(list_manager)
    form = {"plate": "8XYZ789", "state": "CA", "reason": "other", "priority": 3, "expires": soon(),
            "justification": WHY}
    page = client.post(reverse("hotlists:entry_add", args=[hot_list.pk]), form).content.decode()
    assert "needs the attestation" in page and "sexual orientation" in page
    assert not HotListEntry.objects.filter(plate_pattern="8XYZ789").exists()
    client.post(reverse("hotlists:entry_add", args=[hot_list.pk]), {**form, "attestation": "on"})
    assert HotListEntry.objects.get(plate_pattern="8XYZ789").attested_by == list_manager


def test_import_with_other_entries_needs_why_and_the_attestation(make_list, list_manager, api_client):
    """R-PURP-2 for imports: a line with reason "other" and no written why is a line error; applying a file with
    "other" entries needs the attestation of the person applying (page and feed API), recorded on those entries."""
    hot_list = make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},Stolen"))
    text = csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},Stolen", f"8XYZ789,CA,other,3,26-9,{soon()},{WHY}",
                  f"5KLM001,CA,other,3,26-9,{soon()},short")
    staged = hot_list_import_preview(actor=list_manager, hot_list=hot_list, content=text.encode())
    assert [(error["line"], error["code"]) for error in staged.errors] == [(4, "justification_required")]
    with pytest.raises(ApplicationError) as unattested:
        hot_list_import_apply(actor=list_manager, hot_list_import=staged, skip_invalid_lines=True)
    assert unattested.value.message == IMPORT_OTHER_NEEDS_ATTESTATION.format(count=1)
    assert not HotListEntry.objects.filter(plate_pattern="8XYZ789").exists()
    hot_list_import_apply(actor=list_manager, hot_list_import=staged, skip_invalid_lines=True, attested=True)
    entry = HotListEntry.objects.get(plate_pattern="8XYZ789")
    assert entry.attested_by == list_manager and entry.justification == WHY
    assert HotListEntry.objects.get(plate_pattern="7ABC123", removed_in__isnull=True).attested_at is None

    api_client.force_authenticate(list_manager)
    body = csv_of(f"6TRJ244,CA,other,3,26-9,{soon()},{WHY}").encode()
    url = reverse("api:hotlist-feed", args=[hot_list.pk])
    response = api_client.post(url, body, content_type="text/csv")
    assert response.status_code == 400 and response.json()["error"]["code"] == "attestation_required"
    response = api_client.post(url + "?attestation=true", body, content_type="text/csv")
    assert response.status_code == 201
    assert HotListEntry.objects.get(plate_pattern="6TRJ244", removed_in__isnull=True).attested_by == list_manager
