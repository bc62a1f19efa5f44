"""Demo oversight data for ``manage.py seed_demo`` (idempotent): oversight accounts for the Inspector General and the
Civilian Oversight Commission, a half-year of query history, an approved query-audit campaign over it, and the
drafted semi-annual report of the last half-year with its three PDFs.

The demo's history lies in the last ended half-year, but the access log stamps every row with the current time
(that is its point). So, for the demo only, the clock is set back while each demo query is logged through the real
service: the rows are chained and verify like any other.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from unittest import mock

from django.apps import apps
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import user_create
from apps.agencies.models import Agency
from apps.audit.choices import Purpose
from apps.audit.models import AccessLog
from apps.audit.services import access_log_record
from apps.audits.choices import CampaignStatus, Finding, Stratification
from apps.audits.models import AuditCampaign
from apps.audits.services import (
    audit_campaign_approve,
    audit_campaign_create,
    audit_campaign_submit,
    audit_sample_review,
)
from apps.reports.choices import OversightBody, ReportKind
from apps.reports.models import OversightProfile
from apps.reports.periods import last_ended_periods
from apps.reports.services.jobs import report_job_execute
from apps.reports.services.lifecycle import report_draft_create
from apps.reports.services.profiles import oversight_profile_set

DEMO_CASE_PREFIX = "DEMO-"
DEMO_QUERIES = 90
DEMO_READS_PER_DAY = 40
COMMISSION_USER = ("commission", "Carla", "Mendes", "Civilian Oversight Commission, commissioner")
PLATES = ["7ABC123", "7AB?12*", "8XYZ*", "6TRJ244", "5KLM001", "4SAM123", "8XYZ789", "3FGH*"]


def _at(day, rng: random.Random) -> datetime:
    moment = datetime.combine(day, time(hour=rng.randint(7, 22), minute=rng.randint(0, 59)))
    return timezone.make_aware(moment, timezone.get_current_timezone())


def _seed_queries(period, rng: random.Random) -> None:
    """Investigators' and the supervisor's queries over the half-year, logged through access_log_record."""
    if AccessLog.objects.filter(case_number__startswith=DEMO_CASE_PREFIX).exists():
        return
    people = list(User.objects.filter(username__in=["investigator", "lapsed", "supervisor"]))
    if not people:
        return
    days = (period.end - period.start).days + 1
    moments = sorted(_at(period.start + timedelta(days=rng.randrange(days)), rng) for _ in range(DEMO_QUERIES))
    for index, moment in enumerate(moments):
        person = rng.choice(people)
        plate = rng.choice(PLATES)
        elements = {"plate_pattern": plate, "plate_match": "partial" if "*" in plate or "?" in plate else "exact",
                    "time_from": (moment - timedelta(days=7)).isoformat(), "time_to": moment.isoformat()}
        action = rng.choice(["reads.search"] * 6 + ["reads.view", "reads.export"])
        if index % 9 == 4:  # a search by camera, without a plate: risk-weighted audits over-sample these (R-AUD-3a)
            action, elements = "reads.search", {**elements, "plate_pattern": None, "plate_match": None,
                                                "cameras": [1], "area": None}
        # timezone.now() is UTC; so is the stand-in, or the row's hash would not match it after a round trip.
        with mock.patch("django.utils.timezone.now", return_value=moment.astimezone(UTC)):
            access_log_record(
                user=person, action=action, data_elements=elements,
                purpose=rng.choice(Purpose.values), case_number=f"{DEMO_CASE_PREFIX}{26000 + index * 7 % 500:05d}",
                result_count=rng.randint(0, 40), endpoint="reads:search",
            )


def _seed_reads(period, rng: random.Random) -> None:
    """Reads spread over the half-year on the demo cameras (the reads demo covers only the last three weeks)."""
    if not apps.is_installed("apps.reads"):
        return
    from apps.reads.choices import CameraKind
    from apps.reads.models import Camera, Read

    if Read.objects.filter(source_read_id__startswith="oversight-demo-").exists():
        return
    cameras = list(Camera.objects.exclude(kind=CameraKind.UPLOAD).filter(commissioned_at__date__lte=period.start))
    if not cameras:
        return
    weights = [6, 4, 3, 1, 1][: len(cameras)] + [1] * max(0, len(cameras) - 5)
    rows = []
    day = period.start
    while day <= period.end:
        for _ in range(DEMO_READS_PER_DAY + rng.randint(-15, 15)):
            camera = rng.choices(cameras, weights=weights)[0]
            letters = "".join(rng.choices("ABCDEFGHJKLMNPRSTUVWXYZ", k=3))
            plate = f"{rng.randint(1, 9)}{letters}{rng.randint(0, 999):03d}"
            captured = _at(day, rng)
            rows.append(Read(
                camera=camera, source_read_id=f"oversight-demo-{len(rows)}", source=camera.kind, plate_read=plate,
                plate_normalized=plate, plate_current=plate, region="CA", captured_at=captured,
                received_at=captured + timedelta(seconds=3), confidence=round(rng.uniform(70, 99.5), 1),
                latitude=camera.latitude, longitude=camera.longitude,
            ))
        day += timedelta(days=1)
    Read.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)


def _seed_campaign(period, rng: random.Random):
    supervisor = User.objects.filter(username="supervisor").first()
    custodian = User.objects.filter(username="custodian").first()
    if supervisor is None or custodian is None:
        return None
    existing = AuditCampaign.objects.filter(created_by=supervisor, period_start=period.start).first()
    if existing is not None:
        return existing
    campaign = audit_campaign_create(
        actor=supervisor, title=f"Team query audit {period.reference[4:]}", period_start=period.start,
        period_end=period.end, stratification=Stratification.USER, confidence_level=90, margin_of_error=10,
        seed="demo-" + period.reference.lower(), risk_weighted=True,
    )
    for index, sample in enumerate(campaign.samples.select_related("access_log").order_by("position")):
        if index == 3:
            audit_sample_review(actor=supervisor, sample=sample, finding=Finding.NOT_NECESSARY,
                                notes="Case cited was closed two months before the query; discussed with the deputy.")
        elif index == 7:
            audit_sample_review(actor=supervisor, sample=sample, finding=Finding.FOLLOW_UP,
                                notes="Broad partial-plate search; confirm it matched the witness statement.")
        else:
            audit_sample_review(actor=supervisor, sample=sample, finding=Finding.NECESSARY,
                                notes="Matches the case file.")
    audit_campaign_submit(actor=supervisor, campaign=campaign)
    audit_campaign_approve(actor=custodian, campaign=campaign, note="Reviewed with the ASAP Unit.")
    campaign.refresh_from_db()
    return campaign


def seed_oversight_demo(*, password: str, stdout=None) -> None:
    """Oversight accounts (the existing ``oversight`` is the Inspector General; ``commission`` the Commission), a
    half-year of demo history, an approved audit campaign and the drafted semi-annual report of the last half-year."""
    today = timezone.localdate()
    rng = random.Random(20260630)
    inspector = User.objects.filter(username="oversight").first()
    if inspector is not None and not OversightProfile.objects.filter(user=inspector).exists():
        oversight_profile_set(actor=None, user=inspector, body=OversightBody.INSPECTOR_GENERAL)
    username, first, last, title = COMMISSION_USER
    commission = User.objects.filter(username=username).first()
    if commission is None:
        commission = user_create(
            actor=None, username=username, password=password, agency=Agency.objects.filter(
                is_deploying_agency=True).first(), roles=[Role.OVERSIGHT], first_name=first, last_name=last,
            job_title=title, email=f"{username}@example.org", validate_password_strength=False,
        )
    if not OversightProfile.objects.filter(user=commission).exists():
        oversight_profile_set(actor=None, user=commission, body=OversightBody.OVERSIGHT_COMMISSION)

    half = next(p for p in last_ended_periods(today=today) if p.kind == ReportKind.SEMIANNUAL)
    _seed_reads(half, rng)
    _seed_queries(half, rng)
    campaign = _seed_campaign(half, rng)
    report, created = report_draft_create(actor=None, kind=ReportKind.SEMIANNUAL, period_start=half.start,
                                          today=today, enqueue=False)
    if created:
        job = report.jobs.order_by("-id").first()
        report_job_execute(job_id=job.pk)  # render now: the demo must not depend on a running worker
    if stdout is not None:
        stdout.write(f"  Oversight: {inspector.username if inspector else '-'} = Inspector General (unredacted), "
                     f"{commission.username} = Civilian Oversight Commission (redacted); reports: /reports/")
        if campaign is not None:
            state = "approved" if campaign.status == CampaignStatus.APPROVED else campaign.status
            stdout.write(f"  Query audit {campaign.reference} ({state}): /audits/{campaign.pk}/; "
                         f"draft report {report.reference}: /reports/{report.pk}/; public page: /transparency/")
