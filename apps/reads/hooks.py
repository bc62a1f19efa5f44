"""What other capabilities plug into reads, registered in their AppConfig.ready() (like ``retention/registry.py``).

Reads is below hot lists and OCR: it imports neither. They register here instead.

**Consumers of new or corrected reads** run *inside* the transaction that stores or changes the reads, so what they
write commits (or rolls back) with them (R-HOT-3: hits commit with their reads)::

    from apps.reads.hooks import ReadsConsumer, reads_consumer_register

    reads_consumer_register(ReadsConsumer(
        key="hits",
        reads_match=hits_match_reads,                    # (*, read_ids, reads) new reads, a corrected read, reads
                                                         # back in service (R-HOT-5, R-READ-5a)
        reads_out_of_service=hits_withdraw_out_of_service,  # (*, actor, read_ids, effective_at) -> how many withdrawn
        withdrawn_key="hits_withdrawn",                  # the count's key in the camera's status event
    ))

``reads_match`` gets ``read_ids`` (reads to load: a corrected read, reads back in service) and ``reads`` (``StoredRead``
rows: what an ingest has just stored, handed over as it has them so nobody reads them back; issue #19). It must never
fail the batch (it handles its own errors); the count ``reads_out_of_service`` returns is
recorded in the camera's status event under ``withdrawn_key`` (0 when the unit comes back in service).

**Alternate-texts sources** are the other texts a read was known by (OCR alternates, the camera agent's own
candidates), which the misread-tolerant search also matches (R-READ-4)::

    from apps.reads.hooks import AlternateTextsSource, alternate_texts_source_register

    alternate_texts_source_register(AlternateTextsSource(
        key="ocr",
        table=lambda: quoted_table_name,   # a table with ``read_id`` and ``column``, searched in SQL
        column="text",
        notes=notes,                       # (read_ids) -> [(note template with {text}, [(read_id, text), ...]), ...]
        camera_candidates_store=store,     # (rows: [CameraCandidate]) stores an ingest's candidates, or None
    ))

**The export egress** (R-SHR-8: every egress is a disclosure): the reads CSV export (page and API) names its
recipient; the disclosures app parses it and turns an export to an outside recipient into a disclosure request::

    from apps.reads.hooks import ExportEgress, export_egress_register

    export_egress_register(ExportEgress(
        recipient_parse=export_recipient_parse,               # (form or query data) -> recipient; ApplicationError
        outside_export_enter=read_export_for_outside_recipient,  # (*, actor, recipient, search, purpose,
                                                              #    case_number, source) -> the disclosure request
        outside_export_entered=OUTSIDE_EXPORT_ENTERED,        # message: {agency}, {person}, {reference}
    ))

Without a registered egress nothing is exported (deny by default).

**Plate watch targets** are where a plate seen in a search can be kept watched for — a standing alert is a hot-list
entry with its own reason and expiry (R-HOT-1), never a saved search. Hot lists offer the lists the person may add
entries to; the plate's story links to each::

    from apps.reads.hooks import plate_watch_provider_register

    plate_watch_provider_register("hotlists", hot_lists_watch_targets)  # (*, user) -> [PlateWatchTarget]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ImproperlyConfigured

_CONSUMERS: dict[str, ReadsConsumer] = {}
_ALTERNATE_SOURCES: dict[str, AlternateTextsSource] = {}
_EXPORT_EGRESS: list[ExportEgress] = []
_PLATE_WATCH_PROVIDERS: dict[str, Callable[..., list[PlateWatchTarget]]] = {}


@dataclass(frozen=True)
class ReadsConsumer:
    """An in-transaction consumer of new, corrected and back-in-service reads (and of reads flagged out of service)."""

    key: str
    reads_match: Callable[..., Any]
    reads_out_of_service: Callable[..., int] | None = None
    withdrawn_key: str = ""


@dataclass(frozen=True, slots=True)
class StoredRead:
    """A read as the ingest has just stored it (``plate`` is its current plate, i.e. the normalized plate read), given
    to the consumers so they need not read back what ingest holds in memory (issue #19)."""

    id: int
    plate: str
    region: str
    camera_id: int
    captured_at: datetime
    flagged_out_of_service: bool


@dataclass(frozen=True)
class CameraCandidate:
    """A candidate plate a camera agent sent with a new read (rank 2 onwards: rank 1 is the read's own plate)."""

    read_id: int
    text: str
    confidence: float
    box: list
    rank: int
    agent_version: str


@dataclass(frozen=True)
class AlternateTextsSource:
    """Other texts reads were known by, which the misread-tolerant search matches as well as the plate (R-READ-4)."""

    key: str
    table: Callable[[], str]
    column: str
    notes: Callable[[list[int]], list[tuple[str, Iterable[tuple[int, str]]]]]
    camera_candidates_store: Callable[[list[CameraCandidate]], None] | None = None


def reads_consumer_register(consumer: ReadsConsumer) -> None:
    _CONSUMERS[consumer.key] = consumer


def reads_consumer_unregister(key: str) -> None:
    _CONSUMERS.pop(key, None)


def reads_consumers() -> list[ReadsConsumer]:
    return list(_CONSUMERS.values())


def reads_changed_notify(*, read_ids: Iterable[int] = (), reads: Iterable[StoredRead] = ()) -> None:
    """New reads were stored (``reads``, as stored), a read was corrected or reads are back in service (``read_ids``):
    every consumer sees them, in the caller's transaction."""
    ids, rows = list(read_ids), list(reads)
    for consumer in _CONSUMERS.values():
        consumer.reads_match(read_ids=ids, reads=rows)


def reads_out_of_service_notify(*, actor, read_ids: Iterable[int], effective_at: datetime) -> dict[str, int]:
    """Reads were flagged as captured while their unit was out of service (R-READ-5a): consumers withdraw what they
    raised from them, in the caller's transaction. Returns each consumer's count under its ``withdrawn_key`` (e.g.
    ``{"hits_withdrawn": 2}``)."""
    ids = list(read_ids)
    counts = reads_withdrawn_none()
    for consumer in _CONSUMERS.values():
        if consumer.reads_out_of_service is not None:
            withdrawn = consumer.reads_out_of_service(actor=actor, read_ids=ids, effective_at=effective_at)
            if consumer.withdrawn_key:
                counts[consumer.withdrawn_key] = withdrawn
    return counts


def reads_withdrawn_none() -> dict[str, int]:
    """Every consumer's ``withdrawn_key`` with 0: what a camera's back-in-service event records."""
    return {consumer.withdrawn_key: 0 for consumer in _CONSUMERS.values() if consumer.withdrawn_key}


def alternate_texts_source_register(source: AlternateTextsSource) -> None:
    _ALTERNATE_SOURCES[source.key] = source


def alternate_texts_source_unregister(key: str) -> None:
    _ALTERNATE_SOURCES.pop(key, None)


def alternate_texts_sources() -> list[AlternateTextsSource]:
    return list(_ALTERNATE_SOURCES.values())


def camera_candidates_store(*, rows: list[CameraCandidate]) -> None:
    """Store the candidate plates camera agents sent with new reads, where a registered source keeps them (without
    one, e.g. OCR not installed, they are not kept: the search then has nothing else to match)."""
    if not rows:
        return
    for source in _ALTERNATE_SOURCES.values():
        if source.camera_candidates_store is not None:
            source.camera_candidates_store(rows)
            return


@dataclass(frozen=True)
class ExportEgress:
    """Who a reads export goes to, and what an export to an outside recipient becomes (R-SHR-8)."""

    recipient_parse: Callable[[Any], Any]
    outside_export_enter: Callable[..., Any]
    outside_export_entered: str


def export_egress_register(egress: ExportEgress) -> None:
    _EXPORT_EGRESS[:] = [egress]


def export_egress() -> ExportEgress:
    """The registered egress; without one ImproperlyConfigured: no export leaves without naming its recipient."""
    if not _EXPORT_EGRESS:
        raise ImproperlyConfigured("No reads export egress is registered (apps.disclosures registers it, R-SHR-8).")
    return _EXPORT_EGRESS[0]


@dataclass(frozen=True)
class PlateWatchTarget:
    """Somewhere a plate can be kept watched for (a hot list the person may add entries to): its name and the page
    that adds the plate (the plate's details go in its query string)."""

    name: str
    url: str


def plate_watch_provider_register(key: str, provider: Callable[..., list[PlateWatchTarget]]) -> None:
    _PLATE_WATCH_PROVIDERS[key] = provider


def plate_watch_targets(*, user) -> list[PlateWatchTarget]:
    """Every registered provider's targets for ``user`` (none when nothing is registered: deny by default)."""
    return [target for provider in _PLATE_WATCH_PROVIDERS.values() for target in provider(user=user)]
