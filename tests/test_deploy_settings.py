"""Production settings: `check --deploy` is clean, no secret defaults, a modern password hasher (R-ACC-3)."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args, **env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DATABASE_URL"}
    env.update({"DJANGO_SETTINGS_MODULE": "alprportal.settings", **env_overrides})
    return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT,  # noqa: S603
                          capture_output=True, text=True, timeout=120)


PRODUCTION = {
    # Explicit, so a developer's .env (DJANGO_DEBUG=true, from .env.example) cannot leak into production checks.
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "alpr.example.gov",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/alprportal",
}


def test_check_deploy_reports_nothing_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", **{k: v for k, v in PRODUCTION.items() if k != "DJANGO_SECRET_KEY"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_hashes_passwords_with_argon2_and_secures_cookies():
    code = ("from django.conf import settings as s; print(s.PASSWORD_HASHERS[0], s.SESSION_COOKIE_SECURE, "
            "s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.DEBUG)")
    result = _manage("shell", "-c", code, **PRODUCTION)
    assert result.stdout.split()[-5:] == [
        "django.contrib.auth.hashers.Argon2PasswordHasher", "True", "True", "True", "False"]


def test_production_collects_the_static_files_every_template_names(tmp_path):
    """Production serves static files from a manifest (WhiteNoise, hashed names). ``collectstatic`` refused the vendored
    Leaflet because its source-map comment named a map that was not vendored, so no production page could render (a
    500 on every page: "Missing staticfiles manifest entry"). Every ``{% static %}`` a template names must be in it."""
    import json
    import re

    result = _manage("collectstatic", "--noinput", **PRODUCTION, STATIC_ROOT=str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    named = {match for folder in ("templates", "apps") for path in (ROOT / folder).rglob("*.html")
             for match in re.findall(r"""\{%\s*static\s+['"]([^'"]+)['"]""", path.read_text(encoding="utf-8"))}
    assert {"vendor/leaflet/leaflet.js", "favicon.svg"} <= named  # the crawl finds the templates' names
    assert sorted(named - set(manifest)) == []
