"""Training courses and completions (R-ACC-2: initial course, then an annual refresher; R-ACC-2a: only a course that
covers SB 34, SB 54 and the agency's policy counts; a course may be required of everyone by a date)."""

from django.conf import settings
from django.db import models


class CourseKind(models.TextChoices):
    INITIAL = "initial", "Initial training"
    REFRESHER = "refresher", "Annual refresher"


class TrainingSubject(models.TextChoices):
    """R-ACC-2a (policy 004 §VII): the three subjects a course must cover to count toward the training gate."""

    SB34 = "sb34", "SB 34 privacy requirements (Civ. Code § 1798.90.5 ff.)"
    SB54 = "sb54", "SB 54 restrictions on immigration cooperation"
    AGENCY_POLICY = "agency_policy", "The agency's ALPR policy"


# Each subject and the Course field that records it.
SUBJECT_FIELDS = {
    TrainingSubject.SB34: "covers_sb34",
    TrainingSubject.SB54: "covers_sb54",
    TrainingSubject.AGENCY_POLICY: "covers_agency_policy",
}
QUALIFYING = models.Q(covers_sb34=True, covers_sb54=True, covers_agency_policy=True)
# For code that creates a course covering all three subjects (the demo, load tests).
ALL_SUBJECTS = {"covers_sb34": True, "covers_sb54": True, "covers_agency_policy": True}


class Course(models.Model):
    """A training course and the subjects it covers. Only a course covering all three subjects (``QUALIFYING``)
    counts toward R-ACC-2 (R-ACC-2a). A course with ``required_by`` is required of everyone: from that day on, people
    without a completion of it are blocked. How long a completion keeps training current is not a property of the
    course: one agency setting (``apps.training.selectors.training_refresher_days``) rules the gate and the public
    page alike."""

    code = models.SlugField(max_length=40, unique=True)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=CourseKind.choices)
    covers_sb34 = models.BooleanField(TrainingSubject.SB34.label, default=False)
    covers_sb54 = models.BooleanField(TrainingSubject.SB54.label, default=False)
    covers_agency_policy = models.BooleanField(TrainingSubject.AGENCY_POLICY.label, default=False)
    required_by = models.DateField(
        "required of everyone by", null=True, blank=True,
        help_text="Training on newly enacted ALPR laws, for instance: from this day on, everyone without a completion "
        "of this course is blocked from ALPR data (R-ACC-2a). Empty: not required of everyone.",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "title"]

    def __str__(self) -> str:
        return self.title

    @property
    def subjects_missing(self) -> list[str]:
        return [str(subject.label) for subject, field in SUBJECT_FIELDS.items() if not getattr(self, field)]

    @property
    def counts_toward_training(self) -> bool:
        """R-ACC-2a: all three subjects covered."""
        return not self.subjects_missing


def certificate_upload_to(instance, filename: str) -> str:
    return f"training/certificates/{instance.completed_on:%Y}/{filename}"


class TrainingRecord(models.Model):
    """One person's completion of one course on one day. Kept when the person is deactivated (R-AUD-2)."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="training_records")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="records")
    completed_on = models.DateField()
    instructor = models.CharField(max_length=200)
    certificate = models.FileField(upload_to=certificate_upload_to, blank=True)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-completed_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "course", "completed_on"], name="training_record_once_a_day"),
        ]
        indexes = [models.Index(fields=["person", "completed_on"], name="training_person_date")]

    def __str__(self) -> str:
        return f"{self.person} — {self.course} ({self.completed_on})"
