"""Fixtures for the shift tests: a deploying agency, a supervisor with an operator, the operator's patrol unit, an
own hot list, and ``clock(moment)`` that sets the server's time (every time of record here is the server's)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.utils import timezone

from apps.accounts.roles import Role
from apps.hotlists.services.lists import hot_list_create, hot_list_entry_add
from apps.reads.choices import CameraKind
from apps.reads.services.cameras import camera_create
from tests.factories import DeployingAgencyFactory

# A day shortly after today: people's training (completed 30 days ago) is current on it, and nothing is stored yet.
DAY = timezone.localdate() + timedelta(days=2)
DAY_S = DAY.isoformat()
NEXT_S = (DAY + timedelta(days=1)).isoformat()


def local(hour: int, minute: int = 0, *, days: int = 0) -> datetime:
    """``hour:minute`` local time on DAY (+ ``days``)."""
    return timezone.make_aware(datetime.combine(DAY + timedelta(days=days), datetime.min.time())
                               + timedelta(hours=hour, minutes=minute))


@contextmanager
def clock(moment: datetime):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield moment


@pytest.fixture
def agency(db):
    return DeployingAgencyFactory()


@pytest.fixture
def boss(make_user, agency):
    return make_user(Role.SUPERVISOR, agency=agency, username="sgt.reyes")


@pytest.fixture
def officer(make_user, agency, boss):
    return make_user(Role.OPERATOR, agency=agency, supervisor=boss, username="dep.park")


@pytest.fixture
def unit(agency, officer):
    return camera_create(actor=None, name="Patrol unit 12", kind=CameraKind.MOBILE, agency=agency,
                         assigned_officer=officer, commissioned_at=local(0, days=-400))


@pytest.fixture
def hot_list(boss):
    hot_list = hot_list_create(actor=boss, name="Own list", source="own", owner=boss, default_entry_days=30)
    hot_list_entry_add(actor=boss, hot_list=hot_list, plate="7ABC123", reason="stolen_vehicle",
                       expires=(timezone.localdate() + timedelta(days=3650)).isoformat(), justification="Stolen")
    hot_list.refresh_from_db()
    return hot_list
