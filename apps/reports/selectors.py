"""Reads of oversight reports: who sees which report and which rendition (R-ACC-1, R-ACC-4, policy 004 §X)."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.accounts.roles import Role
from apps.reports.choices import BODY_AUDIENCE, Audience, ReportStatus
from apps.reports.models import OversightProfile, OversightReport, ReportRendition


def oversight_body_for(*, user) -> str | None:
    profile = OversightProfile.objects.filter(user_id=user.pk).only("body").first()
    return profile.body if profile else None


def report_list_visible_to(*, user) -> QuerySet[OversightReport]:
    """The custodian (reviewer of drafts) sees every report; oversight accounts see issued reports only; nobody
    else sees any (so a hidden report is a 404)."""
    reports = OversightReport.objects.select_related("issued_by", "drafted_by").prefetch_related("transmittals")
    if not user.is_authenticated or not user.has_perm("reports.view_oversightreport"):
        return reports.none()
    if user.has_perm("reports.review_oversightreport"):
        return reports
    if user.has_role(Role.OVERSIGHT):
        return reports.filter(status=ReportStatus.ISSUED)
    return reports.none()


def report_audiences_for(*, user) -> list[str]:
    """The renditions a person may download: the custodian all three; the Inspector General the unredacted one, the
    Commission (and Board of Supervisors) the redacted one; every oversight account the public summary."""
    if not user.is_authenticated or not user.has_perm("reports.view_oversightreport"):
        return []
    if user.has_perm("reports.review_oversightreport"):
        return list(Audience.values)
    if not user.has_role(Role.OVERSIGHT):
        return []
    body = oversight_body_for(user=user)
    entitled = {Audience.PUBLIC} | ({BODY_AUDIENCE[body]} if body else set())
    return [audience for audience in Audience.values if audience in entitled]


def report_renditions_visible_to(*, user, report: OversightReport) -> QuerySet[ReportRendition]:
    renditions = ReportRendition.objects.filter(report=report, audience__in=report_audiences_for(user=user))
    if not user.has_perm("reports.review_oversightreport"):
        renditions = renditions.filter(is_final=True)
    return renditions.order_by("audience")


def public_summary_list_visible_to(*, user) -> QuerySet[ReportRendition]:
    """Public summaries are public: everyone, signed in or not, sees the same ones (R-REP-3)."""
    return public_summaries()


def public_summaries() -> QuerySet[ReportRendition]:
    """Final public summaries of issued reports, newest period first (no login needed)."""
    return (
        ReportRendition.objects.filter(audience=Audience.PUBLIC, is_final=True, report__status=ReportStatus.ISSUED)
        .select_related("report")
        .order_by("-report__period_end", "report__kind")
    )
