"""A REAL OpenID Connect provider for the tests (issue #22): tests/oidc_provider (django-oauth-toolkit, RS256, PKCE)
started as a second process on a free port; the portal under live_server is its registered client."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

PROVIDER_DIR = Path(__file__).resolve().parents[1] / "oidc_provider"
CLIENT_ID = "alpr-portal"
CLIENT_SECRET = "portal-client-secret-for-tests-only"
PROVIDER_NAME = "County Entra ID"
IDP_PASSWORD = "idp-pass-2026!"
GROUP_ROLES = {"ALPR-Operators": "operator", "ALPR-Investigators": "investigator", "ALPR-Oversight": "oversight"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Provider:
    url: str
    env: dict

    @property
    def issuer(self) -> str:
        return f"{self.url}/o"

    def manage(self, *args: str) -> None:
        subprocess.run([sys.executable, "manage.py", *args], cwd=PROVIDER_DIR, env=self.env, check=True,  # noqa: S603 - fixed argv
                       capture_output=True, timeout=60)

    def person(self, username: str, *, groups: list[str], mfa: bool = False, disable: bool = False) -> None:
        args = [username, "--password", IDP_PASSWORD, "--groups", ",".join(groups), "--mfa" if mfa else "--no-mfa",
                "--email", f"{username}@county.example", "--first-name", username.title(), "--last-name", "Tester"]
        if disable:
            args.append("--disable")
        self.manage("idp_user", *args)


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("oidc_provider")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (workdir / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                        serialization.PrivateFormat.PKCS8,
                                                        serialization.NoEncryption()))
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(IDP_DB=str(workdir / "idp.sqlite3"), IDP_RSA_KEY_FILE=str(workdir / "key.pem"), IDP_ISSUER=f"{url}/o",
               PYTHONPATH=str(PROVIDER_DIR))
    provider = Provider(url=url, env=env)
    provider.manage("migrate", "-v0")
    log = (workdir / "server.log").open("wb")
    process = subprocess.Popen([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],  # noqa: S603 - fixed argv
                               cwd=PROVIDER_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{url}/o/.well-known/openid-configuration", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"the test identity provider did not start: {(workdir / 'server.log').read_text()}")
            time.sleep(0.3)
        yield provider
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture
def portal_with_provider(oidc_provider, live_server, settings):
    """The portal (live_server) configured to sign people in through the test provider."""
    oidc_provider.manage("idp_client", "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET,
                         "--redirect-uri", f"{live_server.url}/accounts/oidc/callback/")
    settings.OIDC_PROVIDER_NAME = PROVIDER_NAME
    settings.OIDC_OP_ISSUER = oidc_provider.issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{oidc_provider.issuer}/authorize/"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{oidc_provider.issuer}/token/"
    settings.OIDC_OP_USER_ENDPOINT = f"{oidc_provider.issuer}/userinfo/"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{oidc_provider.issuer}/.well-known/jwks.json"
    settings.OIDC_GROUP_ROLES = GROUP_ROLES
    return live_server


def provider_sign_in(live_server, username: str, password: str = IDP_PASSWORD) -> tuple[requests.Session,
                                                                                        requests.Response]:
    """The authorization-code flow as a browser would run it, with requests: the portal's button, the provider's
    login form, back to the portal's callback. Returns the session and the last response."""
    session = requests.Session()
    page = session.get(f"{live_server.url}/accounts/oidc/start/", timeout=30)
    assert "idp-sign-in" in page.text, page.text[:500]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    next_value = re.search(r'name="next" value="([^"]*)"', page.text).group(1).replace("&amp;", "&")
    response = session.post(page.url, data={"csrfmiddlewaretoken": token, "username": username,
                                            "password": password, "next": next_value},
                            headers={"Referer": page.url}, timeout=30)
    return session, response
