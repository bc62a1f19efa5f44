"""Shift sign-on of mobile units and supervisors' reviews of the gaps (policy 002 Special Order 24-01).

R-OPS-1: officers of ALPR-equipped vehicles sign the unit on for each patrol shift; the sign-on records the hot-list
versions the unit loaded. R-READ-5a: the sign-on carries the start-of-shift inspection (camera affixed, undamaged);
a failed inspection takes the unit out of service instead. Every time here is the server's.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.agencies.shift_windows import SHIFT_CHOICES


class SignOnStatus(models.TextChoices):
    SIGNED_ON = "signed_on", "Signed on"
    SIGNED_OFF = "signed_off", "Signed off"
    FAILED_INSPECTION = "failed_inspection", "Inspection failed — unit not used"


# R-OPS-1: a signed-on unit is signed off once (by its officer, a supervisor or the next sign-on).
SIGN_ON_TRANSITIONS: dict[str, frozenset[str]] = {
    SignOnStatus.SIGNED_ON: frozenset({SignOnStatus.SIGNED_OFF}),
    SignOnStatus.SIGNED_OFF: frozenset(),
    SignOnStatus.FAILED_INSPECTION: frozenset(),
}


class UnitSignOn(models.Model):
    """One sign-on of a mobile unit for a patrol shift (R-OPS-1): who, when (the server's time), the start-of-shift
    inspection (R-READ-5a) and the hot-list versions in force that the unit loaded; then its sign-off.

    At most one sign-on per unit is open at a time (a constraint). A sign-on still open when the unit is signed on
    for a later shift is closed then, marked ``closed_by_next_sign_on``: nobody signed it off.
    """

    camera = models.ForeignKey("reads.Camera", on_delete=models.PROTECT, related_name="sign_ons")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="unit_sign_ons")
    shift_date = models.DateField()
    shift = models.CharField(max_length=8, choices=SHIFT_CHOICES)
    status = models.CharField(max_length=20, choices=SignOnStatus.choices)
    signed_on_at = models.DateTimeField()
    inspection_affixed = models.BooleanField(help_text="The camera is properly affixed to the vehicle.")
    inspection_undamaged = models.BooleanField(help_text="The unit was inspected and shows no damage.")
    inspection_note = models.TextField(blank=True)
    hot_list_versions = models.ManyToManyField("hotlists.HotListVersion", blank=True, related_name="+",
                                               help_text="The hot-list versions in force that the unit loaded.")
    status_report = models.ForeignKey("reads.CameraStatusReport", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+", help_text="The out-of-service report a failed inspection "
                                                                  "filed.")
    signed_off_at = models.DateTimeField(null=True, blank=True)
    signed_off_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+")
    sign_off_note = models.TextField(blank=True)
    closed_by_next_sign_on = models.BooleanField(default=False)

    class Meta:
        ordering = ["-signed_on_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["camera"], condition=models.Q(status="signed_on"),
                                    name="unitsignon_one_open_per_unit"),
            models.CheckConstraint(
                condition=~models.Q(status="signed_off") | models.Q(signed_off_at__isnull=False),
                name="unitsignon_signed_off_has_time"),
            models.CheckConstraint(
                condition=~models.Q(status="failed_inspection")
                | models.Q(inspection_affixed=False) | models.Q(inspection_undamaged=False),
                name="unitsignon_failed_inspection_has_a_failure"),
        ]
        indexes = [models.Index(fields=["shift_date", "shift"], name="unitsignon_shift")]

    def __str__(self) -> str:
        return f"{self.camera} {self.shift_date} {self.shift}: {self.get_status_display()}"


class ShiftGapReview(models.Model):
    """A supervisor's recorded review of a shift's gap report (R-OPS-1): who, when (the server's time), the note,
    and the gaps as they stood when reviewed (so the record stays what was seen)."""

    shift_date = models.DateField()
    shift = models.CharField(max_length=8, choices=SHIFT_CHOICES)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField()
    note = models.TextField()
    unit_count = models.PositiveIntegerField(default=0)
    gap_count = models.PositiveIntegerField(default=0)
    gaps = models.JSONField(default=list, blank=True, help_text="[{unit, officer, gap, detail}] when reviewed.")

    class Meta:
        ordering = ["-reviewed_at", "-id"]
        constraints = [models.CheckConstraint(condition=~models.Q(note=""), name="shiftgapreview_note_required")]
        indexes = [models.Index(fields=["shift_date", "shift"], name="shiftgapreview_shift")]

    def __str__(self) -> str:
        return f"Review of {self.shift_date} {self.shift} by {self.reviewed_by}"


class LeavePeriod(models.Model):
    """A period a person is on leave (vacation, sick, suspension…), recorded by their supervisor: whole days in the
    agency's local time, ``first_day`` to ``last_day`` inclusive. The portal's review of its own log flags searches
    made during it like searches outside a shift (R-AUD-3): someone on leave has no case to work."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="leave_periods")
    first_day = models.DateField()
    last_day = models.DateField()
    note = models.CharField(max_length=200, blank=True, help_text="E.g. “annual leave” (no medical details).")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-first_day", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(last_day__gte=models.F("first_day")),
                                   name="leaveperiod_last_day_not_before_first"),
            models.CheckConstraint(condition=~models.Q(person=models.F("recorded_by")),
                                   name="leaveperiod_not_own"),
        ]
        indexes = [models.Index(fields=["person", "first_day"], name="leaveperiod_person_first_day")]

    def __str__(self) -> str:
        return f"{self.person} on leave {self.first_day} – {self.last_day}"
