"""Archiving by watermark (R-RET-1, R-RET-2, R-RET-3, issue #19): one row archives a night's reads; the reads a hold
keeps stay visible until it ends; the purge counts its period from the night the watermark passed a read; and every
place that hides archived reads goes through ``apps.reads.archive`` (found by reading the sources, not listed)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from django.conf import settings as django_settings
from django.utils import timezone

from apps.holds.choices import HoldGround, ScopeKind
from apps.holds.services.lifecycle import hold_release
from apps.holds.services.request import hold_request
from apps.reads.archive import archive_watermark, read_unarchived_q
from apps.reads.models import Read, ReadArchiveExemption, ReadArchiveWatermark
from apps.reads.selectors import read_list_visible_to, read_search, read_search_build
from tests.holds.helpers import approve_and_verify, archived_pks, make_read

ROOT = Path(django_settings.BASE_DIR)
# Where archiving itself is done (the one predicate, the nightly steps that set the flag or advance the watermark) and
# where reads are generated already flagged (the demo and the benchmarks).
OWNERS = {"apps/reads/archive.py", "apps/reads/retention.py", "apps/ops/demo/reads.py",
          "apps/ops/management/commands/bench_retention.py"}
# A filter on the flag alone: it would show reads the watermark has archived (R-RET-1).
FLAG_FILTER = re.compile(r"archived_at__isnull|archived_at\s+IS\s+(NOT\s+)?NULL|archived_at__(lt|gt|lte|gte)\b",
                         re.IGNORECASE)
TEMPLATE_FLAG = re.compile(r"\barchived_at\b")
# A partial index's condition (``models.Index(..., condition=...)``) says which rows an index holds, not which reads a
# screen shows: read_flagged_archived, the purge's index of reads flagged one by one (R-RET-2).
INDEX_CONDITION = re.compile(r"^\s*condition=models\.Q\(")


def _search(user, plate):
    now = timezone.now()
    search = read_search_build(plate=plate, start=now - timedelta(days=1000), end=now)
    return read_search(user=user, search=search, purpose="investigative_leads", case_number="24-1")


def test_no_code_outside_the_archive_module_filters_on_the_flag_alone():
    """Every Python file of the portal (migrations aside) and every template, discovered by walking the tree: the
    archived flag is read only through ``apps.reads.archive`` (and ``Read.archived_on``), so a new screen cannot show
    reads the watermark archived by filtering on ``archived_at`` as screens did before the watermark."""
    offenders = []
    files = [p for p in (ROOT / "apps").rglob("*.py") if "migrations" not in p.parts]
    assert len(files) > 200
    for path in files:
        relative = path.relative_to(ROOT).as_posix()
        if relative in OWNERS:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if FLAG_FILTER.search(line) and not INDEX_CONDITION.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    templates = list((ROOT / "templates").rglob("*.html"))
    assert len(templates) > 50
    for path in templates:
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if TEMPLATE_FLAG.search(line):
                offenders.append(f"{path.relative_to(ROOT).as_posix()}:{number}: use read.archived_on")
    assert not offenders, "Archived reads must be hidden through apps.reads.archive:\n" + "\n".join(offenders)


def test_one_row_archives_the_night_and_no_read_is_written(camera, detective, sysadmin, run_retention, policy):
    policy(read_retention_days=730, archive_purge_days=365)
    old = [make_read(camera, plate=f"7OLD{n:03d}", days_ago=731 + n / 10) for n in range(5)]
    young = make_read(camera, plate="7NEW001", days_ago=700)
    rows_before = {r.pk: Read.objects.filter(pk=r.pk).values().get() for r in old}
    run = run_retention()
    assert run.counts["reads.archive"]["archived"] == 5
    assert ReadArchiveWatermark.objects.count() == 1
    assert archive_watermark() == run.as_of - timedelta(days=730)
    # The reads' rows are as they were (originals untouched, R-READ-2; no flag written): the watermark archives them.
    assert {r.pk: Read.objects.filter(pk=r.pk).values().get() for r in old} == rows_before
    assert archived_pks(old) == {r.pk for r in old} and not archived_pks([young])
    assert _search(detective, "7OLD001").total == 0 and _search(detective, "7NEW001").total == 1
    assert not read_list_visible_to(user=detective).filter(pk=old[0].pk).exists()
    page = _search(sysadmin, "7OLD001")
    assert page.total == 1 and page.reads[0].archived_on == run.as_of  # the administrator sees when


def test_a_held_read_the_watermark_passes_stays_visible_until_its_hold_ends(
        camera, detective, boss, custodian, run_retention, policy):
    policy(read_retention_days=730, archive_purge_days=365)
    held = make_read(camera, plate="7HELD01", days_ago=800)
    hold = approve_and_verify(boss=boss, hold=hold_request(
        actor=detective, case_number="24-000777", reason="Evidence.", ground=HoldGround.EVIDENCE, contact="x",
        scope_kind=ScopeKind.READS, read_ids=[held.pk]))
    first = run_retention()
    assert first.counts["reads.archive"]["held_exempted"] == 1 and first.counts["reads.archive"]["held_kept"] == 1
    assert ReadArchiveExemption.objects.filter(read_id=held.pk).exists()
    assert _search(detective, "7HELD01").total == 1  # the raw search statement's exemption (R-RET-3)
    assert read_list_visible_to(user=detective).filter(pk=held.pk).exists()  # and the ORM's
    assert Read.objects.get(pk=held.pk).archived_on is None

    hold_release(actor=custodian, hold=hold, reason="Case closed.")
    assert _search(detective, "7HELD01").total == 1  # nothing happens at release
    second = run_retention()
    assert second.counts["reads.archive"]["released_from_holds"] == 1
    assert not ReadArchiveExemption.objects.exists()
    assert _search(detective, "7HELD01").total == 0
    assert Read.objects.get(pk=held.pk).archived_on == second.as_of  # flagged by the run after the release


def test_a_longer_period_later_does_not_bring_archived_reads_back(camera, detective, run_retention, policy):
    policy(read_retention_days=730, archive_purge_days=365)
    read = make_read(camera, plate="7BACK01", days_ago=740)
    run_retention()
    policy(read_retention_days=1825, archive_purge_days=365)  # 5 years now
    again = run_retention()
    assert again.counts["reads.archive"]["archived"] == 0
    assert ReadArchiveWatermark.objects.count() == 1  # the watermark never goes back
    assert archived_pks([read]) == {read.pk} and _search(detective, "7BACK01").total == 0


def test_a_late_read_captured_before_the_watermark_is_archived_on_arrival(camera, detective, run_retention, policy):
    """A read that arrives after the night that passed its capture time (a camera's backlog) is past its period:
    hidden at once, not for a day until the next run, and it matches no hot list."""
    policy(read_retention_days=730, archive_purge_days=365)
    run_retention()
    late = make_read(camera, plate="7LATE01", days_ago=760)
    assert archived_pks([late]) == {late.pk} and _search(detective, "7LATE01").total == 0
    from apps.hotlists.services.hit_matching import _reads_load

    assert _reads_load([late.pk]) == []


def test_the_purge_counts_its_period_from_the_night_the_watermark_passed_the_read(camera, run_retention, policy):
    """R-RET-2: a read the watermark passed is purged ``archive_purge_days`` after that night, not after capture."""
    from apps.retention.services import retention_run_create, retention_run_execute

    policy(read_retention_days=730, archive_purge_days=30)
    read = make_read(camera, plate="7PURGE1", days_ago=731)
    archived_night = run_retention()
    assert archived_pks([read]) == {read.pk}
    soon = retention_run_create()
    type(soon).objects.filter(pk=soon.pk).update(as_of=archived_night.as_of + timedelta(days=29))
    retention_run_execute(run_id=soon.pk)
    assert Read.objects.filter(pk=read.pk).exists()  # archived 29 days ago: kept
    later = retention_run_create()
    type(later).objects.filter(pk=later.pk).update(as_of=archived_night.as_of + timedelta(days=31))
    run = retention_run_execute(run_id=later.pk)
    assert run.counts["reads.purge"]["purged"] == 1 and not Read.objects.filter(pk=read.pk).exists()


def test_the_orm_condition_matches_the_sql_condition(camera, detective, boss, run_retention, policy):
    """The two spellings of "not archived" agree read by read (flagged, passed, exempted, young)."""
    from django.db import connection

    from apps.reads.archive import read_unarchived_sql

    policy(read_retention_days=730, archive_purge_days=365)
    flagged = make_read(camera, days_ago=10, archived_days_ago=1)
    passed, young = make_read(camera, days_ago=800), make_read(camera, days_ago=5)
    held = make_read(camera, days_ago=790)
    approve_and_verify(boss=boss, hold=hold_request(
        actor=detective, case_number="24-000778", reason="Evidence.", ground=HoldGround.EVIDENCE, contact="x",
        scope_kind=ScopeKind.READS, read_ids=[held.pk]))
    run_retention()
    pks = [r.pk for r in (flagged, passed, young, held)]
    marks = ", ".join(["%s"] * len(pks))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT r.id FROM reads_read r WHERE {read_unarchived_sql('r')} AND r.id IN ({marks})",  # noqa: S608
                       pks)
        by_sql = {row[0] for row in cursor.fetchall()}
    by_orm = set(Read.objects.filter(read_unarchived_q(), pk__in=pks).values_list("pk", flat=True))
    assert by_sql == by_orm == {young.pk, held.pk}
    assert {pk: Read.objects.get(pk=pk).archived_on is None for pk in pks} == {
        flagged.pk: False, passed.pk: False, young.pk: True, held.pk: True}


def test_a_run_with_a_clock_years_ahead_does_not_hide_todays_reads(camera, detective, run_retention, policy):
    """A misset host clock (five years ahead) runs the nightly job: its watermark row waits for its own moment by the
    database's clock, so today's reads — and those arriving afterwards — stay visible; the sane runs that follow
    archive as before."""
    from apps.retention.services import retention_run_create, retention_run_execute

    policy(read_retention_days=730, archive_purge_days=365)
    today, old = make_read(camera, plate="7TODAY1", days_ago=1), make_read(camera, plate="7OLD999", days_ago=800)
    ahead = retention_run_create()
    type(ahead).objects.filter(pk=ahead.pk).update(as_of=timezone.now() + timedelta(days=5 * 365))
    retention_run_execute(run_id=ahead.pk)
    assert ReadArchiveWatermark.objects.count() == 1  # written, not in force
    assert archive_watermark() is None
    later = make_read(camera, plate="7LATER1", days_ago=0.5)
    assert not archived_pks([today, old, later])
    assert _search(detective, "7TODAY1").total == 1 and _search(detective, "7LATER1").total == 1
    sane = run_retention()
    assert archived_pks([today, old, later]) == {old.pk}
    assert archive_watermark() == sane.as_of - timedelta(days=730)
