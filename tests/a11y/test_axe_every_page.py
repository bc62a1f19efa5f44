"""WCAG 2.1 AA (the DOJ's 2024 ADA Title II rule): axe-core finds no serious or critical violation on any page that any
demo login can open, nor on the public pages.

Nothing here lists a page: routes come from the URLconf (tests/route_discovery.py) and are filled with the demo's
objects as the crawler does (tests/test_plate_crawler.py). Each login's session is reused for all its pages, with a
purpose and case number stated (so pages that show plate data show it, as after the purpose form; the purpose form
itself is checked once, before the investigator states one). A page is one that
answers 200 with HTML to that login; the API and Django's own admin screens are left out (the admin is Django's).

The demo is seeded inside the test: the live server runs in another thread with its own database connection, so it
cannot see the module-scoped ``demo_seeded`` transaction; this test is transactional and seeds once for all logins.
"""

from __future__ import annotations

import re
import time
from functools import partial

import pytest

from tests.a11y.axe import BLOCKING, axe_violations, violations_describe
from tests.browser import requires_chromium
from tests.pages import browser_state_context, demo_seeded, html_pages, page_paths, sign_in_everywhere
from tests.test_plate_crawler import PRINCIPALS

pytestmark = [pytest.mark.browser(implicit_wait=0), requires_chromium, pytest.mark.django_db(transaction=True)]


# Two halves of the logins, so the suite's two workers can check them side by side (each seeds its own demo).
HALVES = {"first": PRINCIPALS[: len(PRINCIPALS) // 2], "second": PRINCIPALS[len(PRINCIPALS) // 2:]}


@pytest.mark.parametrize("half", sorted(HALVES))
def test_no_page_of_any_login_has_a_serious_or_critical_axe_violation(live_server, browser, log_in, settings,
                                                                       tmp_path, half):
    started, seeded = demo_seeded(settings, tmp_path)
    paths = page_paths()

    failures: list[str] = []
    by_impact: dict[str, int] = {}
    checked = 0
    browsing = 0.0
    for username in HALVES[half]:
        client, context = sign_in_everywhere(username, browser=browser, log_in=log_in)
        if context is not None:
            if username == "investigator":
                # The purpose form, which every page showing plate data asks with until a context is stated.
                read_page = next(p for p in paths if re.fullmatch(r"/reads/\d+/", p))
                browser.get(f"{live_server.url}{read_page}")
                assert browser.find_elements("name", "case_number"), "the read page should ask for a purpose first"
                failures += violations_describe("the purpose form as investigator", axe_violations(browser))
            browser_state_context(browser, context)
        for path in html_pages(partial(client.get, HTTP_ACCEPT="text/html"), paths):
            began = time.monotonic()
            browser.get(f"{live_server.url}{path}")
            found = axe_violations(browser, blocking_only=False)
            browsing += time.monotonic() - began
            for violation in found:
                by_impact[violation["impact"]] = by_impact.get(violation["impact"], 0) + 1
            failures += violations_describe(f"{path} as {username}", [v for v in found if v["impact"] in BLOCKING])
            checked += 1
    if half == "first":
        browser.get(f"{live_server.url}/no-such-page/")
        failures += violations_describe("the 404 page", axe_violations(browser))
    print(f"axe: {checked} pages checked in {time.monotonic() - seeded:.0f} s (seeding {seeded - started:.0f} s); "
          f"of which {browsing:.0f} s in the browser; violations (page × rule) by impact: {by_impact}")
    assert not failures, f"{len(failures)} serious or critical WCAG 2.1 AA violations:\n" + "\n".join(failures)
