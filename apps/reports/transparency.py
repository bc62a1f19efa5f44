"""The public transparency page's content (R-REP-3; Civ. Code § 1798.90.51): the usage and privacy policy's
elements from settings and choices, the adopted policy documents themselves (R-REP-3a), the titles authorized to
use the system (R-ACC-5), the ALPR Administrator (R-ADM-1), the public comment held before the program (R-REP-4),
and current figures from the same section aggregations as the reports, with the public summary's suppression."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.cache import cache

from apps.accounts.roles import ROLE_PERMISSIONS, Role
from apps.audit.choices import Purpose
from apps.reports.builder import rendition_figures_build
from apps.reports.choices import Audience
from apps.reports.figures import NOT_RECORDED, summary_value
from apps.reports.sections import section_get
from apps.reports.sections.registry import NOT_RECORDED_TEXT
from apps.training.models import QUALIFYING, Course
from apps.training.selectors import training_refresher_days

WINDOW_DAYS = 30
CACHE_SECONDS = 600


def days_text(days: int) -> str:
    years, rest = divmod(days, 365)
    if years and not rest:
        return f"{days} days ({years} year{'s' if years > 1 else ''})"
    return f"{days} days"


def transparency_policy() -> dict:
    """The § 1798.90.51(b) elements, each from the setting or choice list that the portal itself enforces."""
    from apps.retention.selectors import retention_policy_current

    portal = settings.PORTAL
    retention = retention_policy_current()  # the agency's saved policy, so the public page says what is enforced
    querying_roles = [Role(role).label for role, perms in ROLE_PERMISSIONS.items() if "reads.query_reads" in perms]
    return {
        "agency_name": portal["AGENCY_NAME"],
        "custodian_title": portal["CUSTODIAN_TITLE"],
        "purposes": [label for _, label in Purpose.choices],
        "querying_roles": querying_roles,
        # R-ACC-2a: only the courses that count toward the gate, and the gate's own refresher interval.
        "courses": list(Course.objects.filter(QUALIFYING, active=True).order_by("kind", "title")
                        .values_list("title", flat=True)),
        "required_courses": list(Course.objects.filter(active=True, required_by__isnull=False)
                                 .order_by("required_by", "title").values("title", "required_by")),
        "refresher_days": days_text(training_refresher_days()),
        "read_retention": days_text(retention.read_retention_days),
        "archive_purge": days_text(retention.archive_purge_days),
        "access_log_retention": days_text(retention.access_log_retention_days),
        "disclosure_retention": days_text(retention.disclosure_record_retention_days),
        "backup_retention": _backup_retention(),
        "partner_hotlist_hours": portal["PARTNER_HOTLIST_MAX_AGE_HOURS"],
        "session_idle_minutes": settings.SESSION_IDLE_TIMEOUT_MINUTES,
        "threshold": portal["REPORT_SMALL_COUNT_THRESHOLD"],
        "report_due_days": portal["REPORT_DUE_DAYS"],
    }


def _backup_retention() -> dict:
    """Issue #22: how long encrypted backups are kept, and so how long purged data can outlive its purge in them."""
    from apps.backups.selectors import backup_retention_days

    retention = backup_retention_days()
    return {"days": days_text(retention["days"]), "capped": retention["capped"]}


def transparency_window(*, today: date) -> tuple[date, date]:
    """The last 30 days, today included (a fresh installation's first reads count at once); the figures are cached
    for a few minutes."""
    end = today
    return end - timedelta(days=WINDOW_DAYS - 1), end


# (label, section key, summary key): "cameras, reads and searches in the last 30 days, hits, agencies shared with".
CURRENT_FIGURES = [
    ("Cameras and mobile units in service", "reads", "cameras_in_service"),
    ("Plate reads collected", "reads", "reads_total"),
    ("Searches and other queries of ALPR data", "queries", "queries_total"),
    ("Queries without an authorized purpose", "queries", "queries_without_purpose"),
    ("Hot-list hits", "hits", "hits_total"),
    ("Partner agencies with a sharing agreement in force", "agreements", "agencies_shared_with"),
    ("Agencies that received ALPR data on written request", "disclosures", "agencies_released_to"),
    ("Written requests from other agencies approved", "disclosures", "disclosures_approved"),
    ("Misuse flags raised by the portal's review of its access log", "misuse", "flags_raised"),
    ("Misuse flags found not justified (reported as violations)", "misuse", "flags_not_justified"),
]


def _compute_current_figures(start: date, end: date) -> list[dict]:
    collected: dict[str, dict] = {}
    for _, key, _ in CURRENT_FIGURES:
        registered = section_get(key)
        if key in collected or registered is None:
            continue
        collected[key] = registered.collect(start, end)
    # The same redaction as the public summary (aggregates only, small counts suppressed).
    figures = {"meta": {"threshold": settings.PORTAL["REPORT_SMALL_COUNT_THRESHOLD"]},
               "sections": list(collected.values())}
    public = {s["key"]: s for s in rendition_figures_build(figures=figures, audience=Audience.PUBLIC)["sections"]}
    rows = []
    for label, key, item_key in CURRENT_FIGURES:
        figures_section = public.get(key)
        if figures_section is None or figures_section["status"] == NOT_RECORDED:
            rows.append({"label": label, "type": "text", "value": None, "note": NOT_RECORDED_TEXT})
            continue
        item = summary_value(figures_section, item_key)
        if item is None:
            rows.append({"label": label, "type": "text", "value": None, "note": NOT_RECORDED_TEXT})
        else:
            rows.append({"label": label, "type": item["type"], "value": item["value"], "note": ""})
    return rows


def transparency_current_figures(*, today: date) -> dict:
    """Current figures for the public page, cached for a few minutes (the page needs no login)."""
    start, end = transparency_window(today=today)
    cache_key = f"reports.transparency.{start:%Y%m%d}.{end:%Y%m%d}"
    rows = cache.get(cache_key)
    if rows is None:
        rows = _compute_current_figures(start, end)
        cache.set(cache_key, rows, CACHE_SECONDS)
    return {"start": start, "end": end, "rows": rows}


def transparency_access_log_head():
    """The latest signed anchor of the access log's chain head (R-AUD-1b), published so anyone can check it later;
    None before the first anchor. Not cached: it is one indexed row."""
    from apps.audit.anchors import access_log_anchor_latest

    return access_log_anchor_latest()


def transparency_people_and_documents(*, today: date) -> dict:
    """R-ACC-5, R-ADM-1, R-REP-3a, R-REP-4: who may use the system (titles), who oversees it, the adopted documents
    and the public comment. Not cached: a handful of indexed rows."""
    from apps.accounts.selectors import alpr_administrator_current, job_titles_authorized
    from apps.agencies.selectors import policy_documents_published, public_comments

    return {
        "titles": job_titles_authorized(),
        "administrator": alpr_administrator_current(today=today),
        "documents": policy_documents_published(today=today),
        "public_comments": list(public_comments()),
    }
