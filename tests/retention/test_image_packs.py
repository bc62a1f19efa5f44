"""Image packs (issue #19) go with the last of their reads (R-RET-2); a held read keeps its pack (R-RET-3)."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from apps.reads.images import ValidImage, image_sha256, image_stored_bytes, images_pack_store
from apps.reads.models import ImagePack, Read
from apps.retention.models import PendingFileDeletion
from tests.holds.helpers import approve_and_verify, make_read
from tests.reads.conftest import jpeg_bytes


def _packed_reads(camera, count: int, *, days_ago: float, archived_days_ago: float | None):
    """``count`` reads captured ``days_ago`` whose crops are one pack (as one ingest batch stores them)."""
    crops = [jpeg_bytes(size=(60 + n, 24)) for n in range(count)]
    stored = images_pack_store([ValidImage(content=c, extension="jpg") for c in crops], camera_id=camera.pk)
    pack = ImagePack.objects.create(name=stored.name, camera=camera, created_at=timezone.now(), size=stored.size,
                                    image_count=count)
    reads = []
    for crop, ref in zip(crops, stored.refs, strict=True):
        read = make_read(camera, days_ago=days_ago, archived_days_ago=archived_days_ago)
        Read.objects.filter(pk=read.pk).update(plate_crop=ref, plate_crop_sha256=image_sha256(crop), image_pack=pack)
        reads.append(Read.objects.get(pk=read.pk))
    return pack, reads, crops


def test_a_pack_is_purged_with_its_reads(camera, run_retention, policy, django_capture_on_commit_callbacks):
    policy(read_retention_days=730, archive_purge_days=365)
    pack, reads, _crops = _packed_reads(camera, 3, days_ago=1200, archived_days_ago=400)
    kept_pack, kept, _ = _packed_reads(camera, 2, days_ago=5, archived_days_ago=None)
    with django_capture_on_commit_callbacks(execute=True):
        run = run_retention(batch_size=2)
    assert not Read.objects.filter(pk__in=[r.pk for r in reads]).exists()
    assert not ImagePack.objects.filter(pk=pack.pk).exists() and not default_storage.exists(pack.name)
    assert run.counts["reads.purge"]["image_packs_released"] == 1
    assert ImagePack.objects.filter(pk=kept_pack.pk).exists() and default_storage.exists(kept_pack.name)
    assert not PendingFileDeletion.objects.exists()


def test_a_held_read_keeps_its_pack_and_its_image(camera, detective, boss, run_retention, policy,
                                                  django_capture_on_commit_callbacks):
    """R-RET-3: the other reads of the batch are purged; the held one's image is still read back and verified."""
    from apps.holds.choices import HoldGround, ScopeKind
    from apps.holds.services.request import hold_request

    policy(read_retention_days=730, archive_purge_days=365)
    pack, reads, crops = _packed_reads(camera, 3, days_ago=1200, archived_days_ago=None)
    hold = hold_request(actor=detective, case_number="24-000999", reason="Evidence.", ground=HoldGround.EVIDENCE,
                        contact="x", scope_kind=ScopeKind.READS, read_ids=[reads[1].pk])
    approve_and_verify(boss=boss, hold=hold)
    Read.objects.update(archived_at=timezone.now() - timedelta(days=400))
    with django_capture_on_commit_callbacks(execute=True):
        run_retention()
    assert list(Read.objects.values_list("pk", flat=True)) == [reads[1].pk]
    assert ImagePack.objects.filter(pk=pack.pk).exists() and default_storage.exists(pack.name)
    held = Read.objects.get(pk=reads[1].pk)
    assert image_stored_bytes(held.plate_crop.name) == crops[1]
    assert image_sha256(crops[1]) == held.plate_crop_sha256


def test_the_orphan_sweep_keeps_packs_in_use_and_removes_unreferenced_ones(camera, run_retention, settings,
                                                                           django_capture_on_commit_callbacks):
    settings.PORTAL = {**settings.PORTAL, "RETENTION_ORPHAN_GRACE_HOURS": 0}
    used, _reads, _ = _packed_reads(camera, 2, days_ago=3, archived_days_ago=None)
    # A pack object whose ingest failed before its row was written, and a row whose reads never came.
    stray = default_storage.save("reads/packs/2020/01/01/9/stray.pack", ContentFile(b"\xff\xd8\xff"))
    lonely = ImagePack.objects.create(name=default_storage.save("reads/packs/2020/01/01/9/lonely.pack",
                                                                ContentFile(b"x")),
                                      camera=camera, created_at=timezone.now(), size=1, image_count=1)
    with django_capture_on_commit_callbacks(execute=True):
        run = run_retention()
    assert default_storage.exists(used.name) and ImagePack.objects.filter(pk=used.pk).exists()
    assert not default_storage.exists(stray)
    assert not ImagePack.objects.filter(pk=lonely.pk).exists() and not default_storage.exists(lonely.name)
    assert sum(counts.get("image_packs_released", 0) for counts in run.counts.values()) == 1
