from django.db import models


class SubjectKind(models.TextChoices):
    """What a review is about (R-PURP-2)."""

    SEARCH = "search", "Search without a plate"
    HOTLIST_ENTRY = "hotlist_entry", "Hot-list entry, reason “other”"


class ReviewOutcome(models.TextChoices):
    APPROPRIATE = "appropriate", "Appropriate — justification sufficient"
    CONCERN = "concern", "Concern — not sufficiently justified (referred)"
