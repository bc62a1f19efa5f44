"""Demo shift sign-ons for ``manage.py seed_demo`` (idempotent): the operator's unit was signed on for the two
previous patrol shifts — properly for the first (reviewed by the supervisor), signed off early in the second — and
is not signed on for the current shift, so the operator can sign on and the supervisor sees the gap until then.

Past sign-ons carry past times, which no service accepts (times of record are the server's), so this demo writes
them directly; everything a person does in the demo goes through the services.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from apps.agencies.shift_windows import shift_at, shift_window
from apps.shifts.models import ShiftGapReview, SignOnStatus, UnitSignOn


def _previous(day, shift):
    start, _end = shift_window(day, shift)
    return shift_at(start - timedelta(minutes=1))


def seed_shifts(*, people: dict, stdout=None) -> None:
    from apps.hotlists.models import HotList
    from apps.reads.models import Camera

    operator, supervisor = people.get("operator"), people.get("supervisor")
    unit = Camera.objects.filter(name="Patrol unit 12").first()
    if operator is None or supervisor is None or unit is None or UnitSignOn.objects.filter(camera=unit).exists():
        return
    versions = [h.current_version for h in HotList.objects.filter(active=True, current_version__isnull=False)]
    last = _previous(*shift_at(timezone.now()))
    before = _previous(*last)
    for (day, shift), early in ((before, False), (last, True)):
        start, end = shift_window(day, shift)
        sign_on = UnitSignOn.objects.create(
            camera=unit, officer=operator, shift_date=day, shift=shift, status=SignOnStatus.SIGNED_OFF,
            signed_on_at=start + timedelta(minutes=4), inspection_affixed=True, inspection_undamaged=True,
            signed_off_at=(start + timedelta(hours=5)) if early else end - timedelta(minutes=3), signed_off_by=operator,
            sign_off_note="Unit to the shop: windshield wiper motor." if early else "")
        sign_on.hot_list_versions.set(versions)
    start, end = shift_window(*before)
    ShiftGapReview.objects.create(
        shift_date=before[0], shift=before[1], reviewed_by=supervisor, reviewed_at=end + timedelta(minutes=40),
        note="All units signed on for the full shift.", unit_count=1, gap_count=0, gaps=[])
    if stdout is not None:
        stdout.write("  Shift sign-on (operator, phone-sized): /shifts/; gap report and review (supervisor): "
                     "/shifts/gaps/ (the previous shift shows an early sign-off)")
