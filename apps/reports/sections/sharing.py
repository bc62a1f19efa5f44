"""Sharing (R-SHR-2, R-SHR-3, R-SHR-4, R-SHR-5, R-SHR-6 → R-REP-1): inter-agency agreements and disclosures to other
agencies, from apps.agreements
and apps.disclosures (read-only here; those apps own their records)."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q

from apps.audit.choices import Purpose
from apps.reports.choices import ReportKind
from apps.reports.figures import column, count_item, section, table
from apps.reports.sections.common import local_period_bounds
from apps.reports.sections.registry import ReportSection, register_section

SEMIANNUAL = frozenset({ReportKind.SEMIANNUAL})


def agreements_aggregate(period_start: date, period_end: date) -> dict:
    from apps.agreements.choices import AgreementStatus, RenewalDecision
    from apps.agreements.models import Agreement, AgreementRenewal

    since, until = local_period_bounds(period_start, period_end)
    activated = Agreement.objects.filter(activated_at__isnull=False)
    # In force at some time in the period: started by its end, sunset after its start, not ended before it.
    in_force = activated.filter(start_date__lte=period_end, sunset_date__gt=period_start).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gte=since)
    )
    in_force_at_end = activated.filter(start_date__lte=period_end, sunset_date__gt=period_end).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gte=until)
    )
    ended = activated.filter(ended_at__gte=since, ended_at__lt=until)
    counts = {
        "in_force": in_force.count(),
        "new": activated.filter(activated_at__gte=since, activated_at__lt=until, renewal_of__isnull=True).count(),
        "renewed": AgreementRenewal.objects.filter(decision=RenewalDecision.APPROVED, decided_at__gte=since,
                                                   decided_at__lt=until).count(),
        "expired": ended.filter(status=AgreementStatus.EXPIRED).count(),
        "terminated": ended.filter(status=AgreementStatus.TERMINATED).count(),
        "refused": AgreementRenewal.objects.filter(decision=RenewalDecision.REFUSED, decided_at__gte=since,
                                                   decided_at__lt=until).count(),
    }
    partners = in_force.values("partner_agency_id").distinct().count()
    partners_at_end = in_force_at_end.values("partner_agency_id").distinct().count()
    statuses = dict(AgreementStatus.choices)
    rows = [
        [a.partner_agency.name, f"{a.start_date:%Y-%m-%d} – {a.sunset_date:%Y-%m-%d}", statuses[a.status]]
        for a in in_force.select_related("partner_agency").order_by("partner_agency__name", "start_date")
    ]
    return section(
        "agreements", "Inter-agency sharing agreements",
        intro="Standing sharing needs an agreement with a public agency that sunsets at most one year after signing "
              "or renewal; a renewal review checks compliance and the Attorney General's SB 34 list (R-SHR-2).",
        summary=[
            count_item("agreements_in_force", "Agreements in force during the period", counts["in_force"],
                       institutional=True),
            count_item("agencies_shared_with", "Partner agencies with an agreement in force", partners,
                       institutional=True),
            count_item("agencies_at_end", "Partner agencies with an agreement in force at the end of the period",
                       partners_at_end, institutional=True),
            count_item("agreements_new", "New agreements signed", counts["new"], institutional=True),
            count_item("agreements_renewed", "Agreements renewed", counts["renewed"], institutional=True),
            count_item("agreements_renewal_refused", "Renewals refused", counts["refused"], institutional=True),
            count_item("agreements_expired", "Agreements expired (sunset reached)", counts["expired"],
                       institutional=True),
            count_item("agreements_terminated", "Agreements terminated", counts["terminated"], institutional=True),
        ],
        tables=[
            table("in_force", "Agreements in force during the period",
                  [column("Partner agency"), column("Term"), column("Status now")], rows,
                  empty="No agreement was in force in this period."),
        ],
    )


def disclosures_aggregate(period_start: date, period_end: date) -> dict:
    from apps.disclosures.choices import DisclosureStatus
    from apps.disclosures.models import DisclosureRequest, ReleasedRead

    since, until = local_period_bounds(period_start, period_end)
    received = DisclosureRequest.objects.filter(submitted_at__gte=since, submitted_at__lt=until)
    approved_statuses = [DisclosureStatus.APPROVED, DisclosureStatus.RELEASED]
    open_statuses = [DisclosureStatus.SUBMITTED, DisclosureStatus.INFO_REQUESTED]
    outcome = {
        "n": Count("id"),
        "approved": Count("id", filter=Q(status__in=approved_statuses)),
        "denied": Count("id", filter=Q(status=DisclosureStatus.DENIED)),
        "closed": Count("id", filter=Q(status=DisclosureStatus.CLOSED)),
        "open": Count("id", filter=Q(status__in=open_statuses)),
    }
    totals = received.aggregate(
        **outcome,
        immigration=Count("id", filter=Q(immigration_related=True)),
        immigration_refused=Count("id", filter=Q(immigration_related=True,
                                                 status__in=[DisclosureStatus.DENIED, DisclosureStatus.CLOSED])),
        immigration_answered=Count("id", filter=Q(immigration_related=True, status__in=approved_statuses)),
        immigration_screened=Count("id", filter=~Q(immigration_screen_terms=[])),
    )
    by_agency = list(received.values("agency__name").annotate(**outcome).order_by("-n", "agency__name"))
    by_purpose = {row["purpose"]: row for row in received.values("purpose").annotate(**outcome).order_by()}
    released = DisclosureRequest.objects.filter(released_at__gte=since, released_at__lt=until)
    released_totals = released.aggregate(n=Count("id"), agencies=Count("agency_id", distinct=True))
    released_reads = ReleasedRead.objects.filter(request__in=released).count()
    immigration_rows = [
        [r.reference, r.agency.name, r.case_number, r.get_immigration_basis_display() or "None given",
         r.get_status_display()]
        for r in received.filter(immigration_related=True).select_related("agency").order_by("submitted_at")
    ]

    def outcome_row(label, row):
        return [label, row["n"], row["approved"], row["denied"], row["closed"], row["open"]]

    outcome_columns = [column("Received", "count"), column("Approved", "count"), column("Denied", "count"),
                       column("Closed", "count"), column("Open", "count")]
    total_row = outcome_row("Total", totals)
    empty_row = dict.fromkeys(("n", "approved", "denied", "closed", "open"), 0)
    return section(
        "disclosures", "Disclosures to other agencies",
        intro="Written requests from other public agencies (R-SHR-3), each reviewed and authorized in writing by the "
              "Custodian of Records before release (R-SHR-4). Outcomes are as of when this report was computed. "
              "Requests for civil immigration enforcement are refused unless a judicial warrant or a state or county "
              "law requires the disclosure (R-SHR-5).",
        summary=[
            count_item("disclosures_received", "Written requests received", totals["n"]),
            count_item("disclosures_approved", "Approved (and authorized by the custodian)", totals["approved"]),
            count_item("disclosures_denied", "Denied", totals["denied"]),
            count_item("disclosures_closed", "Closed (e.g. requester not eligible)", totals["closed"]),
            count_item("disclosures_open", "Still open", totals["open"]),
            count_item("immigration_requests", "Requests related to civil immigration enforcement",
                       totals["immigration"]),
            count_item("immigration_refused", "Immigration-related requests refused", totals["immigration_refused"]),
            count_item("immigration_answered", "Immigration-related requests answered (warrant or law)",
                       totals["immigration_answered"]),
            count_item("immigration_screened", "Requests whose words the SB 54 screening matched (R-SHR-5a)",
                       totals["immigration_screened"]),
            count_item("disclosures_released", "Releases made in the period", released_totals["n"]),
            count_item("agencies_released_to", "Agencies that received ALPR data", released_totals["agencies"],
                       institutional=True),
            count_item("reads_released", "Reads released", released_reads),
        ],
        tables=[
            table("by_agency", "Requests by agency", [column("Agency"), *outcome_columns],
                  [outcome_row(row["agency__name"], row) for row in by_agency], total=total_row,
                  empty="No request was received in this period."),
            table("by_purpose", "Requests by purpose", [column("Purpose"), *outcome_columns],
                  [outcome_row(label, by_purpose.get(value, empty_row)) for value, label in Purpose.choices],
                  total=total_row),
            table("immigration", "Requests related to civil immigration enforcement",
                  [column("Request"), column("Agency"), column("Case number", "case_number"), column("Legal basis"),
                   column("Outcome")], immigration_rows,
                  empty="No request related to civil immigration enforcement was received."),
        ],
    )


register_section(ReportSection(
    key="agreements", title="Inter-agency sharing agreements", kinds=SEMIANNUAL, order=50,
    aggregate=agreements_aggregate, source_app="apps.agreements",
    covers="Agreements active, renewed, expired and terminated; agencies shared with (R-SHR-2).",
))
register_section(ReportSection(
    key="disclosures", title="Disclosures to other agencies", kinds=SEMIANNUAL, order=40,
    aggregate=disclosures_aggregate, source_app="apps.disclosures",
    covers="Written requests received, approved and denied, by agency and purpose; immigration requests refused.",
))
