"""Supervisors (policy 002, R-AUD-3): the usage report per officer and shift matches the data; spot checks pick from
the team's queries; units reported out of service and stale partner lists alert the right people; a back-search is
an audited query (R-READ-3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.models import AccessLog
from apps.audit.services import access_log_record
from apps.hotlists.choices import HotListSource
from apps.hotlists.models import Hit, HotList, HotListEntry
from apps.hotlists.selectors import spot_check_queries, usage_report
from apps.hotlists.services.alerts import hot_lists_alert_stale
from apps.hotlists.services.hits import hit_confirm
from apps.notifications.models import Notification
from apps.reads.choices import CameraKind
from apps.reads.services.cameras import camera_create, camera_report_status, units_out_of_service_notify
from tests.conftest import state_access_context
from tests.hotlists.conftest import csv_of, soon

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(make_user, agency):
    boss = make_user(Role.SUPERVISOR, agency=agency, username="sgt")
    busy = make_user(Role.OPERATOR, agency=agency, supervisor=boss, username="busy")
    idle = make_user(Role.OPERATOR, agency=agency, supervisor=boss, username="idle")
    make_user(Role.OPERATOR, agency=agency, username="someone-elses")
    return boss, busy, idle


def test_usage_report_counts_match_the_data(team, agency, make_list, ingest):
    from axes.models import AccessLog as LoginLog

    boss, busy, idle = team
    now = timezone.now()
    start, end = now - timedelta(hours=4), now + timedelta(hours=4)
    unit = camera_create(actor=None, name="Unit 12", kind=CameraKind.MOBILE, agency=agency, assigned_officer=busy,
                         commissioned_at=now - timedelta(days=30))
    idle_unit = camera_create(actor=None, name="Unit 14", kind=CameraKind.MOBILE, agency=agency,
                              assigned_officer=idle, commissioned_at=now - timedelta(days=30))
    make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},x"))
    ingest([("7ABC123", 60), ("8XYZ789", 50), ("6TRJ244", 40), ("7ABC123", 5 * 60)], on=unit)
    hit_confirm(actor=busy, hit=Hit.objects.filter(captured_at__gte=start).get(), method="dispatch",
                result="still_wanted", reference="D-12")
    login = LoginLog.objects.create(username="busy", ip_address="10.0.0.5", user_agent="t", path_info="/")
    LoginLog.objects.filter(pk=login.pk).update(attempt_time=now - timedelta(hours=3))
    for case in ("26-1", "26-2", "26-3"):
        access_log_record(user=busy, action="reads.search", data_elements={"plate": "7ABC123"},
                          purpose="investigative_leads", case_number=case, result_count=1)
    access_log_record(user=busy, action="hotlists.hits.view", data_elements={"hits": [1]},
                      purpose="investigative_leads", case_number="26-1", result_count=1)  # a hit shown: not a query
    camera_report_status(actor=boss, camera=idle_unit, status="out_of_service", reason="Cracked lens",
                         effective_at=now - timedelta(hours=5))

    rows = {row.officer.username: row for row in usage_report(user=boss, start=start, end=end)}
    assert set(rows) == {"busy", "idle"}
    busy_row, idle_row = rows["busy"], rows["idle"]
    assert (busy_row.logged_on, busy_row.reads, busy_row.hits, busy_row.hits_confirmed_by_officer,
            busy_row.queries, busy_row.unit_active) == (True, 3, 1, 1, 3, True)
    assert [u.name for u in busy_row.units] == ["Unit 12"] and busy_row.units_out_of_service == []
    assert (idle_row.logged_on, idle_row.reads, idle_row.hits, idle_row.queries, idle_row.unit_active) == (
        False, 0, 0, 0, False)
    assert [u.name for u in idle_row.units_out_of_service] == ["Unit 14"]


def test_usage_page_is_for_supervisors_and_shows_their_team(client, team):
    boss, busy, idle = team
    client.force_login(boss)
    page = client.get(reverse("hotlists:usage"), {"shift": "all"}).content.decode()
    assert 'data-officer="busy"' in page and 'data-officer="idle"' in page and "someone-elses" not in page
    client.force_login(busy)
    assert client.get(reverse("hotlists:usage")).status_code == 403


def test_spot_checks_pick_from_the_teams_queries_only(team, make_user):
    boss, busy, idle = team
    stranger = make_user(Role.INVESTIGATOR)
    for n in range(8):
        access_log_record(user=busy if n % 2 else idle, action="reads.search", data_elements={"n": n},
                          purpose="investigative_leads", case_number=f"26-{n}", result_count=n)
    access_log_record(user=stranger, action="reads.search", data_elements={}, purpose="investigative_leads",
                      case_number="X-1", result_count=0)
    access_log_record(user=busy, action="hotlists.hits.view", data_elements={}, purpose="investigative_leads",
                      case_number="H-1", result_count=1)
    picked = spot_check_queries(user=boss, count=5, seed=7)
    assert len(picked) == 5 and {q.user.username for q in picked} <= {"busy", "idle"}
    assert all(q.action == "reads.search" for q in picked)
    assert len({q.pk for q in picked}) == 5


def test_units_reported_out_of_service_alert_supervisors_once(team, agency):
    boss, busy, idle = team
    unit = camera_create(actor=None, name="Unit 12", kind=CameraKind.MOBILE, agency=agency, assigned_officer=busy,
                         commissioned_at=timezone.now() - timedelta(days=30))
    report = camera_report_status(actor=busy, camera=unit, status="out_of_service", reason="Camera hanging loose")
    assert units_out_of_service_notify() >= 1
    alert = Notification.objects.get(recipient=boss)
    assert alert.title == "Unit 12 reported out of service" and alert.dedupe_key == f"unit-out-of-service:{report.pk}"
    assert "Camera hanging loose" in alert.body
    assert units_out_of_service_notify() == 0


def test_a_stale_partner_list_alerts_its_owner_once_per_stale_period(make_list, make_user, list_manager):
    owner = make_user(Role.SYSADMIN, username="svs-owner")
    doj = make_list(csv_of(f"6TRJ244,CA,stolen vehicle,2,SVS-1,{soon()},x"), source=HotListSource.CA_DOJ,
                    owner=owner)
    assert hot_lists_alert_stale() == 0
    HotList.objects.filter(pk=doj.pk).update(last_refreshed_at=timezone.now() - timedelta(hours=25))
    assert hot_lists_alert_stale() == 1
    assert hot_lists_alert_stale() == 0
    alert = Notification.objects.get(recipient=owner)
    assert alert.severity == "critical" and "stale" in alert.title and alert.link == reverse("hotlists:detail",
                                                                                             args=[doj.pk])


def test_the_stale_alert_task_runs_on_a_real_worker(celery_worker, make_list, make_user):
    from apps.hotlists.tasks import hot_lists_alert_stale as task

    owner = make_user(Role.SYSADMIN, username="feed-owner")
    doj = make_list(csv_of(f"6TRJ244,CA,stolen vehicle,2,SVS-1,{soon()},x"), source=HotListSource.CA_DOJ,
                    owner=owner)
    HotList.objects.filter(pk=doj.pk).update(last_refreshed_at=timezone.now() - timedelta(hours=30))
    assert task.apply_async(queue=celery_worker).get(timeout=30) == 1
    assert Notification.objects.filter(recipient=owner).count() == 1


def test_stale_lists_show_as_stale_on_the_pages(client, make_list, operator):
    doj = make_list(csv_of(f"6TRJ244,CA,stolen vehicle,2,SVS-1,{soon()},x"), source=HotListSource.CA_DOJ,
                    name="CA DOJ SVS")
    HotList.objects.filter(pk=doj.pk).update(last_refreshed_at=timezone.now() - timedelta(hours=30))
    client.force_login(operator)
    state_access_context(client)
    for url in (reverse("hotlists:list"), reverse("hotlists:detail", args=[doj.pk]), reverse("hotlists:hits"),
                reverse("home")):
        page = client.get(url).content.decode()
        assert "STALE" in page or "stale" in page, url


def test_back_search_is_an_audited_query(client, make_list, ingest, investigator):
    hot_list = make_list(csv_of(f"7AB?12*,,felony_vehicle,1,26-2,{soon()},x"))
    ingest([("7ABC123", 60 * 24), ("7ABD12", 60 * 48), ("8XYZ789", 60)])
    entry = HotListEntry.objects.get(hot_list=hot_list)
    client.force_login(investigator)
    url = reverse("hotlists:entry_backsearch", args=[hot_list.pk, entry.pk])
    page = client.get(url, {"days": 30, "purpose": "investigative_leads", "case_number": "26-2"}).content.decode()
    log = AccessLog.objects.get(action="reads.search")
    assert (log.user, log.purpose, log.case_number, log.result_count) == (investigator, "investigative_leads",
                                                                          "26-2", 2)
    assert log.data_elements["plate_pattern"] == "7AB?12*" and log.endpoint == "hotlists:entry_backsearch"
    assert "7ABC123" in page and "7ABD12" in page and "8XYZ789" not in page

    client.get(url, {"days": 30, "purpose": "", "case_number": ""})
    assert AccessLog.objects.filter(action="reads.search").count() == 1, "no purpose: nothing runs"


def test_adding_an_entry_with_a_back_search_goes_to_the_logged_search(client, make_list, investigator):
    hot_list = make_list(default_entry_days=30)
    client.force_login(investigator)
    response = client.post(reverse("hotlists:entry_add", args=[hot_list.pk]), {
        "plate": "7AB?12*", "reason": "felony_vehicle", "priority": 1, "justification": "Robbery suspect",
        "back_search_days": 14, "purpose": "investigative_leads", "search_case_number": "26-2"})
    entry = HotListEntry.objects.get(hot_list=hot_list)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("hotlists:entry_backsearch", args=[hot_list.pk, entry.pk]))
    client.get(response["Location"])
    assert AccessLog.objects.get().case_number == "26-2"
