"""The three renditions as PDFs (R-REP-1): the unredacted one names people, cases and plates; the redacted and the
public ones contain none of them (checked on the text extracted from the PDFs); small counts are suppressed."""

import hashlib
import re

import pytest

from apps.audit.models import AccessLog
from apps.reports.choices import Audience
from apps.reports.models import ReportRendition
from apps.reports.pseudonyms import pseudonym_for
from tests.reports.support import draft_and_render, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def texts(history):
    report = draft_and_render(actor=history["custodian"])
    renditions = {r.audience: r for r in report.renditions.all()}
    assert set(renditions) == set(Audience.values)
    for rendition in renditions.values():
        with rendition.file.open("rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == rendition.sha256
        assert rendition.page_count >= 3 and rendition.source_figures_sha256 == report.figures_sha256
    return {audience: pdf_text(r) for audience, r in renditions.items()}


def _identifying(history) -> list[str]:
    people = [history[key] for key in ("ivy", "leo", "supervisor", "custodian")]
    names = [p.first_name for p in people] + [p.last_name for p in people]
    cases = list(AccessLog.objects.values_list("case_number", flat=True).distinct())
    plates = [row["plate_pattern"] for row in AccessLog.objects.values_list("data_elements", flat=True)
              if "plate_pattern" in row]
    return names + cases + plates


def test_the_unredacted_rendition_names_people_cases_and_plates(history, texts):
    text = texts[Audience.INSPECTOR_GENERAL]
    adverse = history["adverse"][0].access_log
    assert "Leo Martin" in text and adverse.case_number in text
    assert adverse.data_elements["plate_pattern"] in text
    assert "Unredacted (Office of Inspector General)" in text


def test_the_redacted_rendition_uses_pseudonyms_and_holds_no_name_case_or_plate(history, texts):
    text = texts[Audience.OVERSIGHT_COMMISSION]
    leaked = [value for value in _identifying(history) if re.search(rf"\b{re.escape(value)}\b", text)]
    assert leaked == []
    assert pseudonym_for(history["leo"].pk) in text
    for person in ("ivy", "leo", "supervisor", "custodian"):
        assert not re.search(rf"\b{re.escape(history[person].username)}\b", text)


def test_the_public_summary_holds_aggregates_only_with_small_counts_suppressed(history, texts):
    text = texts[Audience.PUBLIC]
    leaked = [value for value in _identifying(history) if re.search(rf"\b{re.escape(value)}\b", text)]
    assert leaked == []
    assert "User " not in text  # not even pseudonyms
    layout = pdf_text(ReportRendition.objects.get(audience=Audience.PUBLIC), layout=True)
    people_line = next(line for line in layout.splitlines() if "People who queried" in line)
    assert re.search(r"<\s?5$", people_line.rstrip()), people_line  # 3 people queried: suppressed
    assert re.search(r"Queries of ALPR data \(searches, exports, record views\)\s+60\b", layout)
