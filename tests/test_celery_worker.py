"""A task round trip through Redis and a real Celery worker (R-ACC-3's nightly dormant-account suspension)."""

from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.tasks import accounts_suspend_dormant


@pytest.mark.celery_worker
def test_nightly_suspension_runs_through_redis_and_a_worker(celery_worker, make_user):
    redis.Redis.from_url(settings.CELERY_BROKER_URL).ping()  # the broker is real
    dormant = make_user("operator")
    User.objects.filter(pk=dormant.pk).update(
        last_login=timezone.now() - timedelta(days=120), date_joined=timezone.now() - timedelta(days=300)
    )

    result = accounts_suspend_dormant.apply_async(queue=celery_worker)

    assert result.get(timeout=30) == [dormant.username]
    dormant.refresh_from_db()
    assert not dormant.is_active


def test_the_nightly_suspension_is_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["accounts-suspend-dormant"]
    assert entry["task"] == accounts_suspend_dormant.name
