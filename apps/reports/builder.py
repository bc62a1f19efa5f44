"""Build a report's figures from the section registry, and each rendition's figures from them (redacted)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from apps.reports.choices import Audience, ReportKind
from apps.reports.redaction import DEFAULT_REDACTIONS, RedactionContext, rendition_check
from apps.reports.sections import section_get, sections_for


def canonical_json(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def figures_sha256(figures: dict) -> str:
    return hashlib.sha256(canonical_json(figures).encode("utf-8")).hexdigest()


def report_figures_build(*, kind: str, reference: str, period_start: date, period_end: date, due_on: date,
                         progress: Callable[[int, str], None] | None = None) -> dict:
    """Every registered section of ``kind`` for the period, unredacted, plus the report's metadata."""
    sections = []
    registered = sections_for(kind)
    for index, report_section in enumerate(registered):
        if progress:
            progress(5 + int(55 * index / max(len(registered), 1)), f"Computing “{report_section.title}”")
        sections.append(report_section.collect(period_start, period_end))
    figures = {
        "meta": {
            "kind": kind, "kind_label": ReportKind(kind).label, "reference": reference,
            "period_start": period_start.isoformat(), "period_end": period_end.isoformat(),
            "due_on": due_on.isoformat(), "agency_name": settings.PORTAL["AGENCY_NAME"],
            "custodian_title": settings.PORTAL["CUSTODIAN_TITLE"],
            "computed_at": timezone.localtime().isoformat(timespec="seconds"),
            "threshold": settings.PORTAL["REPORT_SMALL_COUNT_THRESHOLD"],
        },
        "sections": sections,
    }
    # What is stored is what the database gives back (dates as strings), so the hash is stable.
    return json.loads(canonical_json(figures))


def rendition_figures_build(*, figures: dict, audience: str) -> dict:
    """The figures one rendition may show: each section through its redaction for ``audience``, then checked."""
    ctx = RedactionContext(threshold=int(figures["meta"]["threshold"]))
    sections = []
    for figures_section in figures["sections"]:
        registered = section_get(figures_section["key"])
        if registered is not None:
            sections.append(registered.redact(figures_section, audience, ctx))
        else:  # a section no longer registered (an app was removed): the generic redaction still applies
            sections.append(DEFAULT_REDACTIONS[audience](figures_section, ctx))
    redacted = {"meta": {**figures["meta"], "audience": audience, "audience_label": Audience(audience).label},
                "sections": sections}
    rendition_check(unredacted=figures, redacted=redacted, audience=audience)
    return redacted
