"""Writes to the audit trail: the access log (R-AUD-1) and domain events (R-AUD-2)."""

from __future__ import annotations

import ipaddress
import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from apps.audit.choices import Purpose, SystemPurpose
from apps.audit.hooks import case_number_verify
from apps.audit.models import GENESIS_HASH, AccessLog, DomainEvent
from apps.common.errors import ApplicationError

logger = logging.getLogger("alprportal.audit")

PURPOSE_REQUIRED = "A purpose is required for every query of ALPR data: choose one from the authorized list."
PURPOSE_NOT_AUTHORIZED = (
    "“{purpose}” is not an authorized purpose for ALPR data. Civil immigration enforcement is never a purpose "
    "(SB 54); choose one from the authorized list."
)
PURPOSE_NOT_FOR_READ_DATA = (
    "“{purpose}” is the portal's review of its own records, not a purpose for querying ALPR data: choose one from the "
    "authorized list and give the case or incident number."
)
CASE_NUMBER_REQUIRED = "A case or incident number is required for every query of ALPR data."
CASE_NUMBER_MAX_LENGTH = 64  # the access log's column: a number is stored whole or refused, never cut
CASE_NUMBER_TOO_LONG = f"A case or incident number has at most {CASE_NUMBER_MAX_LENGTH} characters."
CASE_NUMBER_CHARACTERS = ("A case or incident number may only contain letters A–Z, digits, spaces and - / . : # _ ( ) "
                          ", but this one contains {characters}.")
# What case, incident and CAD numbers are written with (the agency formats, the demo's and partners' numbers, the
# portal's own references such as AUDIT-12). ASCII on purpose: no control character (a line break split the export's
# header after its row was logged), no quote or backslash, no invisible or right-to-left character, and no letter or
# digit of another script that looks like ours (a Cyrillic А, a fullwidth ２ that an agency's \d would accept), so a
# number in the access log is the number a reviewer reads.
CASE_NUMBER_ALLOWED = re.compile(r"[A-Za-z0-9 \-/.:#_(),]+")

# Any constant will do; it names the one advisory lock that serializes writers of the hash chain on PostgreSQL
# (new rows here, the purge in apps/audit/purge.py).
ACCESS_LOG_CHAIN_LOCK_KEY = 0x414C5052  # "ALPR"


def _client_address(request) -> str | None:
    if request is None:
        return None
    raw = request.META.get("REMOTE_ADDR")
    try:
        return ipaddress.ip_address(raw).compressed if raw else None
    except ValueError:
        return None


# PostgreSQL's jsonb cannot hold U+0000, and data elements carry what people typed (filters, patterns): a NUL is
# recorded as the visible symbol for it, never a refused row (a 500 where the access must be logged first).
NUL_RECORDED_AS = "\u2400"


