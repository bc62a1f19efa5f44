"""Fixtures for the disclosure tests: partner agencies and requesters, agreements, reads with images, requests."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from apps.accounts.roles import Role
from apps.audit.choices import Purpose
from apps.disclosures.services.submission import disclosure_request_submit
from tests.agreements.helpers import active_agreement
from tests.factories import AgencyFactory, DeployingAgencyFactory


def jpeg_b64(color=(200, 200, 200)) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 24), color).save(buffer, format="JPEG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


@pytest.fixture
def deploying_agency(db):
    return DeployingAgencyFactory()


@pytest.fixture
def partner_agency(db):
    return AgencyFactory(name="Los Alamitos Police Department", ori="CA0194400")


@pytest.fixture
def other_agency(db):
    return AgencyFactory(name="Irvine Police Department", ori="CA0301400")


@pytest.fixture
def partner(make_user, partner_agency):
    return make_user(Role.PARTNER_REQUESTER, agency=partner_agency, first_name="Pat", last_name="Morgan")


@pytest.fixture
def other_partner(make_user, other_agency):
    return make_user(Role.PARTNER_REQUESTER, agency=other_agency)


@pytest.fixture
def custodian(make_user, deploying_agency):
    return make_user(Role.CUSTODIAN, agency=deploying_agency, first_name="Carmen", last_name="Ortiz",
                     job_title="Custodian of Records")


@pytest.fixture
def second_custodian(make_user, deploying_agency):
    return make_user(Role.CUSTODIAN, agency=deploying_agency, first_name="Chris", last_name="Lee")


@pytest.fixture
def sysadmin(make_user, deploying_agency):
    return make_user(Role.SYSADMIN, agency=deploying_agency)


@pytest.fixture
def agreement(sysadmin, partner_agency):
    return active_agreement(actor=sysadmin, agency=partner_agency)


def request_fields(**overrides) -> dict:
    now = timezone.now()
    fields = {
        "requesting_person_name": "Pat Morgan", "purpose": Purpose.PROSECUTION_OR_EXONERATION,
        "case_number": "LA-2026-0142", "legal_basis": "Penal Code § 459 investigation.",
        "time_from": now - timedelta(days=10), "time_to": now, "plates": ["7ABC123"],
        "immigration_related": False, "requester_attested": True,
    }
    fields.update(overrides)
    return fields


@pytest.fixture
def submit():
    def _submit(actor, **overrides):
        return disclosure_request_submit(actor=actor, **request_fields(**overrides))

    return _submit


@pytest.fixture
def camera(deploying_agency):
    from apps.reads.choices import CameraKind
    from apps.reads.services.cameras import camera_create

    return camera_create(actor=None, name="Harbor Blvd NB", kind=CameraKind.FIXED, agency=deploying_agency,
                         commissioned_at=timezone.now() - timedelta(days=365), latitude=33.77, longitude=-117.92)


@pytest.fixture
def store_reads(camera):
    """store_reads([(plate, hours_ago, with_images), ...]) -> read ids, through the reads app's ingest service."""
    from apps.reads.services.ingest import read_batch_ingest

    def _store(specs):
        now = timezone.now()
        items = []
        for plate, hours, with_images in specs:
            item = {"plate": plate, "captured_at": (now - timedelta(hours=hours)).isoformat(),
                    "read_id": f"t-{plate}-{hours}", "confidence": 91.5}
            if with_images:
                item["vehicle_image"] = jpeg_b64((90, 90, 90))
                item["plate_crop"] = jpeg_b64((240, 240, 240))
            items.append(item)
        result = read_batch_ingest(camera=camera, items=items)
        assert result.rejected == 0, result.as_dict()
        return [r.id for r in result.results]

    return _store


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Let fixtures see whether the test failed (the browser test saves a screenshot then)."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
