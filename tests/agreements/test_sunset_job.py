"""The daily sunset job (R-SHR-2): warnings 60, 30 and 7 days ahead (once each), renewal due, expiry on the
sunset day — and an expired agreement stops all sharing under it at once."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from apps.agreements.choices import AgreementStatus
from apps.agreements.services.sunset import agreement_sunset_sweep
from apps.agreements.tasks import agreements_sunset_daily
from apps.disclosures.services.decisions import NOT_ELIGIBLE_APPROVE, disclosure_request_approve
from apps.notifications.models import Notification
from tests.agreements.helpers import active_agreement

pytestmark = pytest.mark.django_db


@pytest.fixture
def ending(sysadmin, partner_agency):
    """An agreement whose sunset is 90 days from today."""
    return active_agreement(actor=sysadmin, agency=partner_agency, start=timezone.localdate() - timedelta(days=275))


def _titles(user):
    return list(Notification.objects.filter(recipient=user).order_by("id").values_list("title", flat=True))


def test_warnings_at_60_30_and_7_days_then_expiry(custodian, ending, django_capture_on_commit_callbacks):
    sunset = ending.sunset_date
    assert agreement_sunset_sweep(today=sunset - timedelta(days=61)) == {"expired": 0, "renewal_due": 0, "warned": 0}

    assert agreement_sunset_sweep(today=sunset - timedelta(days=60))["warned"] == 1
    ending.refresh_from_db()
    assert ending.status == AgreementStatus.RENEWAL_DUE  # the renewal review is now due
    assert agreement_sunset_sweep(today=sunset - timedelta(days=45))["warned"] == 0  # once per threshold
    assert agreement_sunset_sweep(today=sunset - timedelta(days=30))["warned"] == 1
    assert agreement_sunset_sweep(today=sunset - timedelta(days=7))["warned"] == 1
    assert agreement_sunset_sweep(today=sunset - timedelta(days=1))["warned"] == 0
    assert _titles(custodian) == [f"Agreement with {ending.partner_agency} ends in {d} days" for d in (60, 30, 7)]

    with django_capture_on_commit_callbacks(execute=True):
        assert agreement_sunset_sweep(today=sunset)["expired"] == 1
    ending.refresh_from_db()
    assert ending.status == AgreementStatus.EXPIRED
    assert _titles(custodian)[-1] == f"Agreement with {ending.partner_agency} expired"
    assert agreement_sunset_sweep(today=sunset + timedelta(days=1)) == {"expired": 0, "renewal_due": 0, "warned": 0}


def test_a_missed_day_sends_only_the_tightest_warning(custodian, ending):
    agreement_sunset_sweep(today=ending.sunset_date - timedelta(days=20))
    assert _titles(custodian) == [f"Agreement with {ending.partner_agency} ends in 20 days"]


def test_the_job_is_a_task_on_the_beat_schedule(custodian, sysadmin, partner_agency):
    agreement = active_agreement(actor=sysadmin, agency=partner_agency,
                                 start=timezone.localdate() - timedelta(days=365))
    assert agreements_sunset_daily.apply().get() == {"expired": 1, "renewal_due": 0, "warned": 0}
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.EXPIRED
    entry = settings.CELERY_BEAT_SCHEDULE["agreements-sunset-daily"]
    assert entry["task"] == agreements_sunset_daily.name


def test_expiry_stops_all_sharing_under_the_agreement_at_once(custodian, partner, partner_agency, ending, submit):
    """A request filed under an agreement cannot be approved once the agreement has expired (R-SHR-2), and
    nothing changes when it is refused."""
    request = submit(partner)
    assert request.agreement == ending
    agreement_sunset_sweep(today=ending.sunset_date)
    with pytest.raises(Exception) as caught:
        disclosure_request_approve(actor=custodian, disclosure_request=request, statement="I authorize.",
                                   signer_name="Carmen Ortiz", signer_title="Custodian of Records")
    assert caught.value.code == "not_eligible"
    assert caught.value.message.startswith(NOT_ELIGIBLE_APPROVE.format(reasons="")[:30])
    assert "reached its sunset" in caught.value.message
    request.refresh_from_db()
    assert request.status == "submitted" and not hasattr(request, "authorization")
