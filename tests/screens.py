"""Screenshots of every page as each demo login at 1440, 1024 and 390 px, with what looks broken (issue #17).

Against a running portal seeded with ``manage.py seed_demo`` (and the same DATABASE_URL in this process's
environment, from which the pages and their objects are discovered)::

    PYTHONPATH=. .venv/bin/python -m tests.screens --base-url http://127.0.0.1:8000 --out /tmp/screens

Each login signs in through the login page with the demo password and, for staff, the current code of its demo
authenticator (``manage.py demo_totp``); anonymous is a visitor. Pages are discovered (tests/pages.py: the URLconf
filled with the demo's objects) and kept when they answer that login 200 with HTML. A purpose and case number are
stated in the session (as the purpose form does), so pages that show plate data show it; a page with a search form
that asks for a purpose and a case number (plate search…) is also submitted with the demo's busiest plate, and its
result views (tabs) are taken too. Every page is opened once per login and shown at each width (the window is
resized); per page and width it records horizontal page scrolling, elements sticking out of the window, text cut
off, images that did not load (tests/layout.py), console errors, server errors and an empty main area. Writes
``<out>/<login>/<width>/<page>.png``, ``<out>/findings.json``, ``<out>/index.html`` (a contact sheet) and
``<out>/problems.md``. Screenshots are artifacts: keep them out of the repository.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urljoin

WIDTHS = {1440: 900, 1024: 768, 390: 844}
LOGINS = ["anonymous", "sysadmin", "custodian", "custodian2", "supervisor", "operator", "investigator", "lapsed",
          "newhire", "oversight", "commission", "partner", "reno.partner"]
DEMO_PASSWORD = "alpr-demo-2026!"  # noqa: S105 - the demo's published password (README)
CASE_NUMBER = "MC-23-004417"  # a case of the demo (its hold and export)
MAX_HEIGHT = 8000  # a full-page screenshot is cut there (a long log would make a useless 50,000 px image)


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alprportal.settings")
    import django

    django.setup()


def busiest_plate() -> str:
    from django.db.models import Count

    from apps.reads.models import Read

    row = Read.objects.values("plate_current").annotate(n=Count("id")).order_by("-n").first()
    return row["plate_current"] if row else "7ABC123"


def session_context_state(session_key: str, *, purpose: str, case_number: str) -> None:
    """What the purpose form does (R-AUD-1a), for the browser's session: a purpose and case number remembered."""
    from importlib import import_module

    from django.conf import settings

    from apps.audit.access_context import SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)
    store[SESSION_KEY] = {"purpose": purpose, "case_number": case_number, "at": time.time()}
    store.save()


def browser_start():
    from tests.browser import chromium_start

    driver = chromium_start(downloads=Path("/tmp/screens-downloads"), implicit_wait=0, window=(1440, 900))
    return driver


