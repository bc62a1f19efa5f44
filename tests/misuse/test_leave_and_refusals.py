"""R-AUD-3 with R-READ-3: a search refused for its case number is itself recorded (who, when, which number, why —
never what it searched for) and several refusals in a day are flagged; searches made on a day of leave recorded by
the person's supervisor are flagged like searches outside a shift. Each flag fires where it must and not elsewhere,
reaches the person's supervisor only (404 for others) and never the person."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.audit.models import AccessLog, DomainEvent
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.misuse.choices import FlagKind, RmsMode
from apps.misuse.models import CaseNumberRefusal, MisuseFlag, RmsConnection
from apps.misuse.rms import rms_cases_import
from apps.shifts.models import LeavePeriod
from apps.shifts.services import LEAVE_DAYS_REVERSED, LEAVE_NOT_THEIR_SUPERVISOR, leave_period_record
from tests.misuse.support import day_of, log, moment, review
from tests.reports.support import at

pytestmark = pytest.mark.django_db


def _attempt(user, when, case_number):
    """A search whose case number is refused: it raises, and nothing is logged as an access."""
    with pytest.raises(ApplicationError) as refused:
        log(user, when, plate="7SECRET", case_number=case_number)
    return refused.value


def test_a_refused_search_is_recorded_without_what_it_searched_for(agency, formats, ivy):
    # R-READ-3: the attempt, who, which number, why — the plate it was for is nowhere.
    RmsConnection.objects.create(agency=agency, mode=RmsMode.IMPORT)
    rms_cases_import(agency=agency, content="number\n2026-000123\n2026-000456\n")
    rms_cases_import(agency=agency, content="number\n2026-000123\n")  # 2026-000456 closed since
    refused = [_attempt(ivy, moment(day_of(3), 9), "inv"), _attempt(ivy, moment(day_of(3), 10), "2026-000777"),
               _attempt(ivy, moment(day_of(3), 11), "2026-000456")]
    assert [error.code for error in refused] == ["case_number_format", "case_number_unknown", "case_number_closed"]
    assert not AccessLog.objects.exists()
    rows = list(CaseNumberRefusal.objects.order_by("occurred_at").values_list(
        "user", "agency", "case_number", "purpose", "code", "message"))
    assert rows == [(ivy.pk, agency.pk, "inv", "investigative_leads", "case_number_format", refused[0].message),
                    (ivy.pk, agency.pk, "2026-000777", "investigative_leads", "case_number_unknown",
                     refused[1].message),
                    (ivy.pk, agency.pk, "2026-000456", "investigative_leads", "case_number_closed",
                     refused[2].message)]
    assert CaseNumberRefusal.objects.first().occurred_at == moment(day_of(3), 11)
    stored = " ".join(str(value) for row in CaseNumberRefusal.objects.values() for value in row.values())
    assert "7SECRET" not in stored
    log(ivy, moment(day_of(3), 12), case_number="2026-000123")  # an accepted number records no refusal
    assert CaseNumberRefusal.objects.count() == 3


def test_the_search_page_records_the_refused_attempt(formats, ivy, client):
    # R-READ-3: the refusal a person sees on the page is recorded too (not rolled back with the refused search).
    client.force_login(ivy)
    response = client.get(reverse("reads:search"), {"plate": "7ABC123", "purpose": "crime_analysis",
                                                    "case_number": "test", "days": "7"})
    assert "is not a number this agency issues" in response.content.decode()
    assert list(CaseNumberRefusal.objects.values_list("user", "case_number", "purpose", "code")) == [
        (ivy.pk, "test", "crime_analysis", "case_number_format")]


def test_several_refusals_in_a_day_are_flagged_and_one_or_two_are_not(formats, ivy, leo, settings):
    # R-AUD-3: "case numbers that failed verification" counts refused attempts; a typo or two is not a pattern.
    assert settings.PORTAL["MISUSE_REFUSED_MIN"] == 3
    for minute, number in ((0, "inv"), (5, "1234"), (9, "2026-12")):
        _attempt(ivy, moment(day_of(4), 14, minute), number)
    _attempt(ivy, moment(day_of(5), 9), "2026-0001")  # another day: one refusal
    for minute in (0, 1):
        _attempt(leo, moment(day_of(4), 15, minute), "2026-00012")  # leo: two typos, then the right number
    log(leo, moment(day_of(4), 15, 2), case_number="2026-000012")
    review()
    flags = list(MisuseFlag.objects.filter(kind=FlagKind.CASE_REFUSED))
    assert [(f.subject, f.details["day"], len(f.details["refusals"]), f.row_seqs) for f in flags] == [
        (ivy, day_of(4).isoformat(), 3, [])]
    assert flags[0].reason == (f"3 searches on {day_of(4).isoformat()} refused because the case number failed "
                               f"verification (format), under 3 different number(s).")
    # A fourth refusal that day extends the open flag; the rerun creates none.
    _attempt(ivy, moment(day_of(4), 16), "n/a")
    run = review()
    assert (run.flags_created, run.flags_updated) == (0, 1)
    assert len(MisuseFlag.objects.get(kind=FlagKind.CASE_REFUSED).details["refusals"]) == 4


def test_the_supervisor_reviews_refused_attempts_and_the_person_never_sees_them(
        client, formats, ivy, sergeant, lieutenant):
    # R-AUD-3: the sergeant (ivy's supervisor) sees the attempts — numbers and reasons, no data; others get 404.
    for minute, number in ((0, "inv"), (5, "1234"), (9, "2026-12")):
        _attempt(ivy, moment(day_of(4), 14, minute), number)
    review()
    flag = MisuseFlag.objects.get(kind=FlagKind.CASE_REFUSED)
    client.force_login(sergeant)
    assert flag.reference in client.get(reverse("misuse:list")).content.decode()
    page = client.get(reverse("misuse:detail", args=[flag.pk])).content.decode()
    assert "The refused attempts" in page and "1234" in page and "is not a number this agency issues" in page
    assert "7SECRET" not in page
    client.force_login(lieutenant)
    assert client.get(reverse("misuse:detail", args=[flag.pk])).status_code == 404
    client.force_login(ivy)
    assert client.get(reverse("misuse:detail", args=[flag.pk])).status_code == 404
    assert flag.reference not in client.get(reverse("home")).content.decode()


def test_only_the_persons_supervisor_records_their_leave(ivy, sergeant, lieutenant, other_team):
    # R-AUD-3: leave is recorded by the person's supervisor, with whole days in order.
    with pytest.raises(PermissionDeniedError) as not_theirs:
        leave_period_record(actor=lieutenant, person=ivy, first_day=day_of(10), last_day=day_of(8))
    assert not_theirs.value.message == LEAVE_NOT_THEIR_SUPERVISOR
    with pytest.raises(PermissionDeniedError):
        leave_period_record(actor=ivy, person=ivy, first_day=day_of(10), last_day=day_of(8))
    with pytest.raises(ApplicationError) as reversed_days:
        leave_period_record(actor=sergeant, person=ivy, first_day=day_of(8), last_day=day_of(10))
    assert reversed_days.value.message == LEAVE_DAYS_REVERSED
    period = leave_period_record(actor=sergeant, person=ivy, first_day=day_of(10), last_day=day_of(8),
                                 note="annual leave")
    assert (period.recorded_by, period.first_day, period.last_day) == (sergeant, day_of(10), day_of(8))
    assert DomainEvent.objects.filter(code="alprportal.shifts.leave.recorded").count() == 1


def test_searches_on_a_day_of_leave_are_flagged_and_others_are_not(ivy, leo, sergeant):
    # R-AUD-3: searches by a person on leave — every day of the period, not the days around it, not other people.
    with at(moment(day_of(30))):
        leave_period_record(actor=sergeant, person=ivy, first_day=day_of(10), last_day=day_of(8), note="vacation")
    log(ivy, moment(day_of(11), 23, 30), plate="7BEFORE")   # the evening before the leave
    log(ivy, moment(day_of(9), 2), plate="7ONLEAV")         # on leave, at night
    log(ivy, moment(day_of(9), 15), plate="7ONLEA2")
    log(ivy, moment(day_of(7), 0, 30), plate="7AFTER1")     # the night after
    log(leo, moment(day_of(9), 15), plate="7LEOWRK")        # leo works that day
    review()
    flags = list(MisuseFlag.objects.filter(kind=FlagKind.ON_LEAVE))
    assert [(f.subject, f.details["day"], len(f.row_seqs)) for f in flags] == [(ivy, day_of(9).isoformat(), 2)]
    assert flags[0].reason == f"2 queries on {day_of(9).isoformat()}, a day of the person's recorded leave."


def test_the_supervisor_records_leave_on_a_page_and_reviews_the_flag(client, ivy, sergeant, lieutenant, other_team):
    # R-AUD-3: the leave page lists the team only; the flag shows the leave and reaches the sergeant only.
    client.force_login(sergeant)
    page = client.get(reverse("shifts:leave")).content.decode()
    assert ivy.username in page and other_team.username not in page
    response = client.post(reverse("shifts:leave"), {"person": other_team.pk, "first_day": day_of(9),
                                                     "last_day": day_of(9)})
    assert response.status_code == 200 and not LeavePeriod.objects.exists()  # not on this team: not a choice
    response = client.post(reverse("shifts:leave"), {"person": ivy.pk, "first_day": day_of(9),
                                                     "last_day": day_of(10)})
    assert "before the first" in response.content.decode() and not LeavePeriod.objects.exists()
    response = client.post(reverse("shifts:leave"), {"person": ivy.pk, "first_day": day_of(10),
                                                     "last_day": day_of(9), "note": "family leave, week 23"})
    assert response.status_code == 302 and LeavePeriod.objects.get().person == ivy
    log(ivy, moment(day_of(9), 15), plate="7ONLEAV")
    review()
    flag = MisuseFlag.objects.get(kind=FlagKind.ON_LEAVE)
    page = client.get(reverse("misuse:detail", args=[flag.pk])).content.decode()
    assert "Recorded leave" in page and "family leave, week 23" in page and "7ONLEAV" in page
    client.force_login(lieutenant)
    assert client.get(reverse("misuse:detail", args=[flag.pk])).status_code == 404
    assert "family leave, week 23" not in client.get(reverse("shifts:leave")).content.decode()
    client.force_login(ivy)
    assert client.get(reverse("misuse:detail", args=[flag.pk])).status_code == 404
    assert client.get(reverse("shifts:leave")).status_code == 403


def test_leave_outside_the_window_does_not_flag(ivy, sergeant):
    # R-AUD-3: a leave period long past the review window flags nothing in it.
    with at(moment(day_of(300))):
        leave_period_record(actor=sergeant, person=ivy, first_day=day_of(200), last_day=day_of(190))
    log(ivy, moment(day_of(5)), plate="7NORMAL")
    review()
    assert not MisuseFlag.objects.filter(kind=FlagKind.ON_LEAVE).exists()
