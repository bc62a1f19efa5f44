"""Keyboard-only journeys (WCAG 2.1.1 Keyboard, 2.4.1 Bypass Blocks, 2.4.3 Focus Order, 2.4.7 Focus Visible): the
public transparency page and the partner's request form are used with Tab, Enter, Space and typing only — no mouse —
and every element that takes the focus shows it."""

from __future__ import annotations

import pytest

from apps.accounts.roles import Role
from apps.audit.choices import Purpose
from apps.disclosures.models import DisclosureRequest
from tests.agreements.helpers import active_agreement
from tests.browser import requires_chromium, wait_for
from tests.factories import AgencyFactory, DeployingAgencyFactory

pytestmark = [pytest.mark.browser(implicit_wait=1), requires_chromium, pytest.mark.django_db(transaction=True)]

# How the focused element shows its focus: an outline or a box-shadow ring, and whether it is on screen.
FOCUS_STATE = """
const el = document.activeElement;
if (!el || el === document.body) return null;
const style = getComputedStyle(el);
const box = el.getBoundingClientRect();
return {tag: el.tagName.toLowerCase(), name: el.getAttribute('name') || '', id: el.id || '',
        text: (el.innerText || el.value || '').trim().slice(0, 60), type: el.getAttribute('type') || '',
        outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
        shadow: style.boxShadow !== 'none',
        visible: box.width > 0 && box.height > 0 && box.bottom > 0 && box.top < window.innerHeight
                 && box.right > 0 && box.left < window.innerWidth};
"""


def _press(browser, *keys: str) -> dict | None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(browser).send_keys(*keys).perform()
    return browser.execute_script(FOCUS_STATE)


def _assert_focus_shown(state: dict | None) -> dict:
    assert state, "the focus went nowhere (body)"
    assert state["outline"] or state["shadow"], f"no visible focus indicator on {state}"
    assert state["visible"], f"the focused element is off screen: {state}"
    return state


def _tab_to(browser, matches, limit: int = 80) -> dict:
    """Tab until the focused element ``matches``; every element passed on the way shows its focus."""
    from selenium.webdriver.common.keys import Keys

    passed = []
    for _ in range(limit):
        state = _assert_focus_shown(_press(browser, Keys.TAB))
        if matches(state):
            return state
        passed.append(state["name"] or state["id"] or state["text"])
    raise AssertionError(f"Tab never reached the element; passed {passed}")


def test_the_public_transparency_page_by_keyboard_alone(live_server, browser):
    from selenium.webdriver.common.keys import Keys

    DeployingAgencyFactory()
    browser.get(f"{live_server.url}/transparency/")

    # The first Tab shows the skip link; Enter on it moves the reading position past the header to the content.
    skip = _assert_focus_shown(_press(browser, Keys.TAB))
    assert skip["text"] == "Skip to content"
    _press(browser, Keys.ENTER)
    assert browser.current_url.endswith("#main")

    # The in-page link to the adopted policy documents is reached by Tab and followed with Enter.
    _tab_to(browser, lambda s: s["tag"] == "a" and "adopted ALPR usage and privacy policy" in s["text"])
    _press(browser, Keys.ENTER)
    assert browser.current_url.endswith("#policy-documents")

    # The rest of the page: every link and control takes the focus visibly, down to the footer's policy link.
    _tab_to(browser, lambda s: s["tag"] == "a" and s["text"] == "ALPR usage and privacy policy", limit=200)


def test_a_partner_completes_the_request_form_by_keyboard_alone(live_server, browser, log_in, make_user):
    from selenium.webdriver.common.keys import Keys

    DeployingAgencyFactory()
    partner_agency = AgencyFactory(name="Los Alamitos Police Department", ori="CA0194400")
    sysadmin = make_user(Role.SYSADMIN)
    active_agreement(actor=sysadmin, agency=partner_agency)
    partner = make_user(Role.PARTNER_REQUESTER, agency=partner_agency, first_name="Pat", last_name="Morgan")
    log_in(partner, "/disclosures/requests/new/")
    assert "New written request" in browser.find_element("tag name", "h1").text

    def field(name):
        return lambda s: s["name"] == name

    # The name is prefilled from the account; the rest is typed, chosen by type-ahead and ticked with Space.
    _tab_to(browser, field("purpose"))
    _press(browser, "Investigation")
    _tab_to(browser, field("case_number"))
    _press(browser, "LA-2026-0142")
    _tab_to(browser, field("legal_basis"))
    _press(browser, "Penal Code 459 investigation.")
    _tab_to(browser, field("plates"))
    _press(browser, "7ABC123")
    _tab_to(browser, field("time_from"))
    _press(browser, "01152026", Keys.TAB, "1000A")
    _tab_to(browser, field("time_to"))
    _press(browser, "01202026", Keys.TAB, "1000A")
    radio = _tab_to(browser, field("immigration_related"))
    assert radio["type"] == "radio"
    _tab_to(browser, field("requester_attested"))
    _press(browser, Keys.SPACE)
    assert browser.execute_script("return document.activeElement.checked") is True
    _tab_to(browser, lambda s: s["id"] == "submit-request")
    _press(browser, Keys.ENTER)

    wait_for(lambda: DisclosureRequest.objects.filter(case_number="LA-2026-0142").exists(), seconds=10,
             what="the request to be saved; the page says: " + browser.find_element("tag name", "main").text[:600])
    request = DisclosureRequest.objects.get(case_number="LA-2026-0142")
    assert request.time_from.date().isoformat() == "2026-01-15" and request.time_to.date().isoformat() == "2026-01-20"
    assert request.immigration_related is False and request.purpose == Purpose.PROSECUTION_OR_EXONERATION