def log_in(driver, base_url: str, username: str) -> str:
    """Sign in through the pages (password, then the demo authenticator's code when asked); '' or what went wrong."""
    from selenium.webdriver.common.by import By

    from apps.accounts.mfa_devices import totp_code_now
    from apps.ops.demo.accounts import demo_totp_key
    from tests.browser import wait_for

    driver.delete_all_cookies()
    if username == "anonymous":
        return ""
    driver.get(f"{base_url}/accounts/login/")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(DEMO_PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form [type=submit]").click()
    wait_for(lambda: "/accounts/login/" not in driver.current_url or driver.find_elements(By.CSS_SELECTOR, ".errors"),
             what=f"{username}'s password to be taken")
    if driver.find_elements(By.NAME, "code"):
        code = driver.find_element(By.NAME, "code")
        code.send_keys(totp_code_now(key_hex=demo_totp_key(username)))
        code.find_element(By.XPATH, "./ancestor::form//*[@type='submit']").click()
        wait_for(lambda: not driver.find_elements(By.NAME, "code") or driver.find_elements(By.CSS_SELECTOR, ".errors"),
                 what=f"{username}'s second step")
    if "/accounts/login/" in driver.current_url or driver.find_elements(By.NAME, "code"):
        return f"could not sign in ({driver.current_url})"
    return ""


def requests_session(driver):
    import requests

    session = requests.Session()
    for cookie in driver.get_cookies():
        session.cookies.set(cookie["name"], cookie["value"])
    return session


def search_variants(driver, base_url: str, path: str, plate: str) -> list[str]:
    """The page's GET search form that asks for a purpose and case number, submitted with ``plate`` (and its result
    tabs): the pages a person sees after searching. Found on the page, not listed."""
    forms = driver.execute_script("""
      return [...document.querySelectorAll('form')]
        .filter(f => (f.getAttribute('method') || 'get').toLowerCase() === 'get')
        .filter(f => f.querySelector('[name=case_number]') && f.querySelector('[name=purpose]'))
        .map(f => ({action: f.getAttribute('action') || '',
                    fields: [...f.elements].filter(e => e.name && !e.disabled).map(e => ({
                      name: e.name, type: e.type, value: e.value, checked: e.checked,
                      options: e.tagName === 'SELECT' ? [...e.options].map(o => o.value).filter(v => v) : []}))}));""")
    found = []
    for form in forms[:1]:
        query = []
        for field in form["fields"]:
            if field["type"] in ("submit", "button", "file", "hidden") and field["name"] not in ("view",):
                continue
            if field["type"] == "checkbox" and not field["checked"]:
                continue
            if field["name"] == "purpose":
                value = "prosecution" if "prosecution" in field["options"] else (field["options"] or [""])[0]
            elif field["name"] == "case_number":
                value = CASE_NUMBER
            elif field["name"] == "plate":
                value = plate
            elif field["type"].startswith("select"):
                continue
            else:
                value = field["value"]
            if value:
                query.append((field["name"], value))
        action = urljoin(f"{base_url}{path}", form["action"] or path)
        found.append(action.removeprefix(base_url) + "?" + urlencode(query))
    return found


def tab_links(driver, base_url: str) -> list[str]:
    """The result views offered as tabs on a results page (reads, grouped by plate, a plate's story)."""
    hrefs = driver.execute_script(
        "return [...document.querySelectorAll('nav.view-tabs a')].map(a => a.href)")
    return [h.removeprefix(base_url) for h in hrefs if h.startswith(base_url)]


def console_errors(driver) -> list[str]:
    try:
        entries = driver.get_log("browser")
    except Exception:  # noqa: BLE001 - a driver without the log
        return []
    return [e["message"][:240] for e in entries if e.get("level") == "SEVERE"]


def screenshot_full(driver, file: Path, width: int, height: int) -> int:
    """A full-page PNG at ``width`` (wider if the page overflows; cut at MAX_HEIGHT); returns the page's height."""
    import base64

    full, wide = driver.execute_script("const e = document.scrollingElement || document.documentElement; "
                                       "return [Math.max(e.scrollHeight, document.body.scrollHeight), e.scrollWidth]")
    shot_height = max(height, min(int(full), MAX_HEIGHT))
    data = driver.execute_cdp_cmd("Page.captureScreenshot", {  # as wide as the page is: an overflow shows
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": max(width, int(wide)), "height": shot_height, "scale": 1}})
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_bytes(base64.b64decode(data["data"]))
    return int(full)


def viewport_set(driver, width: int, height: int) -> None:
    """The page's viewport exactly ``width``×``height`` CSS px (a headless window has no minimum width
    this way). Not as a phone ("mobile"): a phone zooms a too-wide page out until it fits, hiding the overflow."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})


def slug(path: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_")[:120] or "home"


def page_take(driver, base_url: str, path: str, out: Path, username: str, status: int) -> list[dict]:
    from tests.layout import layout_probe, layout_problems

    console_errors(driver)  # drop what earlier pages left
    viewport_set(driver, 1440, 900)
    driver.get(f"{base_url}{path}")
    time.sleep(0.3)
    errors = console_errors(driver)
    rows = []
    for width, height in WIDTHS.items():
        viewport_set(driver, width, height)
        time.sleep(0.35)  # re-layout, maps re-size
        found = layout_probe(driver)
        file = out / username / str(width) / f"{slug(path)}.png"
        page_height = screenshot_full(driver, file, width, height)
        problems = layout_problems(found)
        if status >= 500:
            problems.append(f"server error {status}")
        problems += [f"console: {e}" for e in errors]
        rows.append({"login": username, "path": path, "width": width, "status": status,
                     "file": str(file.relative_to(out)), "height": page_height, "problems": problems,
                     "title": driver.title})
    return rows


def contact_sheet_write(out: Path, rows: list[dict]) -> None:
    """index.html: per login, a row per page with its three widths side by side (thumbnails link to the image), the
    problems under each; problems.md: the problems alone."""
    by_login: dict[str, dict[str, dict[int, dict]]] = {}
    for row in rows:
        by_login.setdefault(row["login"], {}).setdefault(row["path"], {})[row["width"]] = row
    parts = ["<!doctype html><meta charset=utf-8><title>ALPR Portal screenshots</title><style>",
             "body{font:14px system-ui;margin:1rem} table{border-collapse:collapse} td{vertical-align:top;"
             "border-bottom:1px solid #ccc;padding:.4rem} img{border:1px solid #999;max-height:420px}"
             " .bad{color:#a12a1f} h2{margin-top:2rem}</style>",
             f"<h1>ALPR Portal: {len(rows)} screenshots ({len({(r['login'], r['path']) for r in rows})} pages × "
             f"logins, widths {', '.join(map(str, WIDTHS))})</h1><p>Logins: "
             + " · ".join(f"<a href='#{html.escape(login)}'>{html.escape(login)}</a>" for login in by_login) + "</p>"]
    for login, pages in by_login.items():
        parts.append(f"<h2 id='{html.escape(login)}'>{html.escape(login)}: {len(pages)} pages</h2><table>")
        for path, widths in pages.items():
            cells = []
            for width in WIDTHS:
                row = widths.get(width)
                if not row:
                    cells.append("<td></td>")
                    continue
                problems = "".join(f"<li class=bad>{html.escape(p)}</li>" for p in row["problems"])
                cells.append(f"<td><a href='{html.escape(row['file'])}'><img loading=lazy width={width // 6} "
                             f"src='{html.escape(row['file'])}'></a><br>{width} px<ul>{problems}</ul></td>")
            parts.append(f"<tr><td><code>{html.escape(path)}</code></td>{''.join(cells)}</tr>")
        parts.append("</table>")
    (out / "index.html").write_text("\n".join(parts))
    lines = ["# Pages with problems", ""]
    for row in rows:
        if row["problems"]:
            lines.append(f"- **{row['login']}** `{row['path']}` at {row['width']} px: " + "; ".join(row["problems"]))
    (out / "problems.md").write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--logins", default=",".join(LOGINS))
    parser.add_argument("--only", default="", help="a regular expression: only paths that match")
    args = parser.parse_args(argv)
    _django_setup()
    from tests.pages import page_paths

    base_url = args.base_url.rstrip("/")
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    paths = [p for p in page_paths() if not args.only or re.search(args.only, p)]
    plate = busiest_plate()
    findings_file = out / "findings.json"
    rows: list[dict] = json.loads(findings_file.read_text()) if findings_file.exists() else []
    started = time.monotonic()
    driver = browser_start()
    try:
        for username in args.logins.split(","):
            rows = [r for r in rows if r["login"] != username]
            problem = log_in(driver, base_url, username)
            if problem:
                print(f"{username}: {problem}", file=sys.stderr)
                continue
            http = requests_session(driver)
            if username != "anonymous":
                # No page of ours runs while the session is written: every request saves the whole session
                # (SESSION_SAVE_EVERY_REQUEST), so a poll that loaded it before would write the context away.
                session_key = driver.get_cookie("sessionid")["value"]
                driver.get("about:blank")
                time.sleep(0.5)
                session_context_state(session_key, purpose="prosecution", case_number=CASE_NUMBER)
            statuses = {}
            for path in paths:
                response = http.get(f"{base_url}{path}", headers={"Accept": "text/html"}, allow_redirects=False,
                                    timeout=60)
                if response.status_code >= 500 or (
                        response.status_code == 200
                        and response.headers.get("Content-Type", "").startswith("text/html")):
                    statuses[path] = response.status_code
            taken: list[str] = []
            queue = list(statuses)
            while queue:
                path = queue.pop(0)
                if path in taken:
                    continue
                taken.append(path)
                rows += page_take(driver, base_url, path, out, username, statuses.get(path, 200))
                if path in statuses:  # a discovered page: its search form, submitted
                    for variant in search_variants(driver, base_url, path, plate):
                        queue.insert(0, variant)
                elif "?" in path:  # a results page: its other views
                    queue[:0] = [t for t in tab_links(driver, base_url) if t not in taken and t not in queue]
            print(f"{username}: {len(taken)} pages × {len(WIDTHS)} widths "
                  f"({sum(1 for r in rows if r['login'] == username and r['problems'])} with problems) "
                  f"at {time.monotonic() - started:.0f} s", flush=True)
            findings_file.write_text(json.dumps(rows, indent=1))
            contact_sheet_write(out, rows)
    finally:
        driver.quit()
    contact_sheet_write(out, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
