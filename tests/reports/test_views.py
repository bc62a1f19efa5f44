"""Oversight pages and downloads (R-ACC-1, R-ACC-4, policy 004 §X): each body downloads its own rendition (anything
else is a 404), every download is logged; the public page needs no login and shows the public summary's figures."""

import html
import re
from datetime import date
from unittest import mock

import pytest
from django.urls import reverse

from apps.audit.choices import Purpose
from apps.audit.models import AccessLog, DomainEvent
from apps.reads.models import Read
from apps.reports.choices import Audience
from apps.reports.models import OversightReport, ReportRendition
from apps.reports.sections import section_get
from apps.reports.services.jobs import report_job_execute
from apps.reports.services.lifecycle import REPORT_ALREADY_ISSUED
from apps.reports.templatetags.reports import report_cell
from tests.reports.support import draft_and_render, issue_and_finalize, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(history):
    return issue_and_finalize(actor=history["custodian"], report=draft_and_render(actor=history["custodian"]))


def _download(client, user, report, audience):
    client.force_login(user)
    return client.get(reverse("reports:download", args=[report.pk, audience]))


def test_the_commission_gets_the_redacted_rendition_and_never_the_unredacted_one(client, issued, commissioner):
    assert _download(client, commissioner, issued, Audience.INSPECTOR_GENERAL).status_code == 404
    response = _download(client, commissioner, issued, Audience.OVERSIGHT_COMMISSION)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    rendition = issued.renditions.get(audience=Audience.OVERSIGHT_COMMISSION)
    assert response["X-Content-SHA256"] == rendition.sha256
    event = DomainEvent.objects.get(code="alprportal.reports.rendition.downloaded", actor=commissioner)
    assert event.data["audience"] == Audience.OVERSIGHT_COMMISSION


def test_the_inspector_general_gets_the_unredacted_rendition_and_it_is_logged(client, issued, inspector):
    response = _download(client, inspector, issued, Audience.INSPECTOR_GENERAL)
    assert response.status_code == 200
    log = AccessLog.objects.get(action="reports.rendition.download", user=inspector)
    assert log.case_number == issued.reference and log.data_elements["audience"] == Audience.INSPECTOR_GENERAL
    assert _download(client, inspector, issued, Audience.OVERSIGHT_COMMISSION).status_code == 404
    listing = client.get(reverse("reports:list")).content.decode()
    assert reverse("reports:download", args=[issued.pk, Audience.INSPECTOR_GENERAL]) in listing
    assert issued.renditions.get(audience=Audience.INSPECTOR_GENERAL).sha256 in client.get(
        reverse("reports:detail", args=[issued.pk])).content.decode()


def test_oversight_never_sees_drafts(client, history, inspector):
    draft = draft_and_render(actor=history["custodian"])
    client.force_login(inspector)
    assert client.get(reverse("reports:detail", args=[draft.pk])).status_code == 404
    assert _download(client, inspector, draft, Audience.INSPECTOR_GENERAL).status_code == 404
    assert draft.reference not in client.get(reverse("reports:list")).content.decode()


def test_other_roles_cannot_reach_reports(client, issued, investigator, supervisor):
    for person in (investigator, supervisor):
        assert _download(client, person, issued, Audience.PUBLIC).status_code == 403


def test_the_public_summary_downloads_without_login_and_nothing_else_does(client, issued):
    public = issued.renditions.get(audience=Audience.PUBLIC)
    response = client.get(reverse("transparency:summary", args=[public.pk]))
    assert response.status_code == 200 and response["X-Content-SHA256"] == public.sha256
    unredacted = issued.renditions.get(audience=Audience.INSPECTOR_GENERAL)
    assert client.get(reverse("transparency:summary", args=[unredacted.pk])).status_code == 404


