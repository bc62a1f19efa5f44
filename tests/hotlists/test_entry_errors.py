"""R-HOT-7 (policy 004 §IV): an erroneous entry gets an error record (who, when, what was wrong) and stops matching at
once — reads still pending matching included — with its unconfirmed hits closed; an entry from another agency is
referred back to it (a referral a supervisor marks sent); periodic data-quality reviews are recorded, with an
alert when one is overdue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.models import DomainEvent
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.hotlists.choices import EntryErrorStatus, HitStatus, HotListSource, ReferralStatus, VersionKind
from apps.hotlists.models import Hit, HotList, HotListEntry, HotListQualityReview, PendingMatch
from apps.hotlists.services.data_quality import (
    ERROR_DESCRIPTION_REQUIRED,
    REFERRAL_VIA_REQUIRED,
    hot_list_entry_error_resolve,
    hot_list_entry_mark_erroneous,
    hot_list_entry_referral_mark_sent,
    hot_list_quality_review_record,
    hot_list_quality_reviews_alert_overdue,
)
from apps.hotlists.services.hit_matching import hits_match_pending
from apps.hotlists.services.list_imports import hot_list_import_apply, hot_list_import_preview
from apps.notifications.models import Notification
from tests.factories import AgencyFactory
from tests.hotlists.conftest import csv_of, soon

pytestmark = pytest.mark.django_db

WRONG = "Plate was recovered on 12/02; the owner called to say the record should have been cleared."


def _entry(hot_list, plate):
    return HotListEntry.objects.get(hot_list=hot_list, plate_pattern=plate, removed_in__isnull=True)


def test_marking_an_entry_erroneous_records_who_when_what_and_stops_matching(make_list, list_manager, ingest):
    """R-HOT-7: the error record; the entry leaves the list as a new version; a new read no longer hits."""
    hot_list = make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},Stolen",
                                f"8XYZ789,CA,stolen vehicle,2,26-2,{soon()},Stolen"))
    ingest([("7ABC123", 10)])
    assert Hit.objects.count() == 1
    error = hot_list_entry_mark_erroneous(actor=list_manager, entry=_entry(hot_list, "7ABC123"),
                                          kind="no_longer_wanted", description=WRONG)
    assert (error.reported_by, error.description, error.status) == (list_manager, WRONG, EntryErrorStatus.OPEN)
    assert timezone.now() - error.reported_at < timedelta(minutes=1)
    hot_list.refresh_from_db()
    assert hot_list.current_version.kind == VersionKind.ENTRY_ERROR and error.removed_in == hot_list.current_version
    assert not hasattr(error, "referral") or error.referral is None  # our own list: nobody to refer to
    ingest([("7ABC123", 1), ("8XYZ789", 1)])
    assert sorted(Hit.objects.values_list("plate", flat=True)) == ["7ABC123", "8XYZ789"]  # the old hit + 8XYZ789
    event = DomainEvent.objects.get(code="alprportal.hotlists.entry.erroneous")
    assert event.data["what"] == WRONG and event.actor == list_manager


def test_pending_matches_and_open_hits_of_an_erroneous_entry(make_list, list_manager, ingest, camera):
    """R-HOT-7: reads still waiting in PendingMatch no longer match the entry, and its unconfirmed hit is closed."""
    from apps.reads.services.ingest import read_batch_ingest

    hot_list = make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},Stolen"))
    ingest([("7ABC123", 10)])
    hit = Hit.objects.get()
    result = read_batch_ingest(camera=camera, items=[{"plate": "7ABC123", "read_id": "pending-1", "region": "CA",
                                                      "captured_at": timezone.now().isoformat()}])
    read_id = result.results[0].id
    Hit.objects.filter(read_id=read_id).delete()  # as if the ingest-time matching had failed:
    PendingMatch.objects.create(read_id=read_id)  # the read waits for the catch-up
    error = hot_list_entry_mark_erroneous(actor=list_manager, entry=_entry(hot_list, "7ABC123"),
                                          kind="wrong_plate", description=WRONG)
    assert hits_match_pending() == 1
    assert not Hit.objects.filter(read_id=read_id).exists() and not PendingMatch.objects.exists()
    hit.refresh_from_db()
    assert hit.status == HitStatus.NOT_ACTIONABLE and f"error record {error.pk}" in hit.dismissal_note
    assert error.hits_closed == 1


def test_a_reimport_withholds_the_erroneous_plate_until_the_error_is_resolved(make_list, list_manager, ingest):
    """R-HOT-7: the next file still carrying the plate does not bring it back while the error is open."""
    text = csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},Stolen", f"8XYZ789,CA,bolo,3,26-2,{soon()},x")
    hot_list = make_list(text)
    error = hot_list_entry_mark_erroneous(actor=list_manager, entry=_entry(hot_list, "7ABC123"),
                                          kind="wrong_plate", description=WRONG)
    hot_list.refresh_from_db()
    staged = hot_list_import_preview(actor=list_manager, hot_list=hot_list, content=text.encode())
    assert [row["plate_pattern"] for row in staged.diff["withheld"]] == ["7ABC123"]
    hot_list_import_apply(actor=list_manager, hot_list_import=staged)
    assert not HotListEntry.objects.filter(hot_list=hot_list, plate_pattern="7ABC123",
                                           removed_in__isnull=True).exists()
    ingest([("7ABC123", 1)])
    assert not Hit.objects.exists()
    hot_list_entry_error_resolve(actor=list_manager, error=error, note="Record corrected by the owner agency.")
    hot_list.refresh_from_db()
    staged = hot_list_import_preview(actor=list_manager, hot_list=hot_list, content=text.encode())
    hot_list_import_apply(actor=list_manager, hot_list_import=staged)
    assert HotListEntry.objects.filter(hot_list=hot_list, plate_pattern="7ABC123", removed_in__isnull=True).exists()


def test_an_entry_of_another_agency_is_referred_back_and_a_supervisor_marks_it_sent(list_manager, make_user,
                                                                                    agency, client):
    """R-HOT-7: a CA DOJ or partner entry gets a referral; supervisors are told; marking it sent records who, when,
    how; without saying how it is refused."""
    from apps.hotlists.services.lists import hot_list_create

    hot_list = hot_list_create(actor=list_manager, name="CA DOJ SVS", source=HotListSource.CA_DOJ,
                               owner=list_manager, default_entry_days=30)
    staged = hot_list_import_preview(actor=list_manager, hot_list=hot_list, content=csv_of(
        f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},Stolen").encode())
    hot_list_import_apply(actor=list_manager, hot_list_import=staged)
    sergeant = make_user(Role.SUPERVISOR, agency=agency)
    error = hot_list_entry_mark_erroneous(actor=list_manager, entry=_entry(hot_list, "7ABC123"),
                                          kind="no_longer_wanted", description=WRONG)
    referral = error.referral
    assert referral.status == ReferralStatus.PENDING and referral.agency_name == "California DOJ stolen vehicle system"
    assert Notification.objects.filter(recipient=sergeant, link=reverse("hotlists:errors")).exists()
    with pytest.raises(ApplicationError) as no_via:
        hot_list_entry_referral_mark_sent(actor=sergeant, referral=referral, via=" ")
    assert no_via.value.message == REFERRAL_VIA_REQUIRED
    investigator = make_user(Role.INVESTIGATOR, agency=agency)
    with pytest.raises(PermissionDeniedError):
        hot_list_entry_referral_mark_sent(actor=investigator, referral=referral, via="e-mail")
    client.force_login(sergeant)
    page = client.get(reverse("hotlists:errors")).content.decode()
    assert "California DOJ stolen vehicle system" in page and "Mark sent" in page
    client.post(reverse("hotlists:referral_sent", args=[referral.pk]), {"via": "CLETS admin message 4471"})
    referral.refresh_from_db()
    assert (referral.status, referral.sent_by, referral.sent_via) == (ReferralStatus.SENT, sergeant,
                                                                      "CLETS admin message 4471")
    assert DomainEvent.objects.filter(code="alprportal.hotlists.entry_referral.sent").count() == 1


def test_partner_entries_are_referred_to_the_partner_agency(list_manager):
    """R-HOT-7: a partner list's entry is referred to that agency by name."""
    partner = AgencyFactory(name="Reno Police Department")
    hot_list = HotList.objects.create(name="Reno hot list", source=HotListSource.PARTNER, agency=partner,
                                      owner=list_manager)
    from apps.hotlists.services.lists import hot_list_version_next

    version = hot_list_version_next(hot_list=hot_list, actor=list_manager, kind=VersionKind.CREATED)
    entry = HotListEntry.objects.create(hot_list=hot_list, added_in=version, plate_pattern="7ABC123",
                                        reason="stolen_vehicle", expires_at=timezone.now() + timedelta(days=1))
    hot_list.current_version = version
    hot_list.save()
    error = hot_list_entry_mark_erroneous(actor=list_manager, entry=entry, kind="wrong_plate", description=WRONG)
    assert (error.referral.agency, error.referral.agency_name) == (partner, "Reno Police Department")


