"""Helpers shared by the holds and retention tests: cameras and reads at chosen ages, with real image files."""

from __future__ import annotations

import io
from datetime import UTC, timedelta
from unittest import mock

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from apps.reads.choices import CameraKind
from apps.reads.models import Read
from apps.reads.services.cameras import camera_create

_counter = iter(range(1, 10**9))


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 16), (200, 200, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


def make_camera(agency, name="Harbor Blvd NB"):
    return camera_create(actor=None, name=name, kind=CameraKind.FIXED, agency=agency,
                         commissioned_at=timezone.now() - timedelta(days=3650), latitude=33.77, longitude=-117.92)


def make_read(camera, *, plate="7ABC123", days_ago: float = 1, archived_days_ago: float | None = None,
              images: bool = False) -> Read:
    """A read captured ``days_ago`` (bypassing ingest, which refuses old captures), optionally archived and with
    stored image files."""
    now = timezone.now()
    captured = now - timedelta(days=days_ago)
    n = next(_counter)
    read = Read(camera=camera, source_read_id=f"t-{n}", source=camera.kind, plate_read=plate, plate_normalized=plate,
                plate_current=plate, region="CA", captured_at=captured, received_at=captured + timedelta(seconds=2),
                latitude=33.77, longitude=-117.92, confidence=90.0,
                archived_at=None if archived_days_ago is None else now - timedelta(days=archived_days_ago))
    if images:
        read.vehicle_image.name = default_storage.save(f"reads/test/{n}-vehicle_image.jpg", ContentFile(jpeg_bytes()))
        read.plate_crop.name = default_storage.save(f"reads/test/{n}-plate_crop.jpg", ContentFile(jpeg_bytes()))
    read.save(force_insert=True)
    return read


def archived_pks(pks) -> set[int]:
    """The reads of ``pks`` that are archived (R-RET-1): flagged one by one or passed by the archive watermark."""
    from apps.reads.archive import read_unarchived_q

    pks = [getattr(pk, "pk", pk) for pk in pks]
    return set(Read.objects.filter(pk__in=pks).exclude(read_unarchived_q()).values_list("pk", flat=True))


def record_access(user, *, days_ago: float = 0, case="24-000001"):
    """An access-log row that happened ``days_ago`` (as the oversight demo does: the clock is stood in)."""
    from apps.audit.services import access_log_record

    moment = (timezone.now() - timedelta(days=days_ago)).astimezone(UTC)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        return access_log_record(user=user, action="reads.search", data_elements={"plate_pattern": "7ABC123"},
                                 purpose="investigative_leads", case_number=case, result_count=1)


def approve_and_verify(*, boss, hold, verifier=None, note: str = ""):
    """The supervisor approves and the custodian of records verifies (R-RET-3a): the hold is active. ``verifier``
    defaults to a fresh trained custodian."""
    from apps.accounts.roles import Role
    from apps.holds.services.decisions import hold_approve, hold_verify
    from tests.factories import TrainingRecordFactory, UserFactory

    hold = hold_approve(actor=boss, hold=hold, note=note)
    if verifier is None:
        verifier = UserFactory(roles=[Role.CUSTODIAN], agency=boss.agency)
        TrainingRecordFactory(person=verifier, completed_on=timezone.localdate() - timedelta(days=30))
    return hold_verify(actor=verifier, hold=hold)
