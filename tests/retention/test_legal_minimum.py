"""The legal minimum retention (R-RET-5): a setting (365 days under Gov. Code § 34090.6 by default; an agency may be
stricter, e.g. 5 years), and every place retention periods are set refuses a period that would delete reads or hits
sooner — the service, the policy page and a system check of the environment's defaults — with a precise message."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.common.errors import ApplicationError
from apps.retention.checks import retention_defaults_respect_legal_minimum
from apps.retention.models import BELOW_LEGAL_MINIMUM, BELOW_LEGAL_MINIMUM_PURGE, RetentionPolicy
from apps.retention.services import retention_policy_update

pytestmark = pytest.mark.django_db

BASIS = "Gov. Code § 34090.6"


def test_a_purge_sooner_than_the_legal_minimum_is_refused_with_the_numbers_and_the_law(agency):
    """R-RET-5: 200 days archived + 100 more before the purge = 300 < 365: refused, nothing saved."""
    with pytest.raises(ApplicationError) as raised:
        retention_policy_update(actor=None, read_retention_days=200, archive_purge_days=100)
    assert raised.value.code == "below_legal_minimum"
    assert raised.value.message == BELOW_LEGAL_MINIMUM_PURGE.format(total=300, archive=200, purge=100, minimum=365,
                                                                    basis=BASIS)
    assert not RetentionPolicy.objects.exists()
    saved = retention_policy_update(actor=None, read_retention_days=200, archive_purge_days=165)
    assert saved.read_retention_days + saved.archive_purge_days == 365


@pytest.mark.parametrize(("field", "what"), [("non_hit_purge_days", "Purging reads that hit nothing after"),
                                             ("hit_retention_days", "Keeping hits")])
def test_an_early_purge_or_short_hit_period_is_refused(agency, field, what):
    """R-RET-5: the SB 274-style early purge at 60 days and hits kept 60 days are both below the minimum."""
    with pytest.raises(ApplicationError) as raised:
        retention_policy_update(actor=None, **{field: 60})
    assert raised.value.message == BELOW_LEGAL_MINIMUM.format(what=what, days=60, minimum=365, basis=BASIS)
    assert raised.value.extra["field"] == field and not RetentionPolicy.objects.exists()


def test_an_agency_can_be_stricter_five_years(agency, settings):
    """R-RET-5: RETENTION_LEGAL_MINIMUM_DAYS=1825 (Port Police, 000 462.4): the 2 + 1 years default is refused."""
    settings.PORTAL = {**settings.PORTAL, "RETENTION_LEGAL_MINIMUM_DAYS": 1825,
                       "RETENTION_LEGAL_MINIMUM_BASIS": "LAHD retention schedule"}
    with pytest.raises(ApplicationError) as raised:
        retention_policy_update(actor=None, read_retention_days=730, archive_purge_days=365, hit_retention_days=1825)
    assert "legal minimum retention is 1825 days (LAHD retention schedule)" in raised.value.message
    policy = retention_policy_update(actor=None, read_retention_days=1825, archive_purge_days=0,
                                     hit_retention_days=1825)
    assert policy.read_retention_days == 1825


def test_the_policy_page_shows_the_minimum_and_refuses_below_it_on_the_field(client, custodian, agency):
    """R-RET-5: the page says the minimum and puts the precise message on the field that breaks it."""
    client.force_login(custodian)
    page = client.get(reverse("retention:policy")).content.decode()
    assert "Legal minimum retention" in page and BASIS in page
    form = {"read_retention_days": 730, "archive_purge_days": 365, "non_hit_purge_days": 60,
            "hit_retention_days": 730, "hotlist_retention_days": 730, "access_log_retention_days": 730,
            "disclosure_record_retention_days": 730, "release_copy_retention_days": 730,
            "held_read_list_retention_days": 730, "evidence_export_retention_days": 365, "policy_reference": ""}
    response = client.post(reverse("retention:policy_edit"), form)
    assert response.status_code == 200 and not RetentionPolicy.objects.exists()
    assert BELOW_LEGAL_MINIMUM.format(what="Purging reads that hit nothing after", days=60, minimum=365,
                                      basis=BASIS) in response.content.decode()


def test_the_system_check_refuses_defaults_below_the_minimum(settings):
    """R-RET-5: a deployment whose environment sets a shorter default fails `manage.py check` (retention.E001)."""
    assert retention_defaults_respect_legal_minimum() == []
    settings.PORTAL = {**settings.PORTAL, "NON_HIT_READ_PURGE_DAYS": 60}
    errors = retention_defaults_respect_legal_minimum()
    assert [error.id for error in errors] == ["retention.E001"]
    assert "Purging reads that hit nothing after 60 days" in errors[0].msg
