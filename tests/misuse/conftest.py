"""Fixtures for the misuse tests: an agency with case-number formats, a supervisor with two team members, another
supervisor's team, and a simulated records system (RMS) over HTTP — the edge of the world we cannot run."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from apps.accounts.models import Rank
from apps.accounts.roles import Role
from apps.misuse.choices import CaseNumberKind
from apps.misuse.models import CaseNumberFormat
from tests.factories import DeployingAgencyFactory


@pytest.fixture
def agency(db):
    return DeployingAgencyFactory()


@pytest.fixture
def formats(agency):
    return [
        CaseNumberFormat.objects.create(agency=agency, kind=CaseNumberKind.CASE, pattern=r"\d{4}-\d{6}",
                                        example="2026-000123"),
        CaseNumberFormat.objects.create(agency=agency, kind=CaseNumberKind.INCIDENT, pattern=r"I-\d{2}-\d{5}",
                                        example="I-26-00012"),
        CaseNumberFormat.objects.create(agency=agency, kind=CaseNumberKind.CAD_EVENT, pattern=r"CAD\d{8}",
                                        example="CAD26000001"),
    ]


@pytest.fixture
def sergeant(make_user, agency, lieutenant):
    return make_user(Role.SUPERVISOR, agency=agency, username="sgt.ortiz", rank=Rank.SERGEANT, supervisor=lieutenant)


@pytest.fixture
def lieutenant(make_user, agency):
    return make_user(Role.SUPERVISOR, agency=agency, username="lt.chen", rank=Rank.LIEUTENANT)


@pytest.fixture
def ivy(make_user, agency, sergeant):
    return make_user(Role.INVESTIGATOR, agency=agency, supervisor=sergeant, username="det.ivy")


@pytest.fixture
def leo(make_user, agency, sergeant):
    return make_user(Role.INVESTIGATOR, agency=agency, supervisor=sergeant, username="det.leo")


@pytest.fixture
def other_team(make_user, agency, lieutenant):
    return make_user(Role.INVESTIGATOR, agency=agency, supervisor=lieutenant, username="det.other")


class _Rms(BaseHTTPRequestHandler):
    cases: dict[str, bool] = {}
    calls: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        number = parse_qs(urlsplit(self.path).query).get("number", [""])[0]
        self.calls.append(number)
        if number == "BROKEN":
            self.send_response(500)
            self.end_headers()
            return
        body = json.dumps({"exists": number in self.cases, "open": self.cases.get(number, False)}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def simulated_rms():
    """A records system answering GET /lookup?kind=&number= from ``cases`` {number: is_open}."""
    _Rms.cases, _Rms.calls = {}, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Rms)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}/lookup", "cases": _Rms.cases, "calls": _Rms.calls}
    server.shutdown()
    server.server_close()
