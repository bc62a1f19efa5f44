"""Render one rendition's figures to PDF with WeasyPrint (no network: every resource is inline)."""

from __future__ import annotations

import copy
import hashlib
import logging
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.template.loader import render_to_string

from apps.reports.redaction import redaction_classes_for

# WeasyPrint logs every layout step at INFO; a worker rendering reports needs only its warnings.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

AUDIENCE_SHORT = {
    "inspector_general": "Unredacted (Inspector General)",
    "oversight_commission": "Redacted (Oversight Commission)",
    "public": "Public summary",
}


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    sha256: str
    page_count: int


def _no_network(url: str, *args, **kwargs):
    raise ValueError(f"Report PDFs load nothing from outside ({url}).")


def _with_typed_rows(figures: dict) -> dict:
    """Pair each cell with its column type for the template (tables stay as stored)."""
    figures = copy.deepcopy(figures)
    for sec in figures["sections"]:
        for tbl in sec.get("tables", []):
            types = [col["type"] for col in tbl["columns"]]
            tbl["typed_rows"] = [list(zip(row, types, strict=True)) for row in tbl["rows"]]
            tbl["typed_total"] = list(zip(tbl["total"], types, strict=True)) if tbl.get("total") else None
    return figures


def report_html(*, figures: dict, figures_sha256: str, period_label: str, final: bool,
                issued_on: date | None = None, issued_by_name: str = "") -> str:
    prepared = _with_typed_rows(figures)
    meta = prepared["meta"]
    return render_to_string("reports/pdf/report.html", {
        "meta": meta, "sections": prepared["sections"], "figures_sha256": figures_sha256,
        "period_label": period_label, "final": final, "issued_on": issued_on, "issued_by_name": issued_by_name,
        "audience_short": AUDIENCE_SHORT[meta["audience"]], "threshold_minus_one": int(meta["threshold"]) - 1,
        "computed_at": meta["computed_at"].replace("T", " "), "time_zone": settings.TIME_ZONE,
        # R-REP-1a: each redacted rendition states the legal basis of every class of redaction applied to it.
        "redaction_classes": redaction_classes_for(meta["audience"]),
    })


def report_pdf_render(**kwargs) -> RenderedPdf:
    """The PDF bytes, their SHA-256 and page count. Keyword arguments as for ``report_html``.

    A tagged PDF/UA-1 document (WeasyPrint's ``pdf/ua-1`` variant): a structure tree of headings, tables and
    paragraphs, the document language from ``<html lang>`` and the title from ``<title>`` shown as the window title,
    so the public and redacted reports posted on the transparency page are accessible documents (ADA Title II,
    WCAG 2.1 AA)."""
    from weasyprint import HTML

    document = HTML(string=report_html(**kwargs), url_fetcher=_no_network).render()
    content = document.write_pdf(pdf_variant="pdf/ua-1")
    return RenderedPdf(content=content, sha256=hashlib.sha256(content).hexdigest(), page_count=len(document.pages))
