"""Fixtures for the hot-list tests: a deploying agency, cameras, lists made through the services, and a helper that
stores reads through the reads ingest service and matches them."""

from __future__ import annotations

import base64
import io
from datetime import UTC, timedelta

import pytest
from django.utils import timezone
from PIL import Image

from apps.accounts.roles import Role
from apps.hotlists.choices import HotListSource
from apps.hotlists.matching import matcher_cache
from apps.hotlists.selectors import agreement_cache
from apps.hotlists.services.hit_matching import hits_match_reads
from apps.hotlists.services.list_imports import hot_list_import_apply, hot_list_import_preview
from apps.hotlists.services.lists import hot_list_create
from apps.reads.choices import CameraKind
from apps.reads.services.cameras import camera_create
from apps.reads.services.ingest import read_batch_ingest
from tests.factories import DeployingAgencyFactory


def crop_b64(color=(220, 220, 210)) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 36), color).save(buffer, format="JPEG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def iso(moment) -> str:
    return moment.astimezone(UTC).isoformat()


def soon(days: int = 30) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


@pytest.fixture(autouse=True)
def _fresh_caches():
    # Compiled versions are keyed by version id, which a new test database reuses: start every test empty.
    matcher_cache.clear()
    agreement_cache.clear()
    yield
    matcher_cache.clear()
    agreement_cache.clear()


@pytest.fixture
def agency(db):
    return DeployingAgencyFactory()


@pytest.fixture
def list_manager(make_user, agency):
    return make_user(Role.SUPERVISOR, agency=agency)


@pytest.fixture
def camera(agency):
    return camera_create(actor=None, name="Harbor Blvd NB", kind=CameraKind.FIXED, agency=agency,
                         commissioned_at=timezone.now() - timedelta(days=365), latitude=33.77, longitude=-117.92)


@pytest.fixture
def make_list(list_manager):
    """make_list(csv_text, source="own", name=..., agency=None, default_entry_days=None) -> HotList with the CSV
    applied as its second version."""

    counter = {"n": 0}

    def _make(csv_text: str | None = None, *, source=HotListSource.OWN, name=None, agency=None,
              default_entry_days=None, owner=None):
        counter["n"] += 1
        hot_list = hot_list_create(actor=list_manager, name=name or f"List {counter['n']}", source=source,
                                   agency=agency, owner=owner or list_manager, default_entry_days=default_entry_days)
        if csv_text is not None:
            staged = hot_list_import_preview(actor=list_manager, hot_list=hot_list, content=csv_text.encode())
            hot_list_import_apply(actor=list_manager, hot_list_import=staged)
            hot_list.refresh_from_db()
        return hot_list

    return _make


@pytest.fixture
def ingest(camera):
    """ingest([(plate, minutes_ago) | (plate, minutes_ago, region)], on=None, crop=False) -> read ids; through the
    reads ingest service, whose hook matches the reads as ingest stored them (issue #19: never read back). Matching
    the same reads again from the database must then find nothing new: every test that ingests also checks that the
    hook's in-memory rows match exactly what the reads say."""
    counter = {"n": 0}

    def _ingest(specs, *, on=None, crop=False):
        now = timezone.now()
        items = []
        for spec in specs:
            plate, minutes, region = (*spec, "CA")[:3]
            counter["n"] += 1
            item = {"plate": plate, "captured_at": iso(now - timedelta(minutes=minutes)), "region": region,
                    "read_id": f"h-{counter['n']}-{plate}"}
            if crop:
                item["plate_crop"] = crop_b64()
            items.append(item)
        result = read_batch_ingest(camera=on or camera, items=items)
        assert result.rejected == 0, result.as_dict()
        ids = [r.id for r in result.results]
        assert hits_match_reads(read_ids=ids) == [], "the ingest hook left a hit for matching from the database"
        return ids

    return _ingest


@pytest.fixture
def hit(make_list, ingest):
    """One new hit: 7ABC123 on a stolen-vehicle entry, read 2 minutes ago with a crop."""
    from apps.hotlists.models import Hit

    make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-004411,{soon()},Stolen from a dealership"))
    ingest([("7ABC123", 2)], crop=True)
    return Hit.objects.get()


def csv_of(*rows: str, header: str = "plate,state,reason,priority,case_number,expires,why") -> str:
    return "\n".join([header, *rows]) + "\n"
