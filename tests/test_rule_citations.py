"""Every rule has a test that names it (issue #15, issue #18 point 5).

The rules live in ``docs/requirements.md`` (a copy of the project's shared rule list, kept identical while the shared
copy is at hand). A rule id that no test file cites fails here with its id, so a new or forgotten obligation cannot
pass unnoticed. A citation is the id itself, one per citation: ``R-RET-2``, never a range such as ``R-RET-1…4``,
which grep cannot find (a range in a test or in the code fails too).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "docs" / "requirements.md"
SHARED_RULES = ROOT.parent / "shared" / "docs" / "requirements.md"
RULE_ID = re.compile(r"\bR-[A-Z]+-\d+[a-z]?\b")
# ``R-RET-1…4``, ``R-HOT-1..5``, ``R-ACC-5/6/7``, ``R-SHR-4-6``: several rules in one citation.
RANGE = re.compile(r"\bR-[A-Z]+-\d+[a-z]?(?:…|\.\.|/|-)\d")


def rule_ids() -> list[str]:
    return sorted(set(RULE_ID.findall(RULES.read_text(encoding="utf-8"))))


def _cited(rule: str, text: str) -> bool:
    return re.search(re.escape(rule) + r"(?![0-9a-z])", text) is not None


def _python_files(*folders: str):
    for folder in folders:
        yield from (ROOT / folder).rglob("*.py")


def test_every_rule_is_cited_by_a_test():
    rules = rule_ids()
    assert len(rules) > 50, "docs/requirements.md should hold the project's rules"
    tests = "\n".join(path.read_text(encoding="utf-8") for path in _python_files("tests")
                      if path.name != Path(__file__).name)
    missing = [rule for rule in rules if not _cited(rule, tests)]
    assert not missing, "Rules no test cites (write a test that exercises each, naming the id): " + ", ".join(missing)


def test_rule_citations_name_one_rule_each():
    ranges = []
    for path in _python_files("apps", "tests", "alprportal"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if RANGE.search(line) and path.name != Path(__file__).name:
                ranges.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    assert not ranges, "Cite one rule id at a time, so grep finds each:\n" + "\n".join(ranges)


def test_the_rule_list_is_the_shared_one():
    """docs/requirements.md is the shared rule list, copied; when the shared copy is at hand they must agree."""
    if not SHARED_RULES.exists():
        return  # a clean checkout without the shared folder: docs/requirements.md stands alone
    assert RULES.read_text(encoding="utf-8") == SHARED_RULES.read_text(encoding="utf-8"), (
        "docs/requirements.md differs from ../shared/docs/requirements.md: copy the shared list")
