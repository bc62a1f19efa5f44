"""Demo evidence holds and retention data for ``manage.py seed_demo`` (idempotent).

- the deploying agency's retention policy (2 years, policy 004 §VI);
- a decommissioned legacy unit with reads captured ~2¼ years ago: old enough to archive on the first nightly run;
- an active hold by ``investigator`` (approved by ``supervisor``, verified by ``custodian``) on some of those legacy
  reads: they stay;
- a pending hold by ``investigator`` on recent reads of 7ABC123, waiting for ``supervisor``;
- a discovery-request hold (R-RET-3a) with its evidence booking item number, approved by ``supervisor`` and waiting
  for ``custodian``'s verification.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from apps.holds.choices import HoldGround, HoldStatus, ScopeKind
from apps.holds.models import EvidenceHold

LEGACY_READS = 60
ACTIVE_CASE = "MC-23-004417"  # not "DEMO-…": the oversight demo counts those access-log rows
PENDING_CASE = "MC-26-000123"
DISCOVERY_CASE = "CIV-26-000311"


def _legacy_reads(agency, admin):
    from apps.reads.choices import CameraKind
    from apps.reads.models import Camera, Read
    from apps.reads.services.cameras import camera_create

    now = timezone.now()
    camera = Camera.objects.filter(agency=agency, name="Legacy unit 7 (decommissioned)").first() or camera_create(
        actor=admin, name="Legacy unit 7 (decommissioned)", kind=CameraKind.FIXED, agency=agency,
        location_description="Pacific Coast Hwy at Main St (removed 2024)", latitude=33.6595, longitude=-117.9988,
        commissioned_at=now - timedelta(days=5 * 365),
    )
    if not Read.objects.filter(source_read_id__startswith="demo-legacy-").exists():
        rows = []
        for index in range(LEGACY_READS):
            plate = "7LEG001" if index < 10 else f"5OLD{index:03d}"
            captured = now - timedelta(days=760 + index, hours=index % 24)
            rows.append(Read(
                camera=camera, source_read_id=f"demo-legacy-{index}", source=CameraKind.FIXED, plate_read=plate,
                plate_normalized=plate, plate_current=plate, region="CA", captured_at=captured,
                received_at=captured + timedelta(seconds=3), latitude=33.6595, longitude=-117.9988, confidence=91.0,
            ))
        Read.objects.bulk_create(rows, ignore_conflicts=True)
    return list(Read.objects.filter(source_read_id__startswith="demo-legacy-", plate_current="7LEG001")
                .values_list("pk", flat=True))


def seed_holds(*, people: dict, stdout=None) -> None:
    """Create the demo retention policy, legacy reads and two holds (safe to run again)."""
    from apps.agencies.models import Agency
    from apps.holds.services.decisions import hold_approve, hold_verify
    from apps.holds.services.request import hold_request
    from apps.retention.selectors import retention_policy_row
    from apps.retention.services import retention_policy_update

    agency = Agency.objects.filter(is_deploying_agency=True).first()
    investigator, supervisor = people.get("investigator"), people.get("supervisor")
    if agency is None or investigator is None or supervisor is None:
        return
    if retention_policy_row() is None:
        retention_policy_update(actor=None, read_retention_days=730, archive_purge_days=365,
                                policy_reference="Demo: ALPR privacy policy §VI (2 years, then archived)")
    held_ids = _legacy_reads(agency, people.get("sysadmin"))
    if not EvidenceHold.objects.filter(case_number=ACTIVE_CASE).exists() and held_ids:
        hold = hold_request(
            actor=investigator, case_number=ACTIVE_CASE, ground=HoldGround.PROSECUTION, scope_kind=ScopeKind.READS,
            reason="Vehicle 7LEG001 placed at the scene of a 2023 robbery; trial set, pending final disposition.",
            contact="Det. Ivy Nguyen, Major Crimes, (555) 010-4417", read_ids=held_ids,
        )
        hold = hold_approve(actor=supervisor, hold=hold, note="Demo: approved.")
        if people.get("custodian") is not None:
            hold_verify(actor=people["custodian"], hold=hold, note="Demo: verified (004 §XI).",
                        evidence_booking_number="EV-23-004417-01")
    if not EvidenceHold.objects.filter(case_number=DISCOVERY_CASE).exists():
        now = timezone.now()
        try:
            hold = hold_request(
                actor=investigator, case_number=DISCOVERY_CASE, ground=HoldGround.DISCOVERY_REQUEST,
                scope_kind=ScopeKind.SEARCH, plate="8XYZ*", time_from=now - timedelta(days=30), time_to=now,
                reason="Subpoena duces tecum in Doe v. County (civil action), served 2026-11-30: produce the reads.",
                contact="Det. Ivy Nguyen, (555) 010-4417", evidence_booking_number="EV-26-000311-01",
            )
            hold_approve(actor=supervisor, hold=hold, note="Demo: approved; waits for the custodian.")
        except Exception as exc:  # demo reads may be missing; the rest of the demo still works
            if stdout is not None:
                stdout.write(f"  (no discovery-request demo hold: {exc})")
    if not EvidenceHold.objects.filter(case_number=PENDING_CASE).exists():
        now = timezone.now()
        try:
            hold_request(
                actor=investigator, case_number=PENDING_CASE, ground=HoldGround.ONGOING_INVESTIGATION,
                scope_kind=ScopeKind.SEARCH, plate="7ABC123", time_from=now - timedelta(days=22), time_to=now,
                reason="7ABC123 matches the description of a hit-and-run suspect vehicle.",
                contact="Det. Ivy Nguyen, (555) 010-4417",
            )
        except Exception as exc:  # demo reads may be missing; the rest of the demo still works
            if stdout is not None:
                stdout.write(f"  (no pending demo hold: {exc})")
    if stdout is not None:
        stdout.write(f"  Evidence holds: /holds/ (supervisor approves {PENDING_CASE}; custodian verifies the discovery "
                     f"request {DISCOVERY_CASE}); retention: /retention/ — "
                     "`manage.py run_retention` archives the legacy reads, except those under the active hold.")


def seed_evidence_export(*, people: dict, stdout=None) -> None:
    """An evidence package of the active demo hold, built, for the agency's own property room (an internal
    recipient, R-SHR-8), so the export's download and its access-log row can be tried at once."""
    from apps.disclosures.egress import INTERNAL_RECIPIENT
    from apps.holds.exports import evidence_export_build
    from apps.holds.services.exports import evidence_export_request

    supervisor = people.get("supervisor")
    hold = EvidenceHold.objects.filter(case_number=ACTIVE_CASE, status=HoldStatus.ACTIVE).first()
    if supervisor is None or hold is None or hold.exports.exists():
        return
    export = evidence_export_request(actor=supervisor, hold=hold, recipient=INTERNAL_RECIPIENT)
    evidence_export_build(export_id=export.pk, actor=supervisor)
    if stdout is not None:
        stdout.write(f"  Evidence export: {ACTIVE_CASE}'s package is built (/holds/, supervisor).")
