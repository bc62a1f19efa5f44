"""Shared fixtures: a private MEDIA_ROOT per test, and people of every role with (or without) current training."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import factory.random
import pytest
from django.utils import timezone

from apps.accounts.roles import Role
from tests.factories import TrainingRecordFactory, UserFactory, background_check_for

PASSWORD = "correct-horse-battery-staple"


def _flush_past_append_only_triggers():
    """Transactional tests end with a TRUNCATE of every table, which the access log's trigger refuses by design
    (R-AUD-1). Only that teardown flush runs with triggers off; every test still runs with them on."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = original(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        if not statements:
            return statements
        return ["SET session_replication_role = replica", *statements, "SET session_replication_role = DEFAULT"]

    DatabaseOperations.sql_flush = sql_flush


_flush_past_append_only_triggers()


ACCESS_CONTEXT = {"purpose": "crime_analysis", "case_number": "TEST-24-0001"}


def state_access_context(client, **overrides) -> dict:
    """What the purpose form does (R-AUD-1a): remember a purpose and case number in the client's session, so pages,
    admin screens and API calls of that session that show plate data log under them. Returns them."""
    import time

    from apps.audit.access_context import SESSION_KEY

    context = {**ACCESS_CONTEXT, **overrides}
    session = client.session
    session[SESSION_KEY] = {**context, "at": time.time()}
    session.save()
    return context


@pytest.fixture(autouse=True)
def _logins_mfa_satisfied(request):
    """Issue #22: a test's logins (``client.force_login``, the login form in the browser journeys) are MFA-satisfied,
    as if the person had passed the second step, so the suite tests what it tests. Tests of the MFA gate itself are
    marked ``@pytest.mark.mfa_real``: there a login is password-only until the second step, as in production."""
    if request.node.get_closest_marker("mfa_real"):
        yield
        return
    from django.contrib.auth.signals import user_logged_in

    from apps.accounts.mfa import mfa_session_is_satisfied, mfa_session_mark

    def mark(sender, request, user, **kwargs):
        if request is not None and hasattr(request, "session") and not mfa_session_is_satisfied(request):
            mfa_session_mark(request, method="totp")

    user_logged_in.connect(mark, dispatch_uid="tests-mfa-satisfied")
    try:
        yield
    finally:
        user_logged_in.disconnect(dispatch_uid="tests-mfa-satisfied")


@pytest.fixture(autouse=True)
def _factory_data_per_test(request):
    """Each test's generated names, e-mails and numbers follow from its own id: a run is repeatable, so a failure that
    depends on the data (a random last name that is also a month, "May") fails every time, not one CI run in fifty."""
    factory.random.reseed_random(hashlib.sha256(request.node.nodeid.encode()).hexdigest())


@pytest.fixture(autouse=True)
def _private_media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def make_user(db):
    """make_user(role, trained=True, background_checked=None, **fields): a person holding ``role`` (a Role value or
    None). ``background_checked`` (R-ACC-6) follows ``trained`` unless given: a trained person is ready to work."""

    def _make(role: str | None = None, *, trained: bool = True, background_checked: bool | None = None, **fields):
        user = UserFactory(roles=[role] if role else [], **fields)
        if trained:
            TrainingRecordFactory(person=user, completed_on=timezone.localdate() - timedelta(days=30))
        if trained if background_checked is None else background_checked:
            background_check_for(user)
        return user

    return _make


@pytest.fixture
def sysadmin(make_user):
    return make_user(Role.SYSADMIN)


@pytest.fixture
def custodian(make_user):
    return make_user(Role.CUSTODIAN)


@pytest.fixture
def supervisor(make_user):
    return make_user(Role.SUPERVISOR)


@pytest.fixture
def investigator(make_user):
    return make_user(Role.INVESTIGATOR)


@pytest.fixture
def operator(make_user):
    return make_user(Role.OPERATOR)


@pytest.fixture
def oversight_user(make_user):
    return make_user(Role.OVERSIGHT)


@pytest.fixture
def partner(make_user):
    from tests.factories import AgencyFactory

    return make_user(Role.PARTNER_REQUESTER, agency=AgencyFactory(name="Los Alamitos Police Department"))


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker (in a thread of this process) consuming from Redis on a queue private to this test, so
    concurrent test runs and a developer's own worker never take each other's tasks."""
    import uuid

    from celery.contrib.testing.worker import start_worker

    from alprportal.celery import app

    queue = f"test-{uuid.uuid4().hex[:10]}"
    previous = app.conf.task_default_queue, app.conf.task_always_eager
    app.conf.task_default_queue, app.conf.task_always_eager = queue, False
    try:
        with start_worker(app, pool="solo", concurrency=1, queues=[queue], perform_ping_check=False,
                          loglevel="WARNING", shutdown_timeout=15):
            yield queue
    finally:
        app.conf.task_default_queue, app.conf.task_always_eager = previous


@pytest.fixture(scope="module")
def demo_seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo data (``seed_demo``, ~10 s) seeded once for a whole module, in a transaction rolled back after the
    module's last test; each test still runs in its own savepoint (``django_db``). For the crawler and the generated
    object-route tests, which read the demo data and change nothing that lasts. Yields the media root the demo's files
    were written to: a test sets ``settings.MEDIA_ROOT`` to it (the per-test media root would not have them)."""
    from django.core.management import call_command
    from django.db import transaction
    from django.test.utils import override_settings

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            media = str(tmp_path_factory.mktemp("demo-media"))
            with override_settings(CELERY_TASK_ALWAYS_EAGER=True, MEDIA_ROOT=media):
                call_command("seed_demo", "--quiet")
                # A finished nightly run, so the retention run pages and admin have one to open (the demo itself
                # leaves the first run to the newcomer: `manage.py run_retention`).
                call_command("run_retention", stdout=io.StringIO())
            yield media
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Let the browser fixture see whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def downloads(tmp_path):
    """Where the browser saves downloaded files."""
    path = tmp_path / "downloads"
    path.mkdir()
    return path


@pytest.fixture
def browser(request, downloads):
    """Headless Chromium (tests/browser.py); a screenshot and the HTML are saved to test-artifacts/ on failure."""
    from tests.browser import IMPLICIT_WAIT_SECONDS, chromium_start, failure_artifacts_save

    marker = request.node.get_closest_marker("browser")
    implicit_wait = marker.kwargs.get("implicit_wait", IMPLICIT_WAIT_SECONDS) if marker else IMPLICIT_WAIT_SECONDS
    options = {key: marker.kwargs[key] for key in ("window", "network_log") if marker and key in marker.kwargs}
    driver = chromium_start(downloads=downloads, implicit_wait=implicit_wait, **options)
    yield driver
    report = getattr(request.node, "rep_call", None)
    if report is None or report.failed:
        failure_artifacts_save(driver, request.node.name)
    driver.quit()
