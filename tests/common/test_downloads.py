"""Download file names (R-SHR-8: every egress names what it is): built by one helper, ``download_filename``, that
keeps only safe characters, so no text a person typed (a case number, an uploaded file's name) can break the
``Content-Disposition`` header or name a path. Found by a security test (2026-12): a case number
``A"; filename="x.exe`` produced ``filename="reads-A"; filename="x.exe-145.csv"``."""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import pytest

from apps.audit.models import AccessLog
from apps.common.downloads import download_filename
from apps.reads.api.views import csv_response

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.parametrize(("name", "safe"), [
    ("reads-24-001234-145.csv", "reads-24-001234-145.csv"),
    ('reads-A"; filename="x.exe-145.csv', "reads-A-filename-x-exe-145.csv"),
    ("reads-../../etc/passwd-7.csv", "reads-etc-passwd-7.csv"),
    ("reads-A\r\nSet-Cookie: x=1-7.csv", "reads-A-Set-Cookie-x-1-7.csv"),
    ("..\\..\\boot.ini", "boot.ini"),
    ("Orden judicial (firmada).pdf", "Orden-judicial-firmada.pdf"),
    ("Überweisung.pdf", "Überweisung.pdf"),  # letters of any script stay; the header encodes them (RFC 6266)
    ("invoice\u202efdp.exe", "invoice-fdp.exe"),  # a right-to-left override would show "exe.pdf"
    ("report.PDF\x00.exe", "report-PDF.exe"),  # the name ends with its one extension
    ("", "download"),
    ("...", "download"),
    (".csv", "download.csv"),
    ("x" * 300 + ".zip", "x" * 120 + ".zip"),
])
def test_only_safe_characters_are_kept(name, safe):
    assert download_filename(name) == safe


def test_a_case_number_cannot_rewrite_the_export_header():
    # The export names its file after the access-log row; even a number stored before the characters were checked
    # gives one quoted file name.
    response = csv_response([], SimpleNamespace(case_number='A"; filename="x.exe', seq=145))
    assert response["Content-Disposition"] == 'attachment; filename="reads-A-filename-x-exe-145.csv"'


@pytest.mark.django_db
@pytest.mark.parametrize(("number", "stem"), [
    ("../../etc/passwd", "etc-passwd"),
    ("LASD #26:00417 (B)", "LASD-26-00417-B"),
    ("24-001234", "24-001234"),
])
def test_the_export_names_its_file_safely(api_client, investigator, number, stem):
    api_client.force_authenticate(investigator)
    response = api_client.get("/api/v1/reads/export/", {"plate": "7ABC123", "purpose": "investigative_leads",
                                                        "case_number": number, "recipient": "internal"})
    assert response.status_code == 200
    log = AccessLog.objects.get()
    assert log.case_number == number  # the log keeps what was stated; only the file name is made safe
    assert response["Content-Disposition"] == f'attachment; filename="reads-{stem}-{log.seq}.csv"'


def _calls(tree, name):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == name:
            yield node


def test_every_download_name_goes_through_the_helper():
    """A new download cannot name its file some other way: every FileResponse passes ``filename=download_filename
    (…)`` (Django then builds the header with ``content_disposition_header``), and no code sets the header itself
    except through ``download_content_disposition``."""
    offenders = []
    for path in sorted((ROOT / "apps").rglob("*.py")):
        if path.name == "downloads.py" and path.parent.name == "common":
            continue
        source = path.read_text(encoding="utf-8")
        where = path.relative_to(ROOT)
        tree = ast.parse(source)
        for call in _calls(tree, "FileResponse"):
            named = {keyword.arg: keyword.value for keyword in call.keywords}
            value = named.get("filename")
            if not (isinstance(value, ast.Call) and getattr(value.func, "id", "") == "download_filename"):
                offenders.append(f"{where}:{call.lineno}: FileResponse without filename=download_filename(…)")
        if "Content-Disposition" in source and "download_content_disposition(" not in source:
            offenders.append(f"{where}: sets Content-Disposition without download_content_disposition")
    assert not offenders, "\n".join(offenders)
