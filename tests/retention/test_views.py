"""Retention pages: the policy (and its edit by the custodian), runs, run now; the custodian's home section."""

from __future__ import annotations

from django.urls import reverse

from apps.accounts.roles import Role
from apps.audit.models import DomainEvent
from apps.retention.models import RetentionPolicy, RetentionRun
from apps.retention.selectors import retention_policy_current


def test_the_policy_page_shows_the_defaults_then_the_saved_policy(client, make_user, agency):
    client.force_login(make_user(Role.INVESTIGATOR))
    page = client.get(reverse("retention:policy")).content.decode()
    assert "2 years (730 days)" in page and "has not saved its own policy" in page
    assert retention_policy_current().saved is False


def test_the_custodian_changes_the_policy_within_the_minimums(client, custodian, agency):
    client.force_login(custodian)
    form = {"read_retention_days": 365, "archive_purge_days": 30, "non_hit_purge_days": "", "hit_retention_days": 365,
            "hotlist_retention_days": 365, "access_log_retention_days": 700, "disclosure_record_retention_days": 730,
            "release_copy_retention_days": 730, "held_read_list_retention_days": 730,
            "evidence_export_retention_days": 365,
            "policy_reference": "Policy 471.5"}
    response = client.post(reverse("retention:policy_edit"), form)
    assert response.status_code == 200 and not RetentionPolicy.objects.exists()
    response = client.post(reverse("retention:policy_edit"), {**form, "access_log_retention_days": 730})
    assert response.status_code == 302
    policy = retention_policy_current()
    assert policy.saved and policy.read_retention_days == 365 and policy.non_hit_purge_days is None
    event = DomainEvent.objects.get(code="alprportal.retention.policy.changed")
    assert event.actor == custodian and event.data["changed"]["read_retention_days"] == {"old": 730, "new": 365}


def test_runs_pages_and_run_now(client, custodian, make_user, django_capture_on_commit_callbacks):
    client.force_login(make_user(Role.SUPERVISOR))
    assert client.post(reverse("retention:run_start")).status_code == 403
    client.force_login(custodian)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(reverse("retention:run_start"))
    run = RetentionRun.objects.get()
    assert response.status_code == 302 and run.trigger == "manual" and len(queued) == 1
    assert client.get(reverse("retention:run", args=[run.pk])).status_code == 200
    assert client.get(reverse("retention:run", args=[run.pk + 1])).status_code == 404
    response = client.post(reverse("retention:run_start"), follow=True)
    assert "already in progress" in response.content.decode()
    home = client.get(reverse("home")).content.decode()
    assert "retention runs" in home and f"#{run.pk}" in home
