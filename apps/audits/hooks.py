"""What other apps plug into query audits, registered in their AppConfig.ready() (like ``retention/registry.py``).

**Flagged searches** weigh in a risk-weighted sample (R-AUD-3): the misuse app's log review registers the access-log
sequence numbers it flagged in a period, so audits does not import misuse (misuse files its violations here)::

    from apps.audits.hooks import flagged_seqs_source_register

    flagged_seqs_source_register("misuse.flags", flagged_seqs_between)   # (*, since, until) -> set of seq
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

_FLAGGED_SEQS_SOURCES: dict[str, Callable[..., set[int] | frozenset[int]]] = {}


def flagged_seqs_source_register(key: str, source: Callable[..., set[int] | frozenset[int]]) -> None:
    _FLAGGED_SEQS_SOURCES[key] = source


def flagged_seqs_between(*, since: datetime, until: datetime) -> frozenset[int]:
    """The access-log sequence numbers any registered source flagged between ``since`` and ``until``."""
    flagged: set[int] = set()
    for source in _FLAGGED_SEQS_SOURCES.values():
        flagged |= set(source(since=since, until=until))
    return frozenset(flagged)
