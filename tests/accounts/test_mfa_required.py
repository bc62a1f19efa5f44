"""Issue #22: the agency makes MFA mandatory per role (default: every role that sees ALPR data or hot lists). A
password-only session of such a role is sent to enrolment and reaches nothing else — pages, API, admin — until a
factor is enrolled; then the portal opens. Deny by default: only the ``alprportal_mfa`` session mark satisfies it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.accounts.mfa import MFA_DEFAULT_REQUIRED_ROLES, MFA_SESSION_KEY
from apps.accounts.mfa_devices import TOTP_ENROL_SESSION_KEY
from apps.accounts.middleware import ENROL_REQUIRED
from apps.accounts.roles import Role
from tests.accounts.test_mfa import password_login, totp_code
from tests.factories import DeployingAgencyFactory

pytestmark = [pytest.mark.django_db, pytest.mark.mfa_real]

MFA_PAGE = reverse("accounts:mfa")


def test_default_requires_every_role_that_sees_alpr_data_or_hot_lists():
    agency = DeployingAgencyFactory()
    assert set(agency.mfa_required_roles) == set(MFA_DEFAULT_REQUIRED_ROLES)
    assert {Role.OPERATOR, Role.INVESTIGATOR, Role.SUPERVISOR, Role.CUSTODIAN, Role.SYSADMIN} <= set(
        agency.mfa_required_roles)
    assert Role.OVERSIGHT not in agency.mfa_required_roles


@pytest.mark.parametrize("path", ["/", "/reads/", "/hotlists/hits/", "/training/", "/admin/", "/audit/access-log/"])
def test_a_required_role_without_a_factor_reaches_only_enrolment(client, custodian, path):
    DeployingAgencyFactory()
    password_login(client, custodian)
    response = client.get(path)
    assert response.status_code == 302 and response.url.startswith(MFA_PAGE), path


def test_the_api_refuses_with_the_reason(client, supervisor):
    DeployingAgencyFactory()
    password_login(client, supervisor)
    response = client.get(reverse("api:me"))
    assert response.status_code == 403 and response.json()["detail"] == ENROL_REQUIRED


def test_force_login_without_the_mark_is_gated_too(client, operator):
    """The tests' MFA-satisfied logins come from tests/conftest.py; a session without the mark is gated."""
    DeployingAgencyFactory()
    client.force_login(operator)
    assert MFA_SESSION_KEY not in client.session
    assert client.get("/").status_code == 302


def test_enrolment_opens_the_portal(client, investigator):
    DeployingAgencyFactory()
    password_login(client, investigator)
    page = client.get(MFA_PAGE)
    assert page.status_code == 200 and "Your role requires a second factor" in page.content.decode()
    client.get(reverse("accounts:mfa_totp_enrol"))
    key_hex = client.session[TOTP_ENROL_SESSION_KEY]
    response = client.post(reverse("accounts:mfa_totp_enrol"), {"code": totp_code(key_hex)})
    assert response.status_code == 302
    assert client.session[MFA_SESSION_KEY]["method"] == "totp"
    assert client.get("/").status_code == 200


def test_a_role_the_agency_does_not_require_is_not_gated(client, oversight_user, operator):
    agency = DeployingAgencyFactory()
    password_login(client, oversight_user)
    assert client.get("/").status_code == 200
    client.logout()
    agency.mfa_required_roles = [Role.CUSTODIAN]
    agency.save(update_fields=["mfa_required_roles"])
    password_login(client, operator)
    assert client.get("/").status_code == 200


def test_without_a_deploying_agency_the_default_holds(client, investigator):
    password_login(client, investigator)
    assert client.get("/").url.startswith(MFA_PAGE)


def test_an_identity_provider_mfa_session_is_not_gated(client, sysadmin):
    DeployingAgencyFactory()
    client.force_login(sysadmin)
    session = client.session
    session[MFA_SESSION_KEY] = {"method": "idp", "at": "2026-12-05T12:00:00+00:00"}
    session.save()
    assert client.get("/").status_code == 200
