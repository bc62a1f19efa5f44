"""Demo data for R-AUD-3 and R-READ-3 (``manage.py seed_demo``; idempotent, fast): planted misuse among the demo's
searches, then one review run, so the supervisor (Sofia Reyes) finds flags of her team on the home page.

- the investigator looks up one plate under three different case numbers (a tracked person, not a case);
- the investigator's plate-less search justified "per ICE request" (SB 54 screen);
- the lapsed detective's three plate-less searches of one area on one day, near a rally (protected activity);
- the operator's search under case number "test" (vague);
- the operator's search on a day of leave the supervisor recorded (on leave);
- the investigator's three searches in one evening refused for their case numbers (refused attempts).
Case-number formats and the RMS connection are agency settings (admin → Misuse detection); the demo leaves them
unset so every demo login keeps working with any number.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from unittest import mock

from django.utils import timezone

from apps.accounts.models import User
from apps.audit.services import access_log_record
from apps.misuse.models import MisuseFlag
from apps.misuse.runs import misuse_review_run


def _at(day, hour: int, minute: int = 0):
    moment = timezone.make_aware(datetime.combine(day, time(hour, minute)), timezone.get_current_timezone())
    return mock.patch("django.utils.timezone.now", return_value=moment.astimezone(UTC))


def seed_misuse_demo(*, stdout=None) -> None:
    people = {user.username: user for user in User.objects.filter(
        username__in=["supervisor", "operator", "investigator", "lapsed"])}
    if len(people) < 4 or MisuseFlag.objects.exists():
        return
    today = timezone.localdate()

    def search(user, day, hour, minute=0, *, case_number, plate=None, **elements):
        data = {"plate_pattern": plate, "plate_match": "exact" if plate else None, "cameras": [], "area": None,
                "time_from": f"{day.isoformat()}T00:00:00", "time_to": f"{day.isoformat()}T23:59:00", **elements}
        with _at(day, hour, minute):
            access_log_record(user=user, action="reads.search", data_elements=data, purpose="investigative_leads",
                              case_number=case_number, result_count=2, endpoint="reads:search")

    for index, case_number in enumerate(("MC-26-00411", "MC-26-00587", "PC-26-01022")):
        search(people["investigator"], today - timedelta(days=20 - 6 * index), 14, case_number=case_number,
               plate="8STK404")
    plateless = {"plate_less": True, "protected_activity_attested": True}
    search(people["investigator"], today - timedelta(days=4), 10, case_number="MC-26-00630",
           justification="Per ICE request: locate the driver's vehicle for the detainer", cameras=[1], **plateless)
    rally = {"center": {"latitude": 33.7652, "longitude": -118.1531}, "radius_km": 0.4}
    for minute in (5, 12, 31):
        search(people["lapsed"], today - timedelta(days=6), 16, minute, case_number="PC-26-01100", area=rally,
               justification="Vehicles parked around the rally at Bixby Park on Saturday", **plateless)
    search(people["operator"], today - timedelta(days=2), 11, case_number="test", plate="6TST001")
    operator = people["operator"]
    if operator.supervisor_id:
        from apps.shifts.services import leave_period_record

        with _at(today - timedelta(days=12), 9):
            leave_period_record(actor=operator.supervisor, person=operator, first_day=today - timedelta(days=9),
                                last_day=today - timedelta(days=7), note="annual leave")
        search(operator, today - timedelta(days=8), 21, case_number="PC-26-01207", plate="5LVE220")
    from apps.misuse.casenumbers import CASE_NUMBER_UNKNOWN
    from apps.misuse.services import case_number_refusal_record

    for minute, number in ((2, "MC-26-00999"), (6, "MC-26-09999"), (9, "MC-26-99999")):
        with _at(today - timedelta(days=3), 22, minute):
            case_number_refusal_record(user=people["investigator"], case_number=number, purpose="investigative_leads",
                                       code="case_number_unknown", message=CASE_NUMBER_UNKNOWN.format(number=number))
    run = misuse_review_run()
    if stdout is not None:
        stdout.write(f"  Misuse review: {run.flags_created} flags planted in the access log — log in as supervisor, "
                     "see the home page and /misuse/ (R-AUD-3); case-number formats and RMS in admin (R-READ-3)")
