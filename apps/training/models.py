"""Training courses and completions (R-ACC-2: initial course, then an annual refresher)."""

from django.conf import settings
from django.db import models


class CourseKind(models.TextChoices):
    INITIAL = "initial", "Initial training"
    REFRESHER = "refresher", "Annual refresher"


class Course(models.Model):
    """A training course and what it covers (SB 34 privacy and use, SB 54 immigration limits, agency policy)."""

    code = models.SlugField(max_length=40, unique=True)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=CourseKind.choices)
    covers_sb34 = models.BooleanField("covers SB 34 (Civ. Code § 1798.90.5 ff.)", default=True)
    covers_sb54 = models.BooleanField("covers SB 54 (no immigration enforcement)", default=True)
    covers_agency_policy = models.BooleanField("covers the agency's ALPR policy", default=True)
    validity_days = models.PositiveIntegerField(
        default=365, help_text="Days a completion keeps a person's training current."
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "title"]
        constraints = [models.CheckConstraint(condition=models.Q(validity_days__gte=1), name="course_validity_pos")]

    def __str__(self) -> str:
        return self.title


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