def _page_rows(content: str, marker: str) -> dict[str, str]:
    block = content.split(marker, 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<th scope="row">(.*?)</th><td class="num">(.*?)</td>', block, flags=re.S)
    return {html.unescape(label): html.unescape(re.sub(r"<[^>]+>", "", value)).strip() for label, value in rows}


def test_the_public_page_shows_the_public_summary_figures(client, issued):
    response = client.get(reverse("transparency:index"))
    assert response.status_code == 200
    content = response.content.decode()
    public = ReportRendition.objects.get(report=issued, audience=Audience.PUBLIC)
    lines = [re.sub(r"\s+", "", line) for line in pdf_text(public, layout=True).splitlines()]
    # A label's line and the next (a long value wraps), without spaces: the value follows the label there.
    pairs = [current + following for current, following in zip(lines, [*lines[1:], ""], strict=True)]
    threshold = public.figures["meta"]["threshold"]
    checked = 0
    for section in public.figures["sections"]:
        if section["status"] != "recorded" or not section["summary"]:
            continue
        page = _page_rows(content, f'data-section="{section["key"]}"')
        for item in section["summary"]:
            shown = html.unescape(re.sub(r"<[^>]+>", "", str(report_cell(item["value"], item["type"], threshold))))
            assert page[item["label"]] == shown
            label, value = re.sub(r"\s+", "", item["label"])[:30], re.sub(r"\s+", "", shown)
            assert any(label in pair and value in pair.split(label, 1)[1] for pair in pairs), (label, value)
            checked += 1
    assert checked > 30
    for secret in ("Nguyen", "Martin", "CASE-26-"):
        assert secret not in content


def test_the_public_page_current_figures_come_from_the_sections_with_suppression(client, history):
    # The window is the last 30 days, today included (issue #15): on June 30 it is June 1 – June 30.
    with mock.patch("apps.reports.views.timezone.localdate", return_value=date(2026, 6, 30)):
        content = client.get(reverse("transparency:index")).content.decode()
    rows = _page_rows(content, 'id="current-figures"')
    june = (date(2026, 6, 1), date(2026, 6, 30))
    reads = Read.objects.filter(captured_at__date__range=june).count()
    queries = AccessLog.objects.filter(occurred_at__date__range=june, purpose__in=Purpose.values).count()

    def shown(count):
        return f"{count:,}" if count == 0 or count >= 5 else "< 5"

    assert reads >= 5 and queries > 0
    assert rows["Plate reads collected"] == shown(reads)
    assert rows["Searches and other queries of ALPR data"] == shown(queries)
    assert rows["Queries without an authorized purpose"] == "0"
    assert rows["Hot-list hits"] == "0"  # none in the test history
    assert rows["Retention period of plate reads"] == "730 days (2 years)"
    section = section_get("reads").collect(date(2026, 6, 1), date(2026, 6, 30))
    assert next(i["value"] for i in section["summary"] if i["key"] == "reads_total") == reads


def test_the_custodian_drafts_refreshes_and_issues_through_the_pages(client, custodian, inspector,
                                                                       django_capture_on_commit_callbacks):
    client.force_login(custodian)
    with mock.patch("apps.reports.services.lifecycle._enqueue") as enqueue:
        response = client.post(reverse("reports:draft"), {"period": "semiannual:2026-01-01"})
    report = OversightReport.objects.get(reference="SAR-2026-H1")
    assert response.status_code == 302 and enqueue.call_count == 1
    report_job_execute(job_id=report.jobs.get().pk)
    with mock.patch("apps.reports.services.lifecycle._enqueue"):
        client.post(reverse("reports:refresh", args=[report.pk]))
    report_job_execute(job_id=report.jobs.order_by("-id").first().pk)
    with mock.patch("apps.reports.services.lifecycle._enqueue"):
        client.post(reverse("reports:issue", args=[report.pk]), {"confirm": "on"})  # R-REP-1a: confirmed
    report.refresh_from_db()
    assert report.status == "issued"
    response = client.post(reverse("reports:refresh", args=[report.pk]), follow=True)
    assert REPORT_ALREADY_ISSUED in response.content.decode()
    client.force_login(inspector)
    assert client.post(reverse("reports:issue", args=[report.pk])).status_code == 403
