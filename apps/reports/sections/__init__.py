"""The built-in report sections (importing this package registers them; apps.reports.apps does it at start-up).

Each section names the app that records its data (``source_app``); while that app is not installed, the section
still appears in every report, saying "not yet recorded by this portal".
"""

from apps.reports.sections import (  # noqa: F401
    accountability,
    integrity,
    misuse,
    operations,
    queries,
    query_audits,
    reads,
    sharing,
    training,
)
from apps.reports.sections.registry import ReportSection, register_section, section_get, sections_for

__all__ = ["ReportSection", "register_section", "section_get", "sections_for"]
