"""Demo cameras, a camera token and a few thousand reads for ``manage.py seed_demo`` (idempotent, a few seconds).

Called by apps/ops/management/commands/seed_demo.py. Reads are bulk-created with fixed ``source_read_id``s, so a
second run adds nothing; a small subset gets generated plate-crop images so the search page shows thumbnails.
"""

from __future__ import annotations

import io
import random
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image, ImageDraw

from apps.audit.access_context import AccessContext
from apps.audit.choices import Purpose
from apps.reads.choices import CameraKind, CameraStatus
from apps.reads.images import image_sha256
from apps.reads.models import Camera, CameraCredential, Read, ReadCorrection
from apps.reads.plates import plate_normalize
from apps.reads.services.cameras import camera_create, camera_report_status
from apps.reads.services.corrections import read_correct
from apps.reads.services.tokens import camera_token_issue, token_hash

# Printed for the demo only (like the demo password): lets a newcomer post reads with curl right away.
DEMO_CAMERA_TOKEN = "alprcam_demo-harbor-blvd-nb-0123456789abcdefghijklmnop"  # noqa: S105
DEMO_READS = 3000
DEMO_DAYS = 21
DEMO_IMAGES = 150

CAMERAS = [
    # name, kind, location, lat, lon, officer username, external id
    ("Harbor Blvd NB at 5th St", CameraKind.FIXED, "Harbor Blvd northbound, pole-mounted", 33.7701, -117.9190, None,
     "106232737"),
    ("Main St & 1st Ave", CameraKind.FIXED, "Main St eastbound at 1st Ave", 33.7455, -117.8677, None, ""),
    ("Beach Blvd SB at Edinger", CameraKind.FIXED, "Beach Blvd southbound", 33.7303, -117.9889, None, ""),
    ("Patrol unit 12", CameraKind.MOBILE, "Marked patrol car 12", None, None, "operator", ""),
    ("Manual uploads", CameraKind.UPLOAD, "Images uploaded by investigators", None, None, None, ""),
]

# Plates that recur so demo searches find something: try 7ABC123, 7AB?12*, 8XYZ*.
RECURRING = ["7ABC123", "7ABD129", "7ABX124", "8XYZ789", "8XYZ780", "6TRJ244", "5KLM001", "4SAM123"]


def _plate(rng: random.Random) -> str:
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    return f"{rng.randint(1, 9)}{''.join(rng.choices(letters, k=3))}{rng.randint(0, 999):03d}"


def _crop(plate: str) -> bytes:
    image = Image.new("RGB", (160, 48), (245, 245, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((1, 1, 158, 46), outline=(30, 50, 120), width=2)
    draw.text((12, 8), "California", fill=(180, 30, 30))
    draw.text((40, 24), plate, fill=(20, 30, 90))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=70)
    return buffer.getvalue()


def seed_reads(*, agency, people: dict, stdout=None) -> None:
    """Create the demo cameras (one mobile unit assigned to ``operator``), the demo token, reads, one correction and
    one out-of-service report. Safe to run again."""
    now = timezone.now()
    admin = people.get("sysadmin")
    cameras = []
    for name, kind, location, lat, lon, officer, external in CAMERAS:
        camera = Camera.objects.filter(agency=agency, name=name).first() or camera_create(
            actor=admin, name=name, kind=kind, agency=agency, location_description=location, latitude=lat,
            longitude=lon, assigned_officer=people.get(officer) if officer else None, external_id=external,
            commissioned_at=now - timedelta(days=400),
        )
        cameras.append(camera)
    token_camera = cameras[0]
    if not CameraCredential.objects.filter(token_hash=token_hash(DEMO_CAMERA_TOKEN)).exists():
        camera_token_issue(actor=admin, camera=token_camera, raw_token=DEMO_CAMERA_TOKEN)

    if not Read.objects.filter(source_read_id__startswith="demo-").exists():
        _seed_read_rows(cameras, now)

    corrected = Read.objects.filter(source_read_id="demo-42").first()
    if corrected is not None and not ReadCorrection.objects.filter(read=corrected).exists() and admin:
        read_correct(actor=admin, read=corrected, corrected_plate="7ABC128",
                     reason="Demo: the crop shows an 8 where the OCR read 3.",
                     context=AccessContext(purpose=Purpose.PROSECUTION_OR_EXONERATION, case_number="PC-26-01207"))
    damaged = cameras[2]
    if damaged.status == CameraStatus.IN_SERVICE and not damaged.status_reports.exists() and admin:
        camera_report_status(actor=admin, camera=damaged, status=CameraStatus.OUT_OF_SERVICE,
                             reason="Demo: lens cracked by a thrown rock; reads since are unreliable.",
                             effective_at=now - timedelta(days=2))
    _seed_agents(cameras, now)
    if stdout is not None:
        stdout.write(f"  Camera token for “{token_camera.name}” (demo only): {DEMO_CAMERA_TOKEN}")
        stdout.write("    curl -X POST -H 'Authorization: Camera <token>' -H 'Content-Type: application/json' "
                     "-d '{\"reads\":[{\"plate\":\"7ABC123\",\"captured_at\":\"<ISO time>\"}]}' "
                     "http://127.0.0.1:8000/api/v1/ingest/reads/")
        stdout.write("  Plate search: /reads/ (try 7ABC123, 7AB?12*, 8XYZ*); cameras: /reads/cameras/")
        stdout.write("  Maps: search 7AB* (results clustered by camera), then “Grouped by plate” and 7ABC123's story; "
                     "draw a search area under “Area”")
        stdout.write("  Camera agents: “Main St & 1st Ave” is not reporting on /reads/cameras/; search 7AB* with the "
                     "vehicle colour silver-gray and make toyota, or misread-tolerant 7ABG123 (a camera candidate)")


def _seed_read_rows(cameras, now) -> None:
    rng = random.Random(20260101)
    sources = [c for c in cameras if c.kind != CameraKind.UPLOAD]
    rows = []
    for index in range(DEMO_READS):
        camera = rng.choice(sources)
        plate = rng.choice(RECURRING) if index % 12 == 0 or index == 42 else _plate(rng)
        if index == 42:
            plate = "7ABC123"
        captured_at = now - timedelta(seconds=rng.randint(60, DEMO_DAYS * 86400))
        if camera.latitude is not None:
            lat, lon = camera.latitude + rng.uniform(-0.0005, 0.0005), camera.longitude + rng.uniform(-0.0005, 0.0005)
        else:
            lat, lon = 33.70 + rng.uniform(0, 0.12), -118.00 + rng.uniform(0, 0.15)
        plate_read = plate if rng.random() < 0.8 else f"{plate[:3]} {plate[3:]}"
        rows.append(Read(
            camera=camera, source_read_id=f"demo-{index}", source=camera.kind, plate_read=plate_read,
            plate_normalized=plate_normalize(plate_read), plate_current=plate_normalize(plate_read), region="CA",
            captured_at=captured_at, received_at=captured_at + timedelta(seconds=2), latitude=lat, longitude=lon,
            confidence=round(rng.uniform(72, 99.5), 1),
            # The oldest few are archived (R-RET-1): visible to the system administrator only.
            archived_at=now - timedelta(days=1) if index % 150 == 7 else None,
        ))
    for index, read in enumerate(rows[:DEMO_IMAGES]):
        content = _crop(read.plate_normalized)
        read.plate_crop = default_storage.save(f"reads/demo/{index}-plate_crop.jpg", ContentFile(content))
        read.plate_crop_sha256 = image_sha256(content)  # checked when served (R-SEC-2)
    Read.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)


