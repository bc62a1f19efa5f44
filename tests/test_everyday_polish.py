"""Small things people notice every day (issue #17): OCR never offers a camera's date/time overlay as an alternate
plate, every API operation has a one-line summary in the docs, a person's supervisor is chosen among their agency's
staff, and dates read the same (ISO, 24-hour) in the portal and the admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.accounts.roles import Role
from apps.ocr.services.processing import timestamp_noise
from tests.factories import AgencyFactory, DeployingAgencyFactory


@pytest.mark.parametrize("text", ["20261205", "143302", "05122026", "1205143302", "20261205143302"])
def test_a_date_or_time_overlay_is_timestamp_noise(text):
    assert timestamp_noise(text)


@pytest.mark.parametrize("text", ["7ABC123", "1234567", "999999", "20261305", "8XYZ789", "12345"])
def test_plates_are_not_timestamp_noise(text):
    assert not timestamp_noise(text)


@pytest.mark.django_db
def test_every_api_operation_has_a_summary(api_client, make_user):
    api_client.force_authenticate(make_user(Role.SYSADMIN))
    schema = api_client.get(reverse("api-schema"), {"format": "json"}).json()
    operations = [(path, method, operation) for path, methods in schema["paths"].items()
                  for method, operation in methods.items() if method in ("get", "post", "put", "patch", "delete")]
    assert operations
    missing = [f"{method.upper()} {path}" for path, method, operation in operations if not operation.get("summary")]
    assert missing == []
    assert schema["paths"]["/api/v1/reads/search/"]["get"]["summary"] == "Search reads"


@pytest.mark.django_db
def test_the_api_docs_send_an_anonymous_visitor_to_the_login_page(client):
    response = client.get("/api/docs/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/api/docs/"
    assert client.get("/api/schema/").status_code == 401  # API clients still get a 401


@pytest.mark.django_db
def test_the_supervisor_field_lists_only_active_staff_of_the_persons_agency(client, make_user):
    agency, other = DeployingAgencyFactory(), AgencyFactory()
    admin_user = make_user(Role.SYSADMIN, agency=agency, is_staff=True)
    sergeant = make_user(Role.SUPERVISOR, agency=agency, last_name="Sergeant")
    officer = make_user(Role.OPERATOR, agency=agency, supervisor=sergeant)
    elsewhere = make_user(Role.SUPERVISOR, agency=other, last_name="Elsewhere")
    partner = make_user(Role.PARTNER_REQUESTER, agency=agency, last_name="Partner")
    gone = make_user(Role.SUPERVISOR, agency=agency, last_name="Gone", is_active=False)
    client.force_login(admin_user)
    response = client.get(f"/admin/accounts/user/{officer.pk}/change/")
    assert response.status_code == 200
    choices = set(response.context["adminform"].form.fields["supervisor"].queryset)
    assert sergeant in choices and admin_user in choices
    assert not choices & {elsewhere, partner, gone, officer}
    page = response.content.decode()
    assert "disclosures:agency:" not in page


@pytest.mark.django_db
def test_admin_headings_and_role_filter_use_peoples_words(client, make_user):
    client.force_login(make_user(Role.SYSADMIN, is_staff=True))
    index = client.get("/admin/").content.decode()
    assert "OCR jobs" in index and "Ocr jobs" not in index
    assert "Login attempts and lockouts" in index and ">Axes<" not in index
    people = client.get("/admin/accounts/user/").content.decode()
    assert "By role" in people and "Custodian of records" in people and "disclosures:agency:" not in people


def test_one_date_format_portal_wide():
    from datetime import datetime

    from django.utils import formats

    moment = datetime(2026, 12, 5, 16, 30)
    assert formats.date_format(moment, "DATETIME_FORMAT") == "2026-12-05 16:30"
    assert formats.date_format(moment.date(), "DATE_FORMAT") == "2026-12-05"


def test_moments_in_logged_data_and_run_counts_read_like_every_other_date(settings):
    """issue #17: a moment stored as ISO text (an access-log row's data elements, a retention run's counts) is shown
    in local time, 24-hour, to the minute, like the dates around it; nothing stored reads '—', not 'None'."""
    from apps.common.templatetags.portal import data_elements, data_value

    settings.TIME_ZONE = "America/Los_Angeles"
    shown = data_elements({"time_to": "2026-02-09T23:49:00+00:00", "plate_pattern": "8XYZ789", "window": ["x"]})
    assert "<dd>2026-02-09 15:49</dd>" in shown and "T23:49" not in shown and "<dd>8XYZ789</dd>" in shown
    assert data_value("2024-12-05T19:14:55.918959+00:00") == "2024-12-05 11:14"
    assert (data_value(None), data_value(0), data_value("20261205")) == ("—", "0", "20261205")