def _nul_shown(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", NUL_RECORDED_AS)
    if isinstance(value, list):
        return [_nul_shown(item) for item in value]
    if isinstance(value, dict):
        return {_nul_shown(key): _nul_shown(item) for key, item in value.items()}
    return value


def _canonical_json(value: Any) -> Any:
    """The JSON the database will give back (dates as strings, tuples as lists, NUL shown as ␀), so the hash is
    stable."""
    return _nul_shown(json.loads(json.dumps(value or {}, cls=DjangoJSONEncoder)))


def purpose_validate(purpose: str, *, allow_system_purpose: bool = False) -> str:
    """R-PURP: the stated purpose, stripped, if it is one of the authorized purposes (the portal's own review
    purposes only with ``allow_system_purpose``). ApplicationError ``purpose_required`` / ``purpose_not_authorized``
    with this module's messages (``PURPOSE_NOT_FOR_READ_DATA`` for a review purpose where read data is queried). The
    one purpose check: forms (``apps.audit.forms.PurposeField``), the API, selectors and services all end here."""
    purpose = (purpose or "").strip()
    allowed = set(Purpose.values) | (set(SystemPurpose.values) if allow_system_purpose else set())
    if not purpose:
        raise ApplicationError(PURPOSE_REQUIRED, code="purpose_required")
    if purpose in SystemPurpose.values and purpose not in allowed:
        raise ApplicationError(PURPOSE_NOT_FOR_READ_DATA.format(purpose=SystemPurpose(purpose).label),
                               code="purpose_not_authorized")
    if purpose not in allowed:
        raise ApplicationError(PURPOSE_NOT_AUTHORIZED.format(purpose=purpose), code="purpose_not_authorized")
    return purpose


def _characters_named(characters: str) -> str:
    """The refused characters as a person can read them: the sign itself, or its code point when it is invisible."""
    return ", ".join(f"“{char}”" if char.isprintable() and not char.isspace() else f"U+{ord(char):04X}"
                     for char in dict.fromkeys(characters))


def case_number_validate(case_number: str) -> str:
    """R-READ-3: the stated case or incident number, stripped. The one check of its shape, before anything is
    logged: ApplicationError ``case_number_required`` if empty, ``case_number_too_long`` past the access log's 64
    characters, ``case_number_characters`` (naming them) for any character outside ``CASE_NUMBER_ALLOWED``. Its form
    and existence for the person's agency are checked by ``access_purpose_check`` (it needs the user)."""
    case_number = (case_number or "").strip()
    if not case_number:
        raise ApplicationError(CASE_NUMBER_REQUIRED, code="case_number_required")
    if len(case_number) > CASE_NUMBER_MAX_LENGTH:
        raise ApplicationError(CASE_NUMBER_TOO_LONG, code="case_number_too_long")
    if not CASE_NUMBER_ALLOWED.fullmatch(case_number):
        refused = CASE_NUMBER_ALLOWED.sub("", case_number)
        raise ApplicationError(CASE_NUMBER_CHARACTERS.format(characters=_characters_named(refused)),
                               code="case_number_characters")
    return case_number


def _purpose_verify(*, purpose: str, case_number: str, allow_system_purpose: bool, user) -> tuple[str, str, dict]:
    purpose = purpose_validate(purpose, allow_system_purpose=allow_system_purpose)
    case_number = case_number_validate(case_number)
    if user is None or purpose in SystemPurpose.values:
        # The portal's own reviews (oversight, records) are not investigations: no agency case number to verify. Its
        # review pages choose them with their own references (AUDIT-12, a partner's case number); a person states one
        # only where ``allow_system_purpose`` lets them — the audit-trail screens, never read data (R-READ-3) — and
        # only if their role holds it (``apps.audit.access_context.SYSTEM_PURPOSE_ROLES``, R-ACC-1).
        return purpose, case_number, {}
    # The misuse app registers the verifier (apps.audit.hooks): it builds on the audit app, not the reverse.
    return purpose, case_number, case_number_verify(user=user, case_number=case_number, purpose=purpose)


@dataclass(frozen=True)
class PurposeVerdict:
    """A purpose and case number already checked for one person by ``access_purpose_verify`` (R-READ-3), with the
    verifier's answer. A selector that checks before querying hands it to ``access_log_record`` so the case number
    is verified once per access (one query of the agency's forms and at most one records-system lookup, not two).
    ``access_log_record`` uses it only for the same person, purpose, case number and ``allow_system_purpose``;
    anything else is verified again."""

    purpose: str
    case_number: str
    verification: dict
    user_id: int | None
    allow_system_purpose: bool

    def covers(self, *, user, purpose: str, case_number: str, allow_system_purpose: bool) -> bool:
        return (self.user_id is not None and self.user_id == getattr(user, "pk", None)
                and self.purpose == (purpose or "").strip() and self.case_number == (case_number or "").strip()
                and self.allow_system_purpose == allow_system_purpose)


def access_purpose_verify(*, purpose: str, case_number: str, user, allow_system_purpose: bool = False
                          ) -> PurposeVerdict:
    """``access_purpose_check`` for ``user``, keeping the verifier's answer for ``access_log_record``."""
    purpose, case_number, verification = _purpose_verify(purpose=purpose, case_number=case_number,
                                                         allow_system_purpose=allow_system_purpose, user=user)
    return PurposeVerdict(purpose=purpose, case_number=case_number, verification=verification,
                          user_id=getattr(user, "pk", None), allow_system_purpose=allow_system_purpose)


def access_purpose_check(*, purpose: str, case_number: str, allow_system_purpose: bool = False,
                         user=None) -> tuple[str, str]:
    """The one check of a stated purpose and case number (R-READ-3): an authorized purpose (R-PURP; never civil
    immigration enforcement) and a case or incident number, stripped. ApplicationError with the module's messages.

    With ``user``, the number must also have one of the forms the person's agency issues and, where the agency
    connects its records system, exist there and be open (the verifier misuse registers in audit.hooks; its messages
    show the expected form). ``access_log_record`` always passes the user, so no search escapes the check."""
    purpose, case_number, _ = _purpose_verify(purpose=purpose, case_number=case_number,
                                              allow_system_purpose=allow_system_purpose, user=user)
    return purpose, case_number


def access_log_record(
    *,
    user,
    action: str,
    data_elements: dict[str, Any],
    purpose: str,
    case_number: str,
    result_count: int | None,
    request=None,
    endpoint: str = "",
    allow_system_purpose: bool = False,
    verdict: PurposeVerdict | None = None,
) -> AccessLog:
    """Append one access-log row, chained to the previous row by SHA-256 (R-AUD-1, R-READ-3).

    Call it *before* returning results. Refuses (ApplicationError) a missing or unauthorized purpose and a missing
    case number. Writers are serialized (an advisory lock on PostgreSQL, an IMMEDIATE transaction on SQLite) and
    ``seq`` is unique, so concurrent writers can never fork the chain.

    ``verdict``: the caller's ``access_purpose_verify`` of this very purpose and case number for this person, so
    the case number is not verified twice; ignored (verified again) when it does not cover them.

    Inside the caller's transaction (a search logs in its query's transaction) the row is written without a
    savepoint of its own: two statements fewer per search. The unique ``seq`` can only refuse a row there if a
    writer bypassed the lock, and then the whole transaction is refused (ApplicationError), so nothing is returned
    unlogged; on its own the write is retried on the new head as before.
    """
    if verdict is not None and verdict.covers(user=user, purpose=purpose, case_number=case_number,
                                              allow_system_purpose=allow_system_purpose):
        purpose, case_number, verification = verdict.purpose, verdict.case_number, verdict.verification
    else:
        purpose, case_number, verification = _purpose_verify(purpose=purpose, case_number=case_number,
                                                             allow_system_purpose=allow_system_purpose, user=user)
    if verification:
        # Every search records whether its case number was verified, format-checked only or overridden (R-READ-3).
        data_elements = {**(data_elements or {}), "case_verification": verification}

    if not endpoint and request is not None:
        match = getattr(request, "resolver_match", None)
        endpoint = (match.view_name if match and match.view_name else request.path)[:200]

    nested = connection.in_atomic_block
    for attempt in range(1 if nested else 3):
        try:
            with transaction.atomic(savepoint=not nested):
                if connection.vendor == "postgresql":
                    # The chain lock, then the head read after it is granted: one round trip (migration 0008).
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT head_seq, head_hash FROM audit_accesslog_head_locked(%s)",
                                       [ACCESS_LOG_CHAIN_LOCK_KEY])
                        head = cursor.fetchone()
                else:
                    head = AccessLog.objects.order_by("-seq").values_list("seq", "row_hash").first()
                seq, previous_hash = (head[0] + 1, head[1]) if head else (1, GENESIS_HASH)
                row = AccessLog(
                    seq=seq,
                    occurred_at=timezone.now(),
                    user=user,
                    username=user.get_username(),
                    agency_id=user.agency_id,
                    agency_name=user.agency.name if user.agency_id else "",
                    action=action,
                    data_elements=_canonical_json(data_elements),
                    purpose=purpose,
                    case_number=case_number,
                    result_count=result_count,
                    client_address=_client_address(request),
                    endpoint=endpoint,
                    previous_hash=previous_hash,
                )
                row.row_hash = row.compute_hash()
                row.save(force_insert=True)
                return row
        except IntegrityError:
            # Only reachable if a writer bypassed the lock; the unique seq refused the fork. Retry on the new head
            # (on its own; inside the caller's transaction, which is now refused whole, there is nothing to retry).
            logger.warning("Access-log chain head moved under a writer (attempt %s)%s.", attempt + 1,
                           "; the caller's transaction is refused" if nested else "; retrying")
    raise ApplicationError("The access log could not be written; the query was not run.", code="access_log_failed")


def event_record(*, actor, code: str, target=None, data: dict[str, Any] | None = None) -> DomainEvent:
    """Record a domain event (R-AUD-2) in the caller's transaction. ``actor`` may be None for system jobs."""
    event = DomainEvent(
        code=code,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_username=actor.get_username() if getattr(actor, "pk", None) else "system",
        data=_canonical_json(data),
    )
    if target is not None:
        event.target_type = ContentType.objects.get_for_model(target)
        event.target_id = str(target.pk)
        event.target_repr = str(target)[:200]
    event.save(force_insert=True)
    return event