def test_error_needs_a_description_and_is_recorded_once(make_list, list_manager, client):
    """R-HOT-7: no description → refused with the message; a second error for the same entry is refused; the page
    form marks an entry and says it no longer matches."""
    hot_list = make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},Stolen"))
    entry = _entry(hot_list, "7ABC123")
    with pytest.raises(ApplicationError) as empty:
        hot_list_entry_mark_erroneous(actor=list_manager, entry=entry, kind="other", description="  ")
    assert empty.value.message == ERROR_DESCRIPTION_REQUIRED
    client.force_login(list_manager)
    response = client.post(reverse("hotlists:entry_erroneous", args=[hot_list.pk, entry.pk]),
                           {"kind": "wrong_plate", "description": WRONG}, follow=True)
    assert "marked erroneous: it no longer matches" in response.content.decode()
    with pytest.raises(ApplicationError) as twice:
        hot_list_entry_mark_erroneous(actor=list_manager, entry=entry, kind="other", description=WRONG)
    assert twice.value.code == "error_already_recorded"


def test_quality_reviews_are_recorded_and_an_overdue_one_alerts_once(make_list, list_manager, make_user, agency,
                                                                     settings, client):
    """R-HOT-7: a review records who, when, scope, findings; an own list without a review for
    HOTLIST_QUALITY_REVIEW_DAYS alerts its owner and the supervisors, once per due date (idempotent beat task)."""
    settings.PORTAL = {**settings.PORTAL, "HOTLIST_QUALITY_REVIEW_DAYS": 30}
    hot_list = make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},Stolen"))
    HotList.objects.filter(pk=hot_list.pk).update(created_at=timezone.now() - timedelta(days=40))
    sergeant = make_user(Role.SUPERVISOR, agency=agency)
    assert hot_list_quality_reviews_alert_overdue() == 2  # the owner and the other supervisor
    assert hot_list_quality_reviews_alert_overdue() == 0  # idempotent
    assert Notification.objects.filter(recipient=sergeant, title__contains="is overdue").count() == 1
    with pytest.raises(ApplicationError):
        hot_list_quality_review_record(actor=sergeant, hot_list=hot_list, scope="All entries", findings="")
    client.force_login(sergeant)
    response = client.post(reverse("hotlists:quality"), {
        "hot_list": hot_list.pk, "scope": "Every entry checked against its case file", "entries_checked": 1,
        "errors_found": 0, "findings": "No errors found."}, follow=True)
    assert "Data-quality review of" in response.content.decode()
    review = HotListQualityReview.objects.get()
    assert (review.reviewed_by, review.hot_list, review.findings) == (sergeant, hot_list, "No errors found.")
    # issue #17: the overdue alert asked for this review; it leaves everyone's home page once recorded.
    assert not Notification.objects.filter(title__contains="is overdue", read_at__isnull=True).exists()
    assert hot_list_quality_reviews_alert_overdue(now=timezone.now() + timedelta(days=29)) == 0
    assert hot_list_quality_reviews_alert_overdue(now=timezone.now() + timedelta(days=31)) == 2
    operator = make_user(Role.OPERATOR, agency=agency)
    with pytest.raises(PermissionDeniedError):
        hot_list_quality_review_record(actor=operator, scope="x", findings="y")
