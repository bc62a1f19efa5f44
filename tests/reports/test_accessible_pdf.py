"""The report PDFs posted for the public and sent redacted (and the unredacted one too) are tagged, accessible PDFs:
PDF/UA-1 with a structure tree, marked content, the document's language and its title shown as the window title (the
DOJ's 2024 ADA Title II rule: WCAG 2.1 AA for documents a government posts). Checked by opening the PDF with pypdf."""

import io

import pytest
from pypdf import PdfReader

from apps.reports.choices import Audience
from tests.reports.support import draft_and_render

pytestmark = pytest.mark.django_db


def _structure_tags(node, found: set[str], depth: int = 0) -> set[str]:
    """Every structure type (/H1, /Table, /P…) under a structure element, read from the tree."""
    node = node.get_object()
    if isinstance(node, list):
        for kid in node:
            _structure_tags(kid, found, depth)
        return found
    if not hasattr(node, "get"):
        return found
    if "/S" in node:
        found.add(str(node["/S"]))
    if "/K" in node and depth < 40:
        _structure_tags(node["/K"], found, depth + 1)
    return found


@pytest.fixture
def renditions(history):
    report = draft_and_render(actor=history["custodian"])
    return {r.audience: r for r in report.renditions.all()}


@pytest.mark.parametrize("audience", [Audience.PUBLIC, Audience.OVERSIGHT_COMMISSION, Audience.INSPECTOR_GENERAL])
def test_each_report_pdf_is_tagged_with_language_and_title(renditions, audience):
    with renditions[audience].file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    catalog = reader.trailer["/Root"]

    assert str(catalog["/MarkInfo"]["/Marked"]).lower() == "true"
    assert str(catalog["/Lang"]) == "en"
    assert str(catalog["/ViewerPreferences"]["/DisplayDocTitle"]).lower() == "true"
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert "pdfuaid" in xmp and "1" in xmp.split("pdfuaid:part")[1][:4], xmp  # declares PDF/UA-1
    title = reader.metadata.title or ""
    assert str(Audience(audience).label) in title, title

    tags = _structure_tags(catalog["/StructTreeRoot"], set())
    # Headings, paragraphs and the figures tables with their header cells are there for assistive technology.
    assert {"/H1", "/P", "/Table", "/TH", "/TD"} <= tags, sorted(tags)
    # Every page's content is marked and reachable from the structure tree.
    assert all("/StructParents" in page for page in reader.pages)
