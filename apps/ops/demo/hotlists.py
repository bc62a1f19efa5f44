"""Demo hot lists and hits for ``manage.py seed_demo`` (idempotent): an own-agency list with exact and partial
entries, a CA DOJ list, a stale partner list, and hits in every state — all made through the services.

Called once from apps/ops/management/commands/seed_demo.py, after the reads and sharing demo data.
"""

from __future__ import annotations

import io
from datetime import UTC, timedelta

from django.utils import timezone
from PIL import Image, ImageDraw

from apps.hotlists.choices import ConfirmationMethod, ConfirmationResult, HitAction, HotListSource, RefreshPolicy
from apps.hotlists.models import Hit, HotList

OWN_LIST = "Sheriff's hot list"
DOJ_LIST = "CA DOJ Stolen Vehicle System"
PARTNER_LIST = "Los Alamitos PD hot list"

OWN_CSV = """plate,state,reason,priority,case_number,expires,why,vehicle
7ABC123,CA,stolen vehicle,2,26-004411,{soon},Reported stolen from Harbor Blvd dealership lot,Silver 2019 Toyota Camry
7AB?12*,,felony_vehicle,1,26-004502,{soon},Armed robbery suspect vehicle; witness saw 7AB?12…,Dark green pickup
8XYZ*,CA,bolo,3,26-004610,{soon},Vehicle seen at three burglaries (partial plate),White Honda Civic
4SAM123,CA,wanted_person,2,26-003980,{soon},Registered owner has a felony warrant,Blue Ford F-150
"""
DOJ_CSV = """plate,state,reason,priority,case_number,expires,entered_by
6TRJ244,CA,stolen vehicle,2,SVS-2026-118822,{soon},CHP Sacramento
5KLM001,CA,stolen plate,3,SVS-2026-120031,{soon},LAPD Harbor
3DOJ777,CA,stolen vehicle,3,SVS-2026-120555,{soon},CHP Santa Ana
"""
PARTNER_CSV = """plate,state,reason,priority,case_number,expires,why
9LAP100,CA,felony_vehicle,2,LAPD-26-0091,{soon},Shared by Los Alamitos PD
"""

# (plate, minutes ago, what happens to the hit)
DEMO_HITS = [
    ("7ABC123", 50, "confirm_action"),
    ("7ABD129", 35, "misread"),
    ("6TRJ244", 20, "confirm"),
    ("3DOJ777", 16, "exigent"),  # acted on before confirmation: waits in the supervisors' review queue (R-HOT-4a)
    ("8XYZ789", 12, "not_actionable"),
    ("4SAM123", 6, None),
    ("7ABX124", 3, None),
    ("5KLM001", 2, None),  # a stolen plate to confirm with dispatch or CLETS (R-HOT-4a)
]


