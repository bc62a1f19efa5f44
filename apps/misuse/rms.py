"""Connectors to the agency's records management system (RMS/CAD): does a case number exist, and is it open?

One small interface (``RmsConnector.lookup``), two implementations:
- ``ImportedCasesConnector``: the agency's nightly CSV or JSON export of open numbers, imported by
  ``rms_cases_import`` into ``RmsCase`` (numbers missing from the latest export are closed);
- ``HttpLookupConnector``: GET <url>?kind=<kind>&number=<number> → ``{"exists": bool, "open": bool}``.
A connector answers ``OPEN``, ``CLOSED``, ``UNKNOWN`` or ``UNAVAILABLE`` (unreachable, bad answer); it never raises.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import urllib.error
import urllib.parse
import urllib.request

from django.db import transaction
from django.utils import timezone

from apps.common.errors import ApplicationError
from apps.misuse.choices import CaseNumberKind, RmsMode
from apps.misuse.models import RmsCase, RmsConnection

logger = logging.getLogger("alprportal.misuse")

OPEN, CLOSED, UNKNOWN, UNAVAILABLE = "open", "closed", "unknown", "unavailable"
IMPORT_UNREADABLE = "The export could not be read: {detail}. Nothing was imported; the previous list stays."
IMPORT_EMPTY = "The export holds no case numbers. Nothing was imported; the previous list stays."


class RmsConnector:
    def lookup(self, *, kind: str, number: str) -> str:  # pragma: no cover - interface
        raise NotImplementedError


class ImportedCasesConnector(RmsConnector):
    def __init__(self, connection: RmsConnection):
        self.connection = connection

    def lookup(self, *, kind: str, number: str) -> str:
        if self.connection.last_import_at is None:
            return UNAVAILABLE
        row = RmsCase.objects.filter(agency_id=self.connection.agency_id, number=number).only("is_open").first()
        if row is None:
            return UNKNOWN
        return OPEN if row.is_open else CLOSED


class HttpLookupConnector(RmsConnector):
    def __init__(self, connection: RmsConnection):
        self.connection = connection

    def lookup(self, *, kind: str, number: str) -> str:
        if urllib.parse.urlsplit(self.connection.http_url).scheme not in ("http", "https"):
            return UNAVAILABLE
        query = urllib.parse.urlencode({"kind": kind, "number": number})
        separator = "&" if "?" in self.connection.http_url else "?"
        try:
            # http(s) only (checked above): the agency's own RMS, configured by its administrator.
            with urllib.request.urlopen(f"{self.connection.http_url}{separator}{query}",  # noqa: S310
                                        timeout=self.connection.timeout_seconds) as response:
                answer = json.loads(response.read(65536).decode("utf-8"))
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return UNKNOWN
            logger.warning("RMS lookup failed for agency %s: HTTP %s", self.connection.agency_id, exc.code)
            return UNAVAILABLE
        except (OSError, ValueError) as exc:
            logger.warning("RMS lookup failed for agency %s: %s", self.connection.agency_id, exc)
            return UNAVAILABLE
        if not isinstance(answer, dict) or not isinstance(answer.get("exists"), bool):
            logger.warning("RMS lookup for agency %s answered without 'exists'", self.connection.agency_id)
            return UNAVAILABLE
        if not answer["exists"]:
            return UNKNOWN
        return OPEN if answer.get("open") is True else CLOSED


def rms_connector_for(*, agency_id: int | None) -> RmsConnector | None:
    connection = RmsConnection.objects.filter(agency_id=agency_id).first() if agency_id else None
    if connection is None:
        return None
    return HttpLookupConnector(connection) if connection.mode == RmsMode.HTTP else ImportedCasesConnector(connection)


def _parse_export(content: str) -> list[tuple[str, str]]:
    """[(number, kind)] from a JSON list (of strings or {"number", "kind"}) or a CSV with a ``number`` column."""
    text = content.lstrip("\ufeff").strip()
    if not text:
        return []
    if text[0] in "[{":
        data = json.loads(text)
        if isinstance(data, dict):
            data = data.get("cases", data.get("open_cases"))
        if not isinstance(data, list):
            raise ValueError("JSON must be a list of case numbers or {\"cases\": [...]}")
        entries = [(item, "") if isinstance(item, str) else (str(item.get("number", "")), str(item.get("kind", "")))
                   for item in data]
    else:
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or "number" not in [name.strip().lower() for name in reader.fieldnames]:
            raise ValueError("CSV needs a header with a 'number' column")
        entries = []
        for row in reader:
            row = {(key or "").strip().lower(): (value or "") for key, value in row.items()}
            entries.append((row.get("number", ""), row.get("kind", "")))
    kinds = set(CaseNumberKind.values)
    return [(number.strip()[:64], kind.strip() if kind.strip() in kinds else "")
            for number, kind in entries if number and number.strip()]


@transaction.atomic
def rms_cases_import(*, agency, content: str) -> int:
    """Import the agency's export of open case numbers (R-READ-3): numbers in it are open, numbers no longer in it
    are closed. Idempotent: the same export imported twice changes nothing. A file that cannot be read or holds no
    number is refused (ApplicationError) and the previous list stays."""
    try:
        entries = _parse_export(content)
    except (ValueError, csv.Error) as exc:
        raise ApplicationError(IMPORT_UNREADABLE.format(detail=exc), code="rms_import_unreadable") from exc
    if not entries:
        raise ApplicationError(IMPORT_EMPTY, code="rms_import_empty")
    connection = RmsConnection.objects.select_for_update().get(agency=agency)
    now = timezone.now()
    numbers = dict(entries)
    existing = {case.number: case for case in RmsCase.objects.filter(agency=agency)}
    RmsCase.objects.filter(agency=agency, is_open=True).exclude(number__in=list(numbers)).update(is_open=False,
                                                                                                last_seen_at=now)
    RmsCase.objects.filter(agency=agency, number__in=list(numbers)).update(is_open=True, last_seen_at=now)
    RmsCase.objects.bulk_create([RmsCase(agency=agency, number=number, kind=kind, is_open=True, first_seen_at=now,
                                         last_seen_at=now)
                                 for number, kind in numbers.items() if number not in existing])
    connection.last_import_at, connection.last_import_count = now, len(numbers)
    connection.save(update_fields=["last_import_at", "last_import_count"])
    from apps.audit.services import event_record

    event_record(actor=None, code="alprportal.misuse.rms.imported", target=connection, data={"open": len(numbers)})
    return len(numbers)
