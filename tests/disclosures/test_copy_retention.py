"""Released reads and release package files are copies of read data with their own retention period (R-RET-6):
the nightly run, with its clock two years ahead, purges them through the one path the append-only trigger allows;
the request, its authorization and the package's manifest stay (R-SHR-7)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.utils import InternalError, ProgrammingError
from django.utils import timezone

from apps.disclosures.choices import PackageStatus
from apps.disclosures.models import DisclosureAuthorization, ReleasedRead
from apps.retention.choices import RunStatus
from apps.retention.services import retention_run_create, retention_run_execute
from tests.disclosures.test_package import released  # noqa: F401 - the fixture, requested by name

pytestmark = pytest.mark.django_db


def _run(days: float):
    run = retention_run_create()
    return retention_run_execute(run_id=run.pk, as_of=timezone.now() + timedelta(days=days))


def test_released_reads_and_the_package_file_are_purged_after_their_own_period(
        released, django_capture_on_commit_callbacks):  # noqa: F811
    """R-RET-6: 730 days after the release (the default period), never sooner, and never failing on a key."""
    request, package = released
    assert request.released_reads.count() == 1 and package.status == PackageStatus.SUCCEEDED
    name = package.file.name
    with django_capture_on_commit_callbacks(execute=True):
        run = _run(700)
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert ReleasedRead.objects.filter(request=request).count() == 1 and default_storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        run = _run(731)
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert run.counts["disclosures.released_reads"]["purged"] == 1
    assert run.counts["disclosures.release_packages"]["files_purged"] == 1
    assert not ReleasedRead.objects.filter(request=request).exists()
    package.refresh_from_db()
    assert package.status == PackageStatus.EXPIRED and not package.file and not default_storage.exists(name)
    assert package.manifest and package.file_sha256 and package.read_count == 1  # the record of what was released
    assert DisclosureAuthorization.objects.filter(request=request).exists()


def test_released_reads_stay_append_only_outside_the_retention_purge(released):  # noqa: F811
    """R-RET-6: the database trigger lets only the retention purge delete a released read."""
    request, _package = released
    with pytest.raises((InternalError, ProgrammingError)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM disclosures_releasedread WHERE request_id = %s", [request.pk])
    assert ReleasedRead.objects.filter(request=request).count() == 1