def _crop_b64(plate: str) -> str:
    import base64

    image = Image.new("RGB", (200, 60), (246, 246, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((1, 1, 198, 58), outline=(30, 50, 120), width=2)
    draw.text((14, 6), "California", fill=(180, 30, 30))
    draw.text((55, 30), plate, fill=(20, 30, 90))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _load(hot_list, csv_text: str, actor) -> None:
    from apps.hotlists.services.list_imports import hot_list_import_apply, hot_list_import_preview

    soon = (timezone.localdate() + timedelta(days=30)).isoformat()
    staged = hot_list_import_preview(actor=actor, hot_list=hot_list, content=csv_text.format(soon=soon).encode(),
                                     filename="demo.csv")
    hot_list_import_apply(actor=actor, hot_list_import=staged, note="Demo data.")


def seed_hotlists(*, people: dict, stdout=None) -> None:
    from apps.agencies.models import Agency
    from apps.hotlists.services.lists import hot_list_create

    supervisor, sysadmin = people.get("supervisor"), people.get("sysadmin")
    if supervisor is None or sysadmin is None:
        return
    if not HotList.objects.filter(name=OWN_LIST).exists():
        own = hot_list_create(actor=supervisor, name=OWN_LIST, source=HotListSource.OWN, owner=supervisor,
                              description="Plates our investigators are looking for.", default_entry_days=30,
                              refresh_policy=RefreshPolicy.MANUAL)
        _load(own, OWN_CSV, supervisor)
    if not HotList.objects.filter(name=DOJ_LIST).exists():
        doj = hot_list_create(actor=sysadmin, name=DOJ_LIST, source=HotListSource.CA_DOJ, owner=sysadmin,
                              description="Stolen vehicles and plates from the California DOJ (SVS), via CLETS.",
                              refresh_policy=RefreshPolicy.FEED)
        _load(doj, DOJ_CSV, sysadmin)
    partner_agency = Agency.objects.filter(name="Los Alamitos Police Department").first()
    if partner_agency is not None and not HotList.objects.filter(name=PARTNER_LIST).exists():
        try:
            partner = hot_list_create(actor=sysadmin, name=PARTNER_LIST, source=HotListSource.PARTNER,
                                      agency=partner_agency, owner=sysadmin, refresh_policy=RefreshPolicy.DAILY,
                                      description="Shared under the 2026 agreement; must be refreshed daily.")
        except Exception as exc:  # no agreement in force in this database: the demo goes on without it
            if stdout is not None:
                stdout.write(f"  (no partner hot list: {exc})")
        else:
            _load(partner, PARTNER_CSV, sysadmin)
            # Demo of R-HOT-2: last refreshed 30 hours ago, so it is stale and does not match.
            HotList.objects.filter(pk=partner.pk).update(last_refreshed_at=timezone.now() - timedelta(hours=30))
    _seed_hits(people)
    _seed_justifications_and_quality(people)
    if stdout is not None:
        stdout.write("  Hot lists: /hotlists/ (a stale partner list included); live hits: /hotlists/hits/; "
                     "supervisor usage report: /hotlists/usage/; exigent actions to review (supervisor): "
                     "/hotlists/exigent/")
        stdout.write("  R-PURP-2 review queue (supervisor): /justifications/; R-HOT-7 errors and referrals: "
                     "/hotlists/errors/; data-quality reviews (one overdue): /hotlists/quality/")


OTHER_WHY = "Vehicle of a person of interest in homicide 26-004900: seen leaving the scene on two videos."
AREA_WHY = ("Burglary series 26-004610 at the marina: vehicles near the Harbor Blvd lot during the 01:00-03:00 "
            "window of the last break-in.")


def _seed_justifications_and_quality(people: dict) -> None:
    """R-PURP-2: an "other" entry and an area search, both justified and waiting for the supervisor's review.
    R-HOT-7: a CA DOJ entry marked erroneous with its referral waiting to be sent, and an own-list data-quality review
    recorded 100 days ago, so the list's next review is overdue (and its alert sent)."""
    from apps.audit.models import AccessLog
    from apps.hotlists.choices import EntryReason
    from apps.hotlists.models import HotListEntry, HotListEntryError, HotListQualityReview
    from apps.hotlists.services.data_quality import (
        hot_list_entry_mark_erroneous,
        hot_list_quality_review_record,
        hot_list_quality_reviews_alert_overdue,
    )
    from apps.hotlists.services.lists import hot_list_entry_add

    supervisor, investigator = people.get("supervisor"), people.get("investigator")
    own, doj = HotList.objects.filter(name=OWN_LIST).first(), HotList.objects.filter(name=DOJ_LIST).first()
    if investigator is not None and own is not None and not HotListEntry.objects.filter(
            reason=EntryReason.OTHER).exists():
        hot_list_entry_add(actor=investigator, hot_list=own, plate="2PRS450", state="CA", reason=EntryReason.OTHER,
                           case_number="26-004900", justification=OTHER_WHY, attested=True,
                           vehicle_description="Black Nissan Altima")
    if investigator is not None and not AccessLog.objects.filter(data_elements__plate_less=True).exists():
        from apps.reads.selectors import read_search, read_search_build

        read_search(user=investigator, search=read_search_build(circle=(33.77, -117.92, 1.5)),
                    purpose="investigative_leads", case_number="26-004610", justification=AREA_WHY, attested=True,
                    endpoint="seed_demo")
    if supervisor is not None and doj is not None and not HotListEntryError.objects.exists():
        entry = HotListEntry.objects.filter(hot_list=doj, plate_pattern="3DOJ777", removed_in__isnull=True).first()
        if entry is not None:
            hot_list_entry_mark_erroneous(
                actor=supervisor, entry=entry, kind="no_longer_wanted",
                description="Owner reports the car was recovered by CHP Santa Ana on 11/28; SVS still lists it.")
    if supervisor is not None and own is not None and not HotListQualityReview.objects.exists():
        review = hot_list_quality_review_record(
            actor=supervisor, hot_list=own, entries_checked=4, errors_found=0,
            scope="Every entry of the Sheriff's hot list checked against its case file and expiry.",
            findings="No errors found; two expiries shortened to the case's court date.")
        HotListQualityReview.objects.filter(pk=review.pk).update(reviewed_at=timezone.now() - timedelta(days=100))
        hot_list_quality_reviews_alert_overdue()


def _seed_hits(people: dict) -> None:
    from apps.hotlists.services.hit_matching import hits_match_reads
    from apps.hotlists.services.hits import (
        hit_act_exigent,
        hit_confirm,
        hit_mark_misread,
        hit_mark_not_actionable,
        hit_record_action,
    )
    from apps.reads.models import Camera
    from apps.reads.services.ingest import read_batch_ingest

    if Hit.objects.exists():
        return
    operator = people.get("operator")
    camera = Camera.objects.filter(name="Patrol unit 12").first() or Camera.objects.first()
    if camera is None or operator is None:
        return
    now = timezone.now()
    items = [{"read_id": f"demo-hit-{plate}", "plate": plate, "region": "CA", "confidence": 91.5,
              "captured_at": (now - timedelta(minutes=minutes)).astimezone(UTC).isoformat(),
              "latitude": 33.77, "longitude": -117.92, "plate_crop": _crop_b64(plate)}
             for plate, minutes, _outcome in DEMO_HITS]
    result = read_batch_ingest(camera=camera, items=items)
    hits_match_reads(read_ids=[r.id for r in result.results if r.id])  # idempotent with the ingest hook
    for plate, _minutes, outcome in DEMO_HITS:
        hit = Hit.objects.filter(plate=plate).order_by("id").first()
        if hit is None or outcome is None:
            continue
        if outcome in ("confirm", "confirm_action"):
            hit_confirm(actor=operator, hit=hit, method=ConfirmationMethod.DISPATCH,
                        result=ConfirmationResult.STILL_WANTED, note="Dispatcher J. Lee confirmed via CLETS.",
                        reference="Dispatcher J. Lee #214")
            if outcome == "confirm_action":
                hit_record_action(actor=operator, hit=hit, action=HitAction.RECOVERED,
                                  note="Vehicle recovered unoccupied.")
        elif outcome == "exigent":
            hit_act_exigent(actor=operator, hit=hit, action=HitAction.STOP,
                            justification="Driver fled a collision and was about to enter the freeway; no time to "
                                          "reach dispatch before stopping it.")
        elif outcome == "misread":
            hit_mark_misread(actor=operator, hit=hit, note="Crop shows 7ABD128: the camera read 8 as 9.")
        elif outcome == "not_actionable":
            hit_mark_not_actionable(actor=operator, hit=hit, note="Vehicle out of sight before the unit could turn.")
