"""A misuse run's "N new misuse flags" alert leaves the reviewing supervisor's home page once every flag of that run
on their team has a finding (issue #17), not before."""

from __future__ import annotations

import pytest

from apps.misuse.choices import FlagStatus
from apps.misuse.models import MisuseFlag
from apps.misuse.services import misuse_flag_resolve
from apps.notifications.models import Notification
from tests.misuse.support import day_of, log, moment, review

pytestmark = pytest.mark.django_db


def test_the_run_alert_clears_when_the_last_flag_on_the_team_is_resolved(ivy, sergeant,
                                                                       django_capture_on_commit_callbacks):
    """R-AUD-3"""
    for index, case in enumerate(("CASE-100", "CASE-200", "CASE-300")):
        log(ivy, moment(day_of(10 + index)), plate="7STALK1", case_number=case)
    for week in range(4):
        log(ivy, moment(day_of(60 - 7 * week)), plate="6EXPRT2", case_number="CASE-9")
    with django_capture_on_commit_callbacks(execute=True):
        run = review()
    flags = list(MisuseFlag.objects.filter(run=run, subject=ivy))
    assert len(flags) == 2
    alert = Notification.objects.get(recipient=sergeant, dedupe_key=f"misuse.flags.{run.pk}.{sergeant.pk}")
    assert alert.read_at is None

    misuse_flag_resolve(actor=sergeant, flag=flags[0], finding=FlagStatus.JUSTIFIED, note="Three linked cases.")
    alert.refresh_from_db()
    assert alert.read_at is None  # one flag of the run is still open
    misuse_flag_resolve(actor=sergeant, flag=flags[1], finding=FlagStatus.JUSTIFIED, note="Long investigation.")
    alert.refresh_from_db()
    assert alert.read_at is not None
