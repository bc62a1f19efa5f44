"""Every page (HTML, not the API nor Django's admin) the URLconf has, filled with seeded objects: the pages the
accessibility test (tests/a11y), the layout test (tests/journeys/test_layout_every_page.py) and the screenshot tool
(tests/screens.py) open for each demo login. Nothing here lists a page: routes come from tests/route_discovery.py and
object ids from the crawler's choice of seeded objects (tests/test_plate_crawler.py)."""

from __future__ import annotations

import io
import time
from importlib import import_module

from django.conf import settings
from django.core.management import call_command
from django.test import Client

from tests.route_discovery import discover_routes, route_path
from tests.test_plate_crawler import _CHOSEN, _fill, _plates_seen_by_cameras


def page_paths() -> list[str]:
    """Every page path, filled with the demo's objects (no API, no admin, no log-out)."""
    _CHOSEN.clear()
    plates = _plates_seen_by_cameras()
    paths = []
    for route in discover_routes():
        if route.name.startswith("admin:") or route.pattern.startswith("api/") or route.name == "accounts:logout":
            continue
        combos = _fill(route, plates)
        if isinstance(combos, str):
            continue
        paths.extend(route_path(route, kwargs) for kwargs in combos)
    return paths


def html_pages(get, paths: list[str]) -> list[str]:
    """The paths that answer 200 with HTML to ``get(path)`` (a test client's or a requests session's get)."""
    pages = []
    for path in paths:
        response = get(path)
        status = getattr(response, "status_code", None)
        if status == 200 and response.headers.get("Content-Type", "").startswith("text/html"):
            pages.append(path)
    return pages


def browser_state_context(browser, context: dict) -> None:
    """What the purpose form does, for the browser's own session (its cookie names it)."""
    from apps.audit.access_context import SESSION_KEY

    cookie = browser.get_cookie(settings.SESSION_COOKIE_NAME)
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=cookie["value"])
    store[SESSION_KEY] = {**context, "at": time.time()}
    store.save()


def sign_in_everywhere(username: str, *, browser, log_in) -> tuple[Client, dict | None]:
    """Sign ``username`` (or nobody, for "anonymous") in to a test client and to the browser, with a purpose and case
    number stated in the client's session; returns the client and that access context (None for anonymous). The
    browser's session gets the context with ``browser_state_context`` once the caller has opened what it wants to
    see before it (e.g. the purpose form)."""
    from apps.accounts.models import User
    from tests.conftest import PASSWORD, state_access_context

    client = Client()
    if username == "anonymous":
        browser.delete_all_cookies()
        return client, None
    user = User.objects.get(username=username)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    client.force_login(user)
    context = state_access_context(client)
    log_in(user)
    return client, context


def demo_seeded(settings_fixture, tmp_path) -> tuple[float, float]:
    """The demo data as ``make run`` shows it (seeded, then one retention run), tasks eager, media in ``tmp_path``;
    returns when seeding started and ended (time.monotonic)."""
    settings_fixture.CELERY_TASK_ALWAYS_EAGER = True
    settings_fixture.MEDIA_ROOT = str(tmp_path / "demo-media")
    started = time.monotonic()
    call_command("seed_demo", "--quiet")
    call_command("run_retention", stdout=io.StringIO())
    return started, time.monotonic()
