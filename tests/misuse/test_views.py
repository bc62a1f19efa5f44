"""R-AUD-3: flags go to the flagged person's supervisor — their team's flags only, 404 otherwise, never to the person
— who finds them on the home page, reviews one (a logged access: it shows plates, R-AUD-1) and records a finding; a
flag found not justified becomes a violation report (R-AUD-4) and is counted in the oversight report and, counts
only with small counts suppressed, on the public page."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AccessLog
from apps.audits.choices import ViolationKind, ViolationStatus
from apps.audits.models import ViolationReport
from apps.misuse.choices import FlagKind, FlagStatus
from apps.misuse.models import MisuseFlag
from apps.misuse.services import RECIPIENT_REQUIRED, misuse_flag_resolve
from apps.notifications.models import Notification
from apps.reports.sections import section_get
from tests.conftest import state_access_context
from tests.misuse.support import day_of, log, moment, review

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged(ivy, sergeant, other_team, django_capture_on_commit_callbacks):
    """ivy (sergeant's team) stalks one plate under three case numbers; det.other (lieutenant's team) likewise."""
    for index in range(3):
        log(ivy, moment(day_of(10 + index)), plate="7STALK1", case_number=f"CASE-{100 + index}")
        log(other_team, moment(day_of(10 + index)), plate="8OTHER2", case_number=f"CASE-{200 + index}")
    with django_capture_on_commit_callbacks(execute=True):
        review()
    return {"ivy": MisuseFlag.objects.get(subject=ivy), "other": MisuseFlag.objects.get(subject=other_team)}


def test_the_supervisor_sees_their_teams_flags_only(client, flagged, sergeant, lieutenant):
    # R-AUD-3: the sergeant sees ivy's flag, not the other team's (404); the lieutenant the reverse.
    client.force_login(sergeant)
    listing = client.get(reverse("misuse:list")).content.decode()
    assert flagged["ivy"].reference in listing and flagged["other"].reference not in listing
    assert client.get(reverse("misuse:detail", args=[flagged["other"].pk])).status_code == 404
    assert client.get(reverse("misuse:detail", args=[flagged["ivy"].pk])).status_code == 200
    client.force_login(lieutenant)
    assert client.get(reverse("misuse:detail", args=[flagged["ivy"].pk])).status_code == 404
    assert client.get(reverse("misuse:detail", args=[flagged["other"].pk])).status_code == 200
    # The nightly run told each supervisor about their own team's flags.
    assert Notification.objects.filter(recipient=sergeant, link=reverse("misuse:list")).count() == 1


def test_the_flagged_person_never_sees_the_flag(client, flagged, ivy, sergeant, lieutenant, make_user, agency):
    # R-AUD-3: not the investigator flagged (no page at all), and not a supervisor who is flagged themselves.
    client.force_login(ivy)
    assert client.get(reverse("misuse:list")).status_code == 403
    assert client.get(reverse("misuse:detail", args=[flagged["ivy"].pk])).status_code == 404
    assert "7STALK1" not in client.get(reverse("home")).content.decode()
    assert not Notification.objects.filter(recipient=ivy).exists()
    for index in range(3):  # the sergeant, a reviewer, is flagged in turn: the lieutenant sees it, the sergeant not
        log(sergeant, moment(day_of(20 + index)), plate="5SGT001", case_number=f"CASE-{300 + index}")
    review()
    own = MisuseFlag.objects.get(subject=sergeant)
    client.force_login(sergeant)
    assert client.get(reverse("misuse:detail", args=[own.pk])).status_code == 404
    assert own.reference not in client.get(reverse("misuse:list")).content.decode()
    client.force_login(lieutenant)
    assert client.get(reverse("misuse:detail", args=[own.pk])).status_code == 200


def test_the_supervisor_finds_flags_on_the_home_page_and_reviewing_one_is_logged(client, flagged, sergeant):
    # R-AUD-3 (found on the home page); R-AUD-1: the flag's page shows the rows' plates, so viewing it is logged.
    client.force_login(sergeant)
    home = client.get(reverse("home")).content.decode()
    assert "Misuse flags on your team" in home and reverse("misuse:detail", args=[flagged["ivy"].pk]) in home
    before = AccessLog.objects.count()
    page = client.get(reverse("misuse:detail", args=[flagged["ivy"].pk])).content.decode()
    assert "7STALK1" in page and "CASE-101" in page
    row = AccessLog.objects.order_by("-seq").first()
    assert AccessLog.objects.count() == before + 1
    assert (row.user, row.action, row.purpose, row.case_number) == (
        sergeant, "misuse.flag.review", "oversight_audit", f"misuse-review-{flagged['ivy'].reference}")


def test_a_flag_found_not_justified_becomes_a_violation_counted_in_the_oversight_report(
        client, flagged, sergeant, lieutenant):
    # R-AUD-3: the finding is recorded; R-AUD-4: not justified → a confirmed-violation report to a sergeant or higher,
    # counted in the oversight report; the public page shows counts only, small ones suppressed.
    client.force_login(sergeant)
    state_access_context(client)
    url = reverse("misuse:detail", args=[flagged["ivy"].pk])
    refused = client.post(url, {"finding": FlagStatus.NOT_JUSTIFIED, "note": "No link to any of the three cases.",
                                "report_to": ""})
    assert RECIPIENT_REQUIRED in refused.content.decode()
    response = client.post(url, {"finding": FlagStatus.NOT_JUSTIFIED, "note": "No link to any of the three cases.",
                                 "report_to": lieutenant.pk})
    assert response.status_code == 302
    flag = MisuseFlag.objects.get(pk=flagged["ivy"].pk)
    assert (flag.status, flag.resolved_by, flag.finding) == (FlagStatus.NOT_JUSTIFIED, sergeant,
                                                              "No link to any of the three cases.")
    report = ViolationReport.objects.get()
    assert (report.kind, report.supervisor, report.reported_by, report.status) == (
        ViolationKind.CONFIRMED_VIOLATION, lieutenant, sergeant, ViolationStatus.SUBMITTED)
    assert flag.violation_report == report and flag.reference in report.description
    assert "7STALK1" not in report.description  # plates stay on the flag page, whose viewing is logged
    with pytest.raises(Exception):  # noqa: B017 - resolved once
        misuse_flag_resolve(actor=sergeant, flag=flag, finding=FlagStatus.JUSTIFIED, note="again")

    # The other team's flag, found justified by its own supervisor.
    misuse_flag_resolve(actor=lieutenant, flag=flagged["other"], finding=FlagStatus.JUSTIFIED,
                        note="Three related burglaries; the plate is the suspect's.")
    today = timezone.localdate()
    start = date(today.year, 1 if today.month <= 6 else 7, 1)
    figures = section_get("misuse").collect(start, today)
    summary = {item["key"]: item["value"] for item in figures["summary"]}
    assert summary == {"flags_raised": 2, "flags_resolved": 2, "flags_justified": 1, "flags_not_justified": 1,
                       "flags_open_end": 0}
    by_kind = {row[0]: row[1] for row in figures["tables"][0]["rows"]}
    assert by_kind[FlagKind.PLATE_MANY_CASES.label] == 2
    accountability = {item["key"]: item["value"] for item in section_get("accountability").collect(start,
                                                                                                    today)["summary"]}
    assert accountability["violations_received"] == 1

    from django.core.cache import cache

    cache.clear()
    public = client.get(reverse("transparency:index")).content.decode()
    block = public[public.index('id="current-figures"'):]
    cells = dict(re.findall(r'<th scope="row">(.*?)</th><td class="num">(.*?)</td>', block, flags=re.S))
    shown = html.unescape(re.sub(r"<[^>]+>", "", cells["Misuse flags found not justified (reported as violations)"]))
    assert shown.strip() == "< 5"
    assert "7STALK1" not in public and "det.ivy" not in public


def test_the_on_demand_run_is_for_reviewers(client, ivy, sergeant, django_capture_on_commit_callbacks):
    # R-AUD-3: the nightly job can be run now by a supervisor (sent to the worker; run in-process here); not by the
    # people it reviews.
    from unittest import mock

    from apps.misuse.models import MisuseRun
    from apps.misuse.tasks import misuse_review_run as task
    from apps.misuse.views import REVIEW_STARTED

    log(ivy, timezone.now() - timedelta(days=1), case_number="n/a")
    client.force_login(ivy)
    assert client.post(reverse("misuse:run")).status_code == 403
    client.force_login(sergeant)
    state_access_context(client)
    with (mock.patch.object(task, "delay", side_effect=lambda **kwargs: task.run(**kwargs)),
          django_capture_on_commit_callbacks(execute=True)):
        response = client.post(reverse("misuse:run"), follow=True)
    assert REVIEW_STARTED in response.content.decode()
    run = MisuseRun.objects.get()
    assert (run.triggered_by, run.rows_scanned, run.flags_created) == (sergeant, 1, 1)
    assert MisuseFlag.objects.get().kind == FlagKind.VAGUE_TEXT


def test_flags_of_people_without_a_supervisor_go_to_the_custodian(client, make_user, agency, custodian, sergeant):
    # R-AUD-3: nobody's flags go unread — without a supervisor, the custodian reviews them; a supervisor does not.
    from apps.accounts.roles import Role

    loner = make_user(Role.INVESTIGATOR, agency=agency, username="det.loner")
    for index in range(3):
        log(loner, moment(day_of(5 + index)), plate="4LONE01", case_number=f"CASE-{400 + index}")
    review()
    flag = MisuseFlag.objects.get(subject=loner)
    client.force_login(custodian)
    assert client.get(reverse("misuse:detail", args=[flag.pk])).status_code == 200
    client.force_login(sergeant)
    assert client.get(reverse("misuse:detail", args=[flag.pk])).status_code == 404
