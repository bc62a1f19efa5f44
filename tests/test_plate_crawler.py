"""The crawler (R-AUD-1a): every route of the portal × every demo login, against the demo data, proves that whatever
shows plate data wrote exactly one access-log row first.

Nothing here is a list of routes. Routes come from the URLconf (pages, API and every admin screen the admin site
generates, including each ModelAdmin's ``?q=`` search); object ids come from the seeded data of the model behind the
route; the plates to look for are every plate the cameras and OCR produced in the demo. A new page, endpoint or admin
class that shows a plate without logging fails ``test_every_route_shows_plates_only_after_logging`` with its name.

The demo is seeded once for the module (``demo_seeded`` in tests/conftest.py); every route is crawled in a savepoint
that is rolled back, so each request sees the same data and its access-log rows are counted alone.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from django.contrib import admin
from django.db import models, transaction

from apps.accounts.models import User
from apps.audit.access_context import SESSION_KEY
from apps.audit.models import AccessLog
from tests.route_discovery import CHOICES, KWARG_SOURCES, Rollback, Route, discover_routes, route_path

# Requests made to every route besides the bare one: a stated purpose and case number (a logged path must log once),
# and for admin lists a search by a seeded plate (the admin's ``?q=``).
PURPOSE_QUERY = {"purpose": "crime_analysis", "case_number": "CRAWL-2026-1"}
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript")
TOKEN = re.compile(r"[A-Za-z0-9]+")

def _plates_seen_by_cameras() -> set[str]:
    """Every plate the demo's cameras and OCR produced: reads (as read and as current), corrections, OCR alternates.

    Hot-list entry patterns are taken out: a hot list is not ALPR data (its pages list the wanted plates), so a plate
    that is also an entry proves nothing when it appears. Hits on partial entries keep their plates in the set.
    """
    from apps.hotlists.models import HotListEntry
    from apps.reads.models import Read, ReadCorrection

    plates: set[str] = set()
    for read_plate, current in Read.objects.values_list("plate_read", "plate_current"):
        plates.update({read_plate, current})
    for previous, corrected in ReadCorrection.objects.values_list("previous_plate", "corrected_plate"):
        plates.update({previous, corrected})
    try:
        from apps.ocr.models import ReadAlternate

        plates.update(ReadAlternate.objects.values_list("text", flat=True))
    except (ImportError, LookupError):
        pass
    plates -= set(HotListEntry.objects.values_list("plate_pattern", flat=True))
    # A plate must look like one (letters and digits, 5+ characters) so that ordinary words never count.
    return {p for p in plates if p and len(p) >= 5 and re.search(r"\d", p) and re.search(r"[A-Z]", p)}


def _object_for(model: type[models.Model], plates: set[str]):
    """The seeded object to open: one whose stored fields mention a seeded plate when there is one, else the first.
    Chosen once per model (a model's admin has five routes or more)."""
    if model not in _CHOSEN:
        _CHOSEN[model] = _object_choose(model, plates)
    return _CHOSEN[model]


_CHOSEN: dict[type[models.Model], models.Model | None] = {}


def _object_choose(model: type[models.Model], plates: set[str]):
    rows = list(model._default_manager.order_by("pk")[:400])
    for row in rows:
        text = json.dumps({f.attname: getattr(row, f.attname, None) for f in model._meta.concrete_fields},
                          default=str)
        if set(TOKEN.findall(text)) & plates:
            return row
    return rows[0] if rows else None


def _fill(route: Route, plates: set[str]) -> list[dict[str, str]] | str:
    """Every combination of keyword values for one route, or the reason it cannot be filled."""
    from django.apps import apps as django_apps

    if not route.kwargs:
        return [{}]
    values: dict[str, list[str]] = {}
    for kwarg in route.kwargs:
        if route.model is not None:
            if kwarg in ("object_id", "pk", "id"):
                obj = _object_for(route.model, plates)
                if obj is None:
                    return "no seeded object"
                values[kwarg] = [str(obj.pk)]
                continue
            if kwarg == "app_label":
                values[kwarg] = [route.model._meta.app_label]
                continue
        source = next((label for (prefix, name), label in sorted(KWARG_SOURCES.items(), key=lambda i: -len(i[0][0]))
                       if name == kwarg and route.pattern.startswith(prefix)), None)
        if route.name.startswith("admin:") and kwarg == "app_label":
            values[kwarg] = sorted({m._meta.app_label for m in admin.site._registry})
            continue
        if route.name.startswith("admin:") and kwarg in ("content_type_id", "object_id", "url"):
            return "admin helper route"
        if source is None:
            return f"no source for <{kwarg}>: add it to KWARG_SOURCES"
        if source in CHOICES:
            values[kwarg] = CHOICES[source]
            continue
        obj = _object_for(django_apps.get_model(source), plates)
        if obj is None:
            return "no seeded object"
        values[kwarg] = [str(obj.pk)]
    combos = [{}]
    for kwarg, options in values.items():
        combos = [{**combo, kwarg: option} for combo in combos for option in options]
    return combos


def _body_text(response) -> str:
    content_type = response.headers.get("Content-Type", "")
    if not content_type.startswith(TEXT_TYPES):
        return ""
    data = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    return data.decode("utf-8", errors="replace")


def _remember_context(client, remembered: bool) -> None:
    """Put the crawler's purpose and case number in the session (as the purpose form does), or take them out."""
    session = client.session
    if remembered:
        session[SESSION_KEY] = {**PURPOSE_QUERY, "at": time.time()}
    else:
        session.pop(SESSION_KEY, None)
    session.save()


def _request(client, path: str, query: dict[str, str]):
    """One GET in a savepoint that is rolled back; returns (status, body text, access-log rows written)."""
    outcome = {}
    try:
        with transaction.atomic():
            before = AccessLog.objects.count()
            response = client.get(path, query, HTTP_ACCEPT="text/html,application/json")
            outcome.update(status=response.status_code, body=_body_text(response),
                           logged=AccessLog.objects.count() - before)
            raise Rollback
    except Rollback:
        pass
    return outcome["status"], outcome["body"], outcome["logged"]


PRINCIPALS = ["anonymous", "sysadmin", "custodian", "supervisor", "operator", "investigator", "lapsed", "oversight",
              "commission", "partner", "reno.partner"]


@pytest.mark.django_db
@pytest.mark.parametrize("username", PRINCIPALS)  # one test a principal: the suite's workers share them out
def test_every_route_shows_plates_only_after_logging(client, settings, demo_seeded, username):
    """R-AUD-1a: for every route × principal × variant, a response that contains a seeded plate wrote exactly one
    access-log row; no response is a server error."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.MEDIA_ROOT = demo_seeded
    _CHOSEN.clear()
    plates = _plates_seen_by_cameras()
    assert len(plates) > 50, "the demo should have plenty of camera reads"
    a_plate = sorted(plates)[0]

    failures: list[str] = []
    unfilled: list[str] = []
    empty: list[str] = []
    shown: set[str] = set()
    requests = 0
    for route in discover_routes():
        combos = _fill(route, plates)
        if isinstance(combos, str):
            if combos == "no seeded object":
                empty.append(route.name)
            elif combos != "admin helper route":
                unfilled.append(f"{route.name}: {combos}")
            continue
        # Without a stated context (bare, and stating one in the query), then with one remembered in the session
        # (as after the hits page or the admin's purpose form), where the admin's ``?q=`` search runs too.
        variants = [(False, {}), (False, PURPOSE_QUERY), (True, {})]
        if route.name.endswith("_changelist"):
            variants.append((True, {"q": a_plate[:4]}))  # a prefix: the search box's echo of it is no plate
        for kwargs in combos:
            path = route_path(route, kwargs)
            client.logout()
            if username != "anonymous":
                client.force_login(User.objects.get(username=username))
            for remembered, query in variants:
                if remembered and username == "anonymous":
                    continue
                _remember_context(client, remembered)
                status, body, logged = _request(client, path, query)
                requests += 1
                where = (f"{route.name} {path}?{'&'.join(f'{k}={v}' for k, v in query.items())} as {username}"
                         f"{' (context in session)' if remembered else ''}")
                if status >= 500:
                    failures.append(f"{where}: HTTP {status}")
                    continue
                found = set(TOKEN.findall(body)) & plates
                if found:
                    shown.add(route.name)
                    if logged != 1:
                        failures.append(f"{where}: shows {sorted(found)[:3]} but wrote {logged} access-log rows")
    print(f"crawled {requests} requests; routes that showed plates: {sorted(shown)}; no object to open: {empty}")
    assert not unfilled, "Routes the crawler cannot fill:\n" + "\n".join(unfilled)
    assert not failures, f"{len(failures)} responses break R-AUD-1a:\n" + "\n".join(failures)