def _seed_agents(cameras, now) -> None:
    """Camera agents (issue #21): the Harbor Blvd agent reports (a heartbeat now) and posted a final group with
    candidates and vehicle attributes (through the webhook service, so a second run is a duplicate); Main St's agent
    went silent 45 minutes ago, so it is "not reporting" with one alert to the ALPR Administrator."""
    from apps.reads.services.agents import camera_heartbeat_record, cameras_not_reporting_check
    from apps.reads.services.openalpr import read_openalpr_ingest

    harbor, main_st = cameras[0], cameras[1]
    heartbeat = {"data_type": "heartbeat", "agent_version": "4.1.6",
                 "video_streams": [{"camera_id": 106232737, "is_streaming": True}]}
    camera_heartbeat_record(camera=harbor, payload=heartbeat, now=now)
    if main_st.last_heartbeat_at is None:
        camera_heartbeat_record(camera=main_st, payload={"data_type": "heartbeat", "agent_version": "4.0.2"},
                                now=now - timedelta(minutes=45))
    cameras_not_reporting_check(now=now)
    epoch = int((now - timedelta(hours=2)).timestamp() * 1000)
    uuid = "U8HGWA66CW58AV9Q7YB4JJ749CV7WXNQ-106232737-demo"
    read_openalpr_ingest(camera=harbor, payload={
        "data_type": "alpr_group", "epoch_start": epoch, "epoch_end": epoch + 500, "agent_uid": "U8HGWA66CW58AV9Q",
        "agent_version": "4.1.6", "camera_id": 106232737, "gps_latitude": 33.7701, "gps_longitude": -117.919,
        "best_uuid": uuid, "uuids": [uuid + "-a", uuid], "best_plate_number": "7ABC123", "best_confidence": 93.5,
        "best_region": "us-ca", "is_preview": False, "travel_direction": 2.0,
        "candidates": [{"plate": "7ABC123", "confidence": 93.5}, {"plate": "7ABG123", "confidence": 81.0}],
        "best_plate": {"plate": "7ABC123", "confidence": 93.5,
                       "coordinates": [{"x": 270, "y": 131}, {"x": 367, "y": 125}, {"x": 372, "y": 175},
                                       {"x": 276, "y": 181}]},
        "vehicle": {"color": [{"name": "silver-gray", "confidence": 81}],
                    "make": [{"name": "toyota", "confidence": 88}],
                    "make_model": [{"name": "toyota_camry", "confidence": 74}],
                    "body_type": [{"name": "sedan-standard", "confidence": 91}],
                    "year": [{"name": "2015-2017", "confidence": 55}]},
    })
