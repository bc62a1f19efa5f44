"""Times of record are the server's (R-HOT-4a, R-OPS-1): a confirmation, an action, a review, a sign-on or a
sign-off happens when the server records it. A form or API body that carries a time of its own is refused with a
precise error rather than silently ignored, so a client that tries to back-date a record learns it cannot."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from apps.common.errors import ApplicationError

CLIENT_TIME_REFUSED = "Times are recorded by the server; do not send “{field}” (it is refused, not ignored)."
_TIME_NAMES = frozenset({"time", "timestamp", "when", "date", "datetime"})


def client_time_fields(data: Mapping | None, *, allowed: Iterable[str] = ()) -> list[str]:
    """The keys of ``data`` that name a time (``…_at``, ``time``, ``timestamp``, ``when``…), except ``allowed``."""
    if not hasattr(data, "keys"):
        return []
    allowed = set(allowed)
    return sorted(key for key in data
                  if isinstance(key, str) and key not in allowed
                  and (key.endswith("_at") or key.endswith("_time") or key.lower() in _TIME_NAMES))


def client_times_refuse(data: Mapping | None, *, allowed: Iterable[str] = ()) -> None:
    """Raise ApplicationError (``client_time_refused``) when ``data`` carries a time of its own."""
    fields = client_time_fields(data, allowed=allowed)
    if fields:
        raise ApplicationError(CLIENT_TIME_REFUSED.format(field=fields[0]), code="client_time_refused",
                               extra={"fields": fields})
