"""Every page fits a phone and a patrol-car laptop (issue #17): at 390 px and at 1024×768 no page scrolls sideways and
nothing sticks out of the window (a wide table scrolls inside its own box), no image fails to load and no main area
is empty. Measured in Chromium by tests/layout.py, the probe the screenshot tool (tests/screens.py) records too.

Nothing here lists a page: the pages are the URLconf's, filled with the demo's objects (tests/pages.py), each opened
once, by the first demo login (in the order below) that can open it, with a purpose and case number stated so plate
pages show their data; a page with a search form that asks for a purpose is also submitted with the demo's busiest
plate, and its result views (reads, grouped by plate, a plate's story) are opened too. Django's own admin is not ours.
"""

from __future__ import annotations

import time
from functools import partial

import pytest

from tests.browser import requires_chromium
from tests.layout import layout_probe, layout_problems
from tests.pages import browser_state_context, demo_seeded, html_pages, page_paths, sign_in_everywhere
from tests.screens import busiest_plate, search_variants, tab_links, viewport_set

pytestmark = [pytest.mark.browser(implicit_wait=0), requires_chromium, pytest.mark.django_db(transaction=True)]

# Whose pages: every role once (staff, oversight, a partner agency's requester, a visitor). A page several of them can
# open is checked once, as the first.
LOGINS = ["sysadmin", "custodian", "supervisor", "operator", "investigator", "oversight", "partner", "anonymous"]
WIDTHS = [(390, 844), (1024, 768)]


def test_no_page_scrolls_sideways_at_390_or_1024_px(live_server, browser, log_in, settings, tmp_path):
    started, seeded = demo_seeded(settings, tmp_path)
    paths = page_paths()
    plate = busiest_plate()
    base = live_server.url

    failures: list[str] = []
    covered: set[str] = set()
    checked = 0
    for username in LOGINS:
        client, context = sign_in_everywhere(username, browser=browser, log_in=log_in)
        mine = [p for p in html_pages(partial(client.get, HTTP_ACCEPT="text/html"), paths) if p not in covered]
        if context is not None:
            browser.get(f"{base}/static/favicon.svg")  # no page of ours polls (and saves the session) meanwhile
            browser_state_context(browser, context)
        queue = list(mine)
        while queue:
            path = queue.pop(0)
            if path in covered:
                continue
            covered.add(path)
            viewport_set(browser, 1024, 768)
            browser.get(f"{base}{path}")
            for width, height in WIDTHS:
                viewport_set(browser, width, height)
                failures += [f"{path} as {username} at {width} px: {problem}"
                             for problem in layout_problems(layout_probe(browser))]
            checked += 1
            if path in mine:
                queue[:0] = search_variants(browser, base, path, plate)
            elif "?" in path:
                queue[:0] = [t for t in tab_links(browser, base) if t not in covered]
    print(f"layout: {checked} pages at {len(WIDTHS)} widths in {time.monotonic() - seeded:.0f} s "
          f"(seeding {seeded - started:.0f} s)")
    assert checked > 60, f"only {checked} pages were opened: the discovery found too few"
    assert not failures, f"{len(failures)} layout problems:\n" + "\n".join(failures)
