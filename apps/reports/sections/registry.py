"""The report-section registry: each capability contributes the part of the oversight reports about its data.

A section has a key, a title, the report kinds it belongs to, an order, an aggregation function
``aggregate(period_start, period_end) -> dict`` (local dates, inclusive; figures computed in SQL, in the typed shape
of apps.reports.figures), and optionally a redaction function per rendition (the generic ones in
apps.reports.redaction are the default). A section whose data is recorded by an app that is not installed yet —
or that has no aggregation yet — still appears in every report, saying "not yet recorded by this portal", so a
report never silently omits a required topic.

To add or replace a section (e.g. hits once apps.hotlists exists), call ``register_section`` from the app's
``AppConfig.ready()`` with the same key; the last registration wins.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from django.apps import apps

from apps.reports.figures import NOT_RECORDED, section
from apps.reports.redaction import DEFAULT_REDACTIONS, RedactionContext

NOT_RECORDED_TEXT = "Not yet recorded by this portal."
NOT_SUMMARIZED_TEXT = "Recorded by this portal ({app}), but not yet summarized in oversight reports."

Aggregate = Callable[[date, date], dict]
Redaction = Callable[[dict, RedactionContext], dict]


@dataclass(frozen=True)
class ReportSection:
    key: str
    title: str
    kinds: frozenset[str]
    order: int
    aggregate: Aggregate | None = None
    source_app: str = ""
    covers: str = ""
    redactions: Mapping[str, Redaction] = field(default_factory=dict)

    def is_recorded(self) -> bool:
        return not self.source_app or apps.is_installed(self.source_app)

    def collect(self, period_start: date, period_end: date) -> dict:
        """This section's unredacted figures for the period (or a "not yet recorded" placeholder)."""
        if not self.is_recorded() or self.aggregate is None:
            note = NOT_RECORDED_TEXT if not self.is_recorded() else NOT_SUMMARIZED_TEXT.format(app=self.source_app)
            return section(self.key, self.title, intro=self.covers, notes=[note], status=NOT_RECORDED)
        figures = self.aggregate(period_start, period_end)
        figures.setdefault("key", self.key)
        figures.setdefault("title", self.title)
        return figures

    def redact(self, figures: dict, audience: str, ctx: RedactionContext) -> dict:
        return self.redactions.get(audience, DEFAULT_REDACTIONS[audience])(figures, ctx)


_SECTIONS: dict[str, ReportSection] = {}


def register_section(report_section: ReportSection) -> None:
    _SECTIONS[report_section.key] = report_section


def section_get(key: str) -> ReportSection | None:
    return _SECTIONS.get(key)


def sections_for(kind: str) -> list[ReportSection]:
    return sorted((s for s in _SECTIONS.values() if kind in s.kinds), key=lambda s: (s.order, s.key))
