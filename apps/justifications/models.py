"""Supervisors' reviews of protected-activity justifications (R-PURP-2, policy 004 §III).

The justification and the attestation themselves are stored with what they justify: in the access-log row of a
search without a plate (``data_elements.plate_less``, ``data_elements.justification``,
``data_elements.protected_activity_attested``: hash-chained with the row) and on a hot-list entry whose reason is
"other" (``justification``, ``attested_by``, ``attested_at``). A review names exactly one of them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.justifications.choices import ReviewOutcome, SubjectKind


class JustificationReview(models.Model):
    """One supervisor's review of one justified search or entry (R-PURP-2): who, when, the outcome and why.

    At most one review per subject (a unique constraint); nobody reviews their own search or entry (the service)."""

    kind = models.CharField(max_length=16, choices=SubjectKind.choices)
    # The reviewed search's access-log row. The log is purged after its own retention (R-RET-4): the link is then
    # cleared and the review keeps naming the row by its chain position (``access_log_seq``), never blocking the purge.
    access_log = models.OneToOneField("audit.AccessLog", on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="justification_review")
    access_log_seq = models.BigIntegerField(null=True, blank=True, help_text="The reviewed search's access-log row.")
    hot_list_entry = models.OneToOneField("hotlists.HotListEntry", on_delete=models.PROTECT, null=True, blank=True,
                                          related_name="justification_review")
    subject_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     help_text="Who ran the search or entered the entry.")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField()
    outcome = models.CharField(max_length=12, choices=ReviewOutcome.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-reviewed_at", "-id"]
        permissions = [("review_justifications", "Can review justifications of searches without a plate and "
                                                 "“other” hot-list entries")]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind=SubjectKind.SEARCH, access_log_seq__isnull=False,
                                    hot_list_entry__isnull=True)
                           | models.Q(kind=SubjectKind.HOTLIST_ENTRY, access_log__isnull=True,
                                      access_log_seq__isnull=True, hot_list_entry__isnull=False)),
                name="justificationreview_one_subject",
            ),
            models.CheckConstraint(condition=~models.Q(outcome=ReviewOutcome.CONCERN) | ~models.Q(note=""),
                                   name="justificationreview_concern_has_note"),
        ]

    def __str__(self) -> str:
        return f"Review of {self.get_kind_display().lower()} by {self.reviewed_by} ({self.get_outcome_display()})"
