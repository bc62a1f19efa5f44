"""R-AUD-3: the portal reviews its own access log — each pattern fires on a constructed log where it must and stays
silent where it must not; the review is reproducible and idempotent, and its flags feed the risk-weighted audit
sample (R-AUD-3a)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from apps.audits.risk import MISUSE_FLAG, QueryFacts, risk_assess
from apps.misuse.choices import FlagKind, RmsMode
from apps.misuse.detection import flagged_seqs_between, text_concerns
from apps.misuse.models import MisuseFlag, RmsConnection
from apps.misuse.rms import rms_cases_import
from apps.misuse.services import case_number_override_grant
from apps.reads.choices import CameraKind
from apps.reads.services.cameras import camera_create
from apps.shifts.models import SignOnStatus, UnitSignOn
from tests.misuse.support import day_of, log, moment, review

pytestmark = pytest.mark.django_db


def _flags(kind, user=None):
    flags = MisuseFlag.objects.filter(kind=kind)
    return list(flags.filter(subject=user) if user is not None else flags)


def test_same_plate_under_several_case_numbers_and_over_weeks(ivy, leo):
    # R-AUD-3: one person looking up one plate under several case numbers, or repeatedly over weeks.
    for index, case in enumerate(("CASE-100", "CASE-200", "CASE-300")):
        log(ivy, moment(day_of(10 + index)), plate="7STALK1", case_number=case)
    for week in range(4):
        log(ivy, moment(day_of(60 - 7 * week)), plate="6EXPRT2", case_number="CASE-9")
    for index in range(5):  # leo: one plate, two cases, all in one week — ordinary follow-up
        log(leo, moment(day_of(20 + index % 3)), plate="7ABC123", case_number=("CASE-1", "CASE-2")[index % 2])
    run = review()

    many = _flags(FlagKind.PLATE_MANY_CASES)
    assert [(f.subject, f.details["plate"], len(f.row_seqs)) for f in many] == [(ivy, "7STALK1", 3)]
    assert many[0].reason == "Plate 7STALK1 looked up 3 times under 3 different case numbers."
    weeks = _flags(FlagKind.PLATE_REPEATED_WEEKS)
    assert [(f.subject, f.details["plate"]) for f in weeks] == [(ivy, "6EXPRT2")]
    assert not _flags(FlagKind.PLATE_MANY_CASES, leo) and not _flags(FlagKind.PLATE_REPEATED_WEEKS, leo)
    assert run.rows_scanned == 12 and run.flags_created == 2


def test_searches_outside_recorded_shifts(make_user, agency, sergeant, ivy):
    # R-AUD-3 (R-OPS-1 shifts): searches outside every shift the person signed on for; people without recorded
    # shifts (here ivy, an investigator) are never flagged for the hour.
    from apps.accounts.roles import Role

    officer = make_user(Role.OPERATOR, agency=agency, supervisor=sergeant, username="dep.park")
    unit = camera_create(actor=None, name="Unit 12", kind=CameraKind.MOBILE, agency=agency,
                         assigned_officer=officer, commissioned_at=moment(day_of(400)))
    for offset in (5, 6):
        UnitSignOn.objects.create(camera=unit, officer=officer, shift_date=day_of(offset), shift="day",
                                  status=SignOnStatus.SIGNED_OFF, signed_on_at=moment(day_of(offset), 5, 55),
                                  signed_off_at=moment(day_of(offset), 14), inspection_affixed=True,
                                  inspection_undamaged=True)
    for hour in (8, 10, 13):  # on shift
        log(officer, moment(day_of(5), hour), plate=f"4ON{hour:04d}")
    for minute in (0, 10, 20):  # 03:00 on a day shift's date, no sign-on covers it
        log(officer, moment(day_of(6), 3, minute), plate=f"4OFF{minute:03d}")
    for minute in (0, 10, 20):
        log(ivy, moment(day_of(6), 3, minute), plate=f"4IVY{minute:03d}")
    review()
    flags = _flags(FlagKind.OFF_SHIFT)
    assert [(f.subject, f.details["day"], len(f.row_seqs)) for f in flags] == [(officer, day_of(6).isoformat(), 3)]


def test_volumes_far_above_own_history_or_peers(settings, make_user, agency, sergeant, ivy, leo):
    # R-AUD-3: a day far above the person's own median day; a week far above the peers' median week.
    from apps.accounts.roles import Role

    settings.PORTAL = {**settings.PORTAL, "MISUSE_VOLUME_MIN": 20, "MISUSE_VOLUME_FACTOR": 4.0}
    peers = [make_user(Role.INVESTIGATOR, agency=agency, supervisor=sergeant) for _ in range(3)]
    for offset in range(30, 36):  # everyone's ordinary week: 2 a day
        for person in (ivy, leo, *peers):
            for n in range(2):
                log(person, moment(day_of(offset), 9 + n), plate=f"5N{offset:02d}{n}{person.pk % 100:02d}")
    for n in range(50):  # ivy, one day: 50 look-ups
        log(ivy, moment(day_of(33), 15, n), plate=f"8BULK{n:02d}", case_number="CASE-7")
    review()
    own = _flags(FlagKind.VOLUME_OWN)
    assert [(f.subject, f.details["day"], f.details["count"]) for f in own] == [(ivy, day_of(33).isoformat(), 52)]
    assert [f.subject for f in _flags(FlagKind.VOLUME_PEERS)] == [ivy]
    assert not _flags(FlagKind.VOLUME_OWN, leo) and not _flags(FlagKind.VOLUME_PEERS, leo)


def test_text_pointing_at_prohibited_uses_or_saying_nothing(ivy, leo):
    # R-AUD-3 with the SB 54 screen of the sharing work (R-SHR-5a) and protected activities (R-PURP-2).
    plateless = {"plate_less": True, "protected_activity_attested": True, "cameras": [3]}
    log(ivy, moment(day_of(3)), plate=None, case_number="CASE-40", justification="Assist I.C.E. with a detainer "
        "on the driver", **plateless)
    log(ivy, moment(day_of(4)), plate=None, case_number="CASE-41", justification="Vehicles at the protest at city hall "
        "on Saturday", **{**plateless, "cameras": [4]})
    log(ivy, moment(day_of(5)), case_number="inv")
    log(leo, moment(day_of(3)), plate=None, case_number="CASE-42", justification="Burglary suspect vehicle seen on "
        "this camera", **plateless)
    log(leo, moment(day_of(4)), case_number="2026-000123")
    review()
    prohibited = _flags(FlagKind.PROHIBITED_TEXT)
    assert sorted((f.subject.username, f.details["labels"][0]) for f in prohibited) == [
        ("det.ivy", "ICE (Immigration and Customs Enforcement)"), ("det.ivy", "protected activity: protest")]
    vague = _flags(FlagKind.VAGUE_TEXT)
    assert [(f.subject, f.details["text"]) for f in vague] == [(ivy, "inv")]
    assert not _flags(FlagKind.PROHIBITED_TEXT, leo) and not _flags(FlagKind.VAGUE_TEXT, leo)
    # The screen itself: spelled any way, and an ordinary case text passes.
    assert text_concerns("n/a")[0] == FlagKind.VAGUE_TEXT
    assert text_concerns("per E.R.O. request")[0] == FlagKind.PROHIBITED_TEXT
    assert text_concerns("Armed robbery 2026-000123, suspect vehicle") is None


def test_case_numbers_not_verified_or_reused_across_plates(agency, formats, ivy, leo, sergeant):
    # R-AUD-3 with R-READ-3: searches under an overridden number are flagged; so is one number used for many plates.
    RmsConnection.objects.create(agency=agency, mode=RmsMode.IMPORT)
    rms_cases_import(agency=agency, content="number\n2026-000123\n2026-000124\n")
    case_number_override_grant(actor=sergeant, person=ivy, case_number="2026-000999", reason="RMS entry pending")
    log(ivy, moment(day_of(1)), case_number="2026-000999")
    log(ivy, moment(day_of(1), 13), case_number="2026-000999", plate="7XYZ000")
    for n in range(15):
        log(leo, moment(day_of(2), 8, n), plate=f"3REUS{n:02d}", case_number="2026-000123")
    for n in range(3):
        log(ivy, moment(day_of(2), 9, n), plate=f"3FINE{n:02d}", case_number="2026-000124")
    review()
    unverified = _flags(FlagKind.CASE_UNVERIFIED)
    assert [(f.subject, f.details["case_number"], len(f.row_seqs)) for f in unverified] == [(ivy, "2026-000999", 2)]
    assert "overridden by a supervisor" in unverified[0].reason
    reused = _flags(FlagKind.CASE_REUSED)
    assert [(f.subject, f.details["case_number"], f.details["plates"]) for f in reused] == [(leo, "2026-000123", 15)]


def test_plate_less_searches_clustered_on_one_place_and_day(ivy, leo):
    # R-AUD-3 with R-PURP-2: the attestation is shown beside the clustered searches.
    searched = {"time_from": f"{day_of(8).isoformat()}T09:00:00-07:00", "plate_less": True,
                "justification": "Hit-and-run suspect vehicle, grey sedan", "protected_activity_attested": True}
    for minute in range(3):
        log(ivy, moment(day_of(7), 10, minute), plate=None, cameras=[12], **searched)
    for index in range(3):  # leo: three places
        log(leo, moment(day_of(7), 10, index), plate=None, cameras=[20 + index], **searched)
    area = {**searched, "area": {"center": {"latitude": 37.7751, "longitude": -122.4193}, "radius_km": 0.5}}
    for minute in range(2):  # two only: under the threshold
        log(leo, moment(day_of(6), 10, minute), plate=None, **area)
    review()
    flags = _flags(FlagKind.PLATELESS_CLUSTER)
    assert [(f.subject, f.details["place"], f.details["searched_day"]) for f in flags] == [
        (ivy, "cameras [12]", day_of(8).isoformat())]
    assert flags[0].details["justifications"][0] == {"seq": flags[0].row_seqs[0], "attested": True,
                                                     "justification": "Hit-and-run suspect vehicle, grey sedan"}


def test_one_place_and_day_searched_by_several_people_is_flagged_to_each(ivy, leo, settings):
    # R-AUD-3 with R-PURP-2: two people, two searches each of the same cameras for the same day — under the threshold
    # alone, over the shared one together: each is flagged (to their own supervisor) with the total; a place only one
    # person searched, under the threshold, is not. (Defaults: 3 people, 6 searches, and improbable against the
    # place's own baseline: tests/misuse/test_shared_cluster_baseline.py.)
    settings.PORTAL = {**settings.PORTAL, "MISUSE_SHARED_CLUSTER_PEOPLE": 2, "MISUSE_SHARED_CLUSTER_MIN": 4}
    searched = {"time_from": f"{day_of(5).isoformat()}T09:00:00-07:00", "plate_less": True,
                "justification": "Crowd at the clinic entrance", "protected_activity_attested": True}
    for person in (ivy, leo):
        for minute in range(2):
            log(person, moment(day_of(4), 11, minute), plate=None, cameras=[40], **searched)
    log(leo, moment(day_of(4), 12, 0), plate=None, cameras=[41], **searched)
    review()
    flags = _flags(FlagKind.PLATELESS_CLUSTER)
    assert sorted((f.subject.username, f.details["people"], f.details["total"]) for f in flags) == sorted(
        [(ivy.username, 2, 4), (leo.username, 2, 4)])
    assert all(f.details["place"] == "cameras [40]" and len(f.row_seqs) == 2 for f in flags)


def test_the_review_is_reproducible_and_idempotent_and_feeds_the_risk_sample(ivy):
    # R-AUD-3: a rerun over the same log finds the same flags and creates none; R-AUD-3a: rows behind a flag are
    # over-weighted in a risk-weighted audit sample.
    rows = [log(ivy, moment(day_of(10 + index)), plate="7STALK1", case_number=f"CASE-{index}") for index in range(3)]
    first = review()
    before = list(MisuseFlag.objects.values_list("kind", "fingerprint", "row_seqs"))
    second = review()
    assert (first.flags_created, second.flags_created, second.flags_updated) == (1, 0, 0)
    assert list(MisuseFlag.objects.values_list("kind", "fingerprint", "row_seqs")) == before
    later = log(ivy, moment(day_of(2)), plate="7STALK1", case_number="CASE-9")  # the pattern grows: the open flag too
    third = review()
    assert (third.flags_created, third.flags_updated) == (0, 1)
    assert MisuseFlag.objects.get().row_seqs == [row.seq for row in [*rows, later]]

    flagged = flagged_seqs_between(since=moment(day_of(30)), until=moment(day_of(0)))
    assert flagged == {row.seq for row in [*rows, later]}
    other = log(ivy, moment(day_of(1)), plate="1OTHER1", case_number="CASE-1")
    facts = [QueryFacts(row.pk, ivy.pk, row.occurred_at, row.action, row.data_elements, row.seq)
             for row in (rows[0], other)]
    assessed = risk_assess(facts, weights={MISUSE_FLAG: 5.0}, flagged_seqs=flagged)
    assert assessed[rows[0].pk] == ((MISUSE_FLAG,), 5.0) and assessed[other.pk] == ((), 1.0)
    assert (moment(day_of(0)) - moment(day_of(90))) == timedelta(days=90)
