"""R-AUD-3 with R-PURP-2: plate-less searches of one place and day by several people are judged against that place's
own baseline, so a busy place with steady traffic does not flag every day, while a sudden convergence — on a quiet
place, or far above a busy place's usual day — does; the flag's reason states the baseline and the observed value."""

from __future__ import annotations

import pytest

from apps.accounts.roles import Role
from apps.misuse.choices import FlagKind
from apps.misuse.models import MisuseFlag
from tests.misuse.support import day_of, log, moment, review

pytestmark = pytest.mark.django_db

BUSY, QUIET = 60, 61
WINDOW = 21  # days reviewed: a short window keeps the constructed log small; the rule is the same over 90


def _search(person, offset: int, camera: int, minute: int) -> None:
    log(person, moment(day_of(offset), 9 + minute % 8, minute), plate=None, cameras=[camera], plate_less=True,
        time_from=f"{day_of(offset).isoformat()}T08:00:00-07:00", justification="Burglary series, suspect unknown",
        protected_activity_attested=True)


def _steady_busy_place(people) -> None:
    """Three people, two searches each, of the BUSY camera every day of the window: 6 a day, every day."""
    for offset in range(1, WINDOW):
        for index, person in enumerate(people):
            for n in range(2):
                _search(person, offset, BUSY, 2 * index + n)


def _shared_flags():
    return list(MisuseFlag.objects.filter(kind=FlagKind.PLATELESS_CLUSTER)
                .select_related("subject").order_by("subject__username"))


def test_a_busy_place_with_steady_traffic_does_not_flag_but_a_quiet_place_converged_on_does(ivy, leo, other_team):
    # R-AUD-3: 3 people × 2 searches of the busy camera every day (over the old fixed 3-people/6-searches rule every
    # single day) is the place's normal: no flag. The same 3 × 2 on one day of a camera searched once in the window is a
    # convergence: each of them is flagged, with the baseline and the observed value in the reason (R-PURP-2).
    people = [ivy, leo, other_team]
    _steady_busy_place(people)
    _search(ivy, 15, QUIET, 0)  # the quiet camera's whole history: one search
    for index, person in enumerate(people):
        for n in range(2):
            _search(person, 10, QUIET, 2 * index + n)
    review(window_days=WINDOW)
    flags = _shared_flags()
    assert [(f.subject.username, f.details["place"], f.details["searched_day"]) for f in flags] == [
        (person.username, f"cameras [{QUIET}]", day_of(10).isoformat())
        for person in sorted(people, key=lambda p: p.username)]
    flag = flags[0]
    assert (flag.details["total"], flag.details["people"], flag.details["baseline_people"]) == (6, 3, 1)
    assert flag.details["baseline_per_day"] < 0.15 and flag.details["expected_by_chance"] < 0.01
    assert "6 searches without a plate of cameras [61]" in flag.reason
    baseline = f"its baseline is {flag.details['baseline_per_day']:.2f} a day over the other 20 days, by 1 people"
    assert baseline in flag.reason


def test_a_sudden_convergence_on_a_busy_place_is_flagged(ivy, leo, other_team, make_user, agency, sergeant):
    # R-AUD-3: on one day, seven more people join the three regulars at the busy camera — 20 searches against its
    # usual 6: every one of the ten is flagged to their supervisor; the regulars' ordinary days stay unflagged.
    people = [ivy, leo, other_team]
    _steady_busy_place(people)
    newcomers = [make_user(Role.INVESTIGATOR, agency=agency, supervisor=sergeant, username=f"det.new{n}")
                 for n in range(7)]
    for index, person in enumerate(newcomers):
        for n in range(2):
            _search(person, 12, BUSY, 2 * index + n)
    review(window_days=WINDOW)
    flags = _shared_flags()
    assert {f.details["searched_day"] for f in flags} == {day_of(12).isoformat()}
    assert {f.subject.username for f in flags} == {person.username for person in [*people, *newcomers]}
    assert {f.details["total"] for f in flags} == {20}
    assert all(5.5 < f.details["baseline_per_day"] < 6.5 for f in flags)
    assert "20 searches without a plate of cameras [60]" in flags[0].reason


def test_the_chance_allowance_is_the_setting_it_names(ivy, leo, other_team, settings):
    # R-AUD-3: the same convergence is not flagged when the review may expect no fewer chance flags than it would
    # raise — the rule is the setting, not a number tuned to one log.
    for offset, expected in ((10, 1), (11, 0)):
        settings.PORTAL = {**settings.PORTAL, "MISUSE_SHARED_CLUSTER_CHANCE": 0.01 if expected else 1e-30}
        for index, person in enumerate([ivy, leo, other_team]):
            for n in range(2):
                _search(person, offset, QUIET + offset, 2 * index + n)
        MisuseFlag.objects.all().delete()
        review(window_days=WINDOW)
        assert len({f.details["searched_day"] for f in _shared_flags()}) == expected
