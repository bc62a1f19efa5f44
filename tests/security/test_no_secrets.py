"""No secrets in the repository: no tracked file holds a private key, a cloud access key or a service token. The
test-only and development-only Django keys in the settings are named as such and are refused in production (tests/
test_deploy_settings.py)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PATTERNS = {
    "private key": re.compile(rb"-----BEGIN (?:RSA |DSA |EC |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----"),
    "AWS access key id": re.compile(rb"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "AWS secret access key": re.compile(rb"aws_secret_access_key\s*[:=]\s*['\"]?[A-Za-z0-9/+=]{40}", re.IGNORECASE),
    "GitHub token": re.compile(rb"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(rb"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    "Google API key": re.compile(rb"\bAIza[0-9A-Za-z_-]{35}\b"),
    "Stripe live key": re.compile(rb"\b[sr]k_live_[0-9A-Za-z]{20,}"),
}


def _tracked_files() -> list[Path]:
    try:
        result = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True,  # noqa: S607
                                timeout=60)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [ROOT / name for name in result.stdout.decode().split("\0") if name]


def test_no_tracked_file_holds_a_private_key_or_an_access_key():
    files = _tracked_files()
    assert len(files) > 100
    found = []
    for path in files:
        if not path.is_file() or path.stat().st_size > 5_000_000:
            continue
        content = path.read_bytes()
        for what, pattern in PATTERNS.items():
            for match in pattern.finditer(content):
                line = content.count(b"\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert not found, "\n".join(found)


def test_the_patterns_catch_what_they_are_for():
    header = b"-----BEGIN " + b"RSA PRIVATE KEY-----"
    assert PATTERNS["private key"].search(header)
    assert PATTERNS["AWS access key id"].search(b"key = AKIA" + b"IOSFODNN7EXAMPLE")
    assert PATTERNS["GitHub token"].search(b"ghp_" + b"a" * 36)


def test_no_environment_file_is_tracked():
    names = {path.name for path in _tracked_files()}
    assert not names & {".env", ".env.production", "id_rsa", "id_ed25519", "credentials"}
