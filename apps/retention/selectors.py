"""Reads of retention: the policy in force (for pages, the nightly job, and the public transparency page) and runs."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import QuerySet

from apps.accounts.roles import Role
from apps.retention.models import MINIMUM_RECORD_DAYS, RetentionPolicy, RetentionRun

POLICY_FIELDS = (
    "read_retention_days", "archive_purge_days", "non_hit_purge_days", "hit_retention_days",
    "hotlist_retention_days", "access_log_retention_days", "disclosure_record_retention_days",
    "release_copy_retention_days", "held_read_list_retention_days", "evidence_export_retention_days",
)


@dataclass(frozen=True)
class RetentionPolicyView:
    """The retention periods in force, in days (R-RET-1, R-RET-2, R-RET-6, R-AUD-1, R-SHR-7). ``saved`` is False while
    the agency has not saved its own policy and the environment's defaults apply. ``non_hit_purge_days`` None: off."""

    read_retention_days: int
    archive_purge_days: int
    non_hit_purge_days: int | None
    hit_retention_days: int
    hotlist_retention_days: int
    access_log_retention_days: int
    disclosure_record_retention_days: int
    release_copy_retention_days: int = 730
    held_read_list_retention_days: int = 730
    evidence_export_retention_days: int = 365
    policy_reference: str = ""
    agency_name: str = ""
    saved: bool = False
    updated_at: datetime | None = None

    @property
    def read_purge_after_days(self) -> int:
        """Days after capture at which an unheld read is purged at the earliest (archive period + purge period)."""
        return self.read_retention_days + self.archive_purge_days

    def periods(self) -> dict[str, int | None]:
        return {name: getattr(self, name) for name in POLICY_FIELDS}

    def as_dict(self) -> dict:
        data = asdict(self)
        data["updated_at"] = self.updated_at.isoformat() if self.updated_at else None
        data["read_purge_after_days"] = self.read_purge_after_days
        return data

    def describe(self) -> list[dict]:
        """Plain-language rows for a page (internal or public): what, how long, which rule."""
        def days(value):
            if value is None:
                return "off"
            if value % 365 == 0:
                years = value // 365
                return f"{years} year{'s' if years != 1 else ''} ({value} days)"
            return f"{value} days"

        from apps.retention.models import legal_minimum

        minimum, basis = legal_minimum()
        return [
            {"what": "Legal minimum retention of ALPR data (no read or hit is deleted sooner)", "rule": "R-RET-5",
             "period": days(minimum), "note": basis},
            {"what": "Reads (plates, images): logically archived after", "period": days(self.read_retention_days),
             "rule": "R-RET-1", "note": "Archived reads are hidden from users; a system administrator may query them."},
            {"what": "Archived reads and their images: purged after a further", "rule": "R-RET-2",
             "period": days(self.archive_purge_days), "note": "Rows and image files are deleted for good."},
            {"what": "Reads that hit nothing: purged early after", "period": days(self.non_hit_purge_days),
             "rule": "R-RET-2", "note": "Optional (SB 274, vetoed in 2025, proposed 60 days)."},
            {"what": "Hits (hot-list matches): kept", "period": days(self.hit_retention_days), "rule": "R-RET-2",
             "note": ""},
            {"what": "Expired hot-list entries: kept", "period": days(self.hotlist_retention_days), "rule": "R-RET-2",
             "note": ""},
            {"what": "Access log: kept at least", "period": days(self.access_log_retention_days), "rule": "R-AUD-1",
             "note": "Then purged with a signed checkpoint; the hash chain stays verifiable."},
            {"what": "Disclosure records: kept at least", "period": days(self.disclosure_record_retention_days),
             "rule": "R-SHR-7", "note": ""},
            {"what": "Released reads and release package files: purged after", "rule": "R-RET-6",
             "period": days(self.release_copy_retention_days),
             "note": "Counted from the release; the request, its authorization and the manifest stay."},
            {"what": "Lists of held reads: purged after the hold ends, after", "rule": "R-RET-6",
             "period": days(self.held_read_list_retention_days), "note": ""},
            {"what": "Evidence package files: purged after", "rule": "R-RET-6",
             "period": days(self.evidence_export_retention_days),
             "note": "Counted from when the package was built; the booked copy is in the evidence room."},
            {"what": "Evidence holds", "period": "until released", "rule": "R-RET-3",
             "note": "Reads under an approved hold (or a request awaiting approval) are never archived or purged."},
        ]


def retention_policy_defaults() -> dict:
    """The environment's defaults (settings.PORTAL), used until the agency saves its own policy."""
    portal = settings.PORTAL
    return {
        "read_retention_days": portal["READ_RETENTION_DAYS"],
        "archive_purge_days": portal["ARCHIVE_PURGE_DAYS"],
        "non_hit_purge_days": portal["NON_HIT_READ_PURGE_DAYS"] or None,
        "hit_retention_days": portal["HIT_RETENTION_DAYS"],
        "hotlist_retention_days": portal["HOTLIST_RETENTION_DAYS"],
        "access_log_retention_days": max(portal["ACCESS_LOG_RETENTION_DAYS"], MINIMUM_RECORD_DAYS),
        "disclosure_record_retention_days": max(portal["DISCLOSURE_RECORD_RETENTION_DAYS"], MINIMUM_RECORD_DAYS),
        "release_copy_retention_days": portal["RELEASE_COPY_RETENTION_DAYS"],
        "held_read_list_retention_days": portal["HELD_READ_LIST_RETENTION_DAYS"],
        "evidence_export_retention_days": portal["EVIDENCE_EXPORT_RETENTION_DAYS"],
    }


def retention_policy_row() -> RetentionPolicy | None:
    return RetentionPolicy.objects.select_related("agency").filter(agency__is_deploying_agency=True).first()


def retention_policy_current() -> RetentionPolicyView:
    """The retention policy in force: the deploying agency's saved policy, else the defaults. Safe for any caller
    (no person, no read data): the public transparency page may show it."""
    row = retention_policy_row()
    if row is None:
        from apps.agencies.models import Agency

        deploying = Agency.objects.filter(is_deploying_agency=True).only("name").first()
        return RetentionPolicyView(**retention_policy_defaults(), agency_name=deploying.name if deploying else
                                   settings.PORTAL["AGENCY_NAME"])
    return RetentionPolicyView(**{name: getattr(row, name) for name in POLICY_FIELDS},
                               policy_reference=row.policy_reference, agency_name=row.agency.name, saved=True,
                               updated_at=row.updated_at)


def retention_run_list_visible_to(*, user) -> QuerySet[RetentionRun]:
    runs = RetentionRun.objects.select_related("requested_by")
    if not user.is_authenticated or not user.has_perm("retention.view_retentionrun"):
        return runs.none()
    return runs


def retention_runs_recent(*, limit: int = 7) -> list[RetentionRun]:
    return list(RetentionRun.objects.order_by("-id")[:limit])  # newest first by creation, whatever a clock said


def may_edit_policy(user) -> bool:
    return user.is_authenticated and user.has_perm("retention.change_retentionpolicy") and user.has_role(
        Role.CUSTODIAN, Role.SYSADMIN)
