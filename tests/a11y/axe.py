"""axe-core (tests/vendor/axe-core, vendored from npm) run inside a page the browser shows: WCAG 2.1 A and AA rules,
and the violations a person would be blocked by (impact serious or critical)."""

from __future__ import annotations

from pathlib import Path

AXE_SOURCE = (Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js").read_text()
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")

RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})
  .then(result => done(result.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      targets: v.nodes.slice(0, 5).map(n => n.target.join(' ')), count: v.nodes.length}))))
  .catch(error => done([{id: 'axe-error', impact: 'critical', help: String(error), targets: [], count: 1}]));
"""


def axe_violations(browser, *, blocking_only: bool = True) -> list[dict]:
    """The page's WCAG 2.1 AA violations found by axe (only serious and critical ones unless told)."""
    if not browser.execute_script("return typeof window.axe !== 'undefined'"):
        browser.execute_script(AXE_SOURCE)
    violations = browser.execute_async_script(RUN, WCAG_21_AA)
    return [v for v in violations if not blocking_only or v["impact"] in BLOCKING]


def violations_describe(where: str, violations: list[dict]) -> list[str]:
    return [f"{where}: {v['id']} ({v['impact']}, {v['count']}×) {v['help']} — {', '.join(v['targets'])}"
            for v in violations]
