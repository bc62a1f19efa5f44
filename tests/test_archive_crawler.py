"""The archive crawler (R-RET-1): once the archive watermark has passed a read, no route shows its plate to anyone but
a system administrator — pages, API and every admin screen, found by the same route discovery as the plate crawler
(``tests/route_discovery.py``), against the demo data, as every principal that is not an administrator.

The archive is advanced by the real nightly step (``reads_archive``) over the oldest quarter of the demo's reads, so
the reads an evidence hold keeps stay visible (R-RET-3) and are not looked for. The plates looked for are those only
archived reads carry (as read, as corrected, OCR alternates): a plate that is also on a live read, a hot-list entry
or in a record that copies read data under its own retention (access-log rows, held-read lists, disclosures —
R-RET-6) proves nothing when it appears. A route that opens an object is given an archived read's object where one
exists (``_object_for``): a read's own page must then refuse it.
"""

from __future__ import annotations

import json
import re

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from apps.accounts.models import User
from tests.route_discovery import discover_routes, route_path
from tests.test_plate_crawler import _CHOSEN, PURPOSE_QUERY, TOKEN, _fill, _remember_context, _request

# Models that are a read or part of one: what they show must follow the read's archiving. Every other model that
# stores a plate is a copy with a retention of its own (R-RET-6) or a watch list, and its plates are not looked for.
READ_MODELS = {"reads.Read", "reads.ReadCorrection", "reads.ReadAgentAlert", "reads.ReadPlateMonths", "reads.ReadKey",
               "reads.ReadArchiveExemption", "ocr.ReadAlternate", "ocr.OcrItem", "hotlists.Hit",
               "hotlists.PendingMatch"}
NON_ADMINS = ["custodian", "supervisor", "operator", "investigator", "oversight", "partner"]
PLATE_LIKE = re.compile(r"^(?=.*\d)(?=.*[A-Z])[A-Z0-9]{5,}$")


def _archive_oldest_quarter():
    from apps.reads.models import Read
    from apps.reads.retention import reads_archive
    from apps.retention.engine import RunContext
    from apps.retention.selectors import retention_policy_current

    times = list(Read.objects.order_by("captured_at").values_list("captured_at", flat=True))
    now = timezone.now()
    days = (now - times[len(times) // 4]).days
    ctx = RunContext(policy=retention_policy_current(), as_of=now, batch_size=1000)
    ctx.step = "reads.archive"
    reads_archive(ctx, days)
    return ctx.counts["reads.archive"]


def _plates_of(reads) -> set[str]:
    from apps.reads.models import ReadCorrection

    ids = list(reads.values_list("pk", flat=True))
    plates = set()
    for read_plate, current in reads.values_list("plate_read", "plate_current"):
        plates.update({read_plate, current})
    for previous, corrected in ReadCorrection.objects.filter(read_id__in=ids).values_list("previous_plate",
                                                                                         "corrected_plate"):
        plates.update({previous, corrected})
    try:
        from apps.ocr.models import ReadAlternate

        plates.update(ReadAlternate.objects.filter(read_id__in=ids).values_list("text", flat=True))
    except (ImportError, LookupError):
        pass
    return plates


def _plates_in_copies() -> set[str]:
    """Every plate-like token stored by a model that is not a read or part of one (discovered from the app registry:
    a new model that copies plates is covered without being named)."""
    found: set[str] = set()
    for model in django_apps.get_models():
        if model._meta.label in READ_MODELS or model._meta.proxy:
            continue
        fields = [f.attname for f in model._meta.concrete_fields
                  if f.get_internal_type() in ("CharField", "TextField", "JSONField")]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields).iterator():
            found.update(token for token in TOKEN.findall(json.dumps(row, default=str)) if PLATE_LIKE.match(token))
    return found


def _choose_archived(archived_reads) -> None:
    """The objects the routes open: an archived read for the read's routes, and for every model that points at a
    read (hits, corrections, OCR items…, discovered from the app registry) one of its rows about an archived read."""
    from apps.reads.models import Read

    # Reads the watermark archived (their flag is empty: a screen that filters on the flag alone would show them).
    passed = archived_reads.filter(archived_at__isnull=True)
    _CHOSEN[Read] = passed.order_by("pk").first()
    ids = list(passed.values_list("pk", flat=True))
    for model in django_apps.get_models():
        names = {f.attname for f in model._meta.concrete_fields}
        if model is Read or "read_id" not in names:
            continue
        row = model._default_manager.filter(read_id__in=ids).order_by("pk").first()
        if row is not None:
            _CHOSEN[model] = row


@pytest.mark.django_db
@pytest.mark.parametrize("username", NON_ADMINS)
def test_no_route_shows_an_archived_plate_to_anyone_but_an_administrator(client, settings, demo_seeded, username):
    from apps.reads.archive import read_unarchived_q
    from apps.reads.models import Read

    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.MEDIA_ROOT = demo_seeded
    counts = _archive_oldest_quarter()
    archived_reads = Read.objects.exclude(read_unarchived_q())
    live_reads = Read.objects.filter(read_unarchived_q())
    plates = {p for p in _plates_of(archived_reads) - _plates_of(live_reads) - _plates_in_copies()
              if PLATE_LIKE.match(p)}
    assert counts["archived"] >= 20 and len(plates) >= 10, (counts, len(plates))
    _CHOSEN.clear()
    _choose_archived(archived_reads)

    user = User.objects.get(username=username)
    failures: list[str] = []
    requests = 0
    for route in discover_routes():
        combos = _fill(route, plates)
        if isinstance(combos, str):
            continue  # the plate crawler reports routes it cannot fill
        for kwargs in combos:
            path = route_path(route, kwargs)
            client.force_login(user)
            for remembered, query in [(False, PURPOSE_QUERY), (True, {})]:
                _remember_context(client, remembered)
                status, body, _logged = _request(client, path, query)
                requests += 1
                if status >= 500:
                    failures.append(f"{route.name} {path} as {username}: HTTP {status}")
                    continue
                found = set(TOKEN.findall(body)) & plates
                if found:
                    failures.append(f"{route.name} {path} as {username}: shows archived {sorted(found)[:3]}")
    _CHOSEN.clear()
    print(f"crawled {requests} requests as {username}; {len(plates)} archived plates looked for")
    assert requests > 100
    assert not failures, f"{len(failures)} responses show archived reads (R-RET-1):\n" + "\n".join(failures)
