"""R-AUD-1: the access log is written before results, append-only (ORM, admin, PostgreSQL trigger) and
tamper-evident (SHA-256 chain checked by verify_access_log); concurrent writers never fork the chain."""

from __future__ import annotations

import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction
from django.urls import reverse

from apps.audit.choices import Purpose
from apps.audit.models import AccessLog, AppendOnlyError
from apps.audit.selectors import access_log_verify_chain
from apps.audit.services import (
    CASE_NUMBER_REQUIRED,
    PURPOSE_NOT_AUTHORIZED,
    PURPOSE_REQUIRED,
    access_log_record,
)
from apps.common.errors import ApplicationError
from tests.conftest import state_access_context


def _record(user, n=0, **overrides):
    fields = {
        "user": user, "action": "reads.search", "data_elements": {"plate": f"7ABC{n:03d}", "from": "2026-01-01"},
        "purpose": Purpose.INVESTIGATIVE_LEADS, "case_number": f"CASE-{n}", "result_count": n,
    }
    fields.update(overrides)
    return access_log_record(**fields)


@pytest.mark.django_db
def test_row_has_the_1798_90_52_fields(investigator):
    row = _record(investigator, 3)
    assert row.occurred_at and row.username == investigator.username
    assert row.agency_name == investigator.agency.name
    # R-READ-3: how the case number was checked is recorded with the row (no formats configured here: unchecked).
    assert row.data_elements == {"plate": "7ABC003", "from": "2026-01-01", "case_verification": {"status": "unchecked"}}
    assert (row.purpose, row.case_number, row.result_count) == ("investigative_leads", "CASE-3", 3)
    assert row.seq == 1 and row.previous_hash == "0" * 64 and len(row.row_hash) == 64


@pytest.mark.django_db
@pytest.mark.parametrize(("purpose", "case", "message"), [
    ("", "C-1", PURPOSE_REQUIRED),
    ("civil_immigration_enforcement", "C-1", PURPOSE_NOT_AUTHORIZED.split("“")[0]),
    ("crime_analysis", "  ", CASE_NUMBER_REQUIRED),
])
def test_queries_without_purpose_or_case_are_refused_and_not_logged(investigator, purpose, case, message):
    with pytest.raises(ApplicationError) as raised:
        _record(investigator, purpose=purpose, case_number=case)
    assert raised.value.message.startswith(message)
    assert not AccessLog.objects.exists()


@pytest.mark.django_db
def test_reviewing_the_log_writes_exactly_one_row_before_returning(client, api_client, sysadmin, investigator):
    _record(investigator, 1)
    client.force_login(sysadmin)
    before = AccessLog.objects.count()
    response = client.get(reverse("audit:access_log"))
    assert response.status_code == 200
    assert AccessLog.objects.count() == before + 1
    review = AccessLog.objects.order_by("-seq").first()
    assert review.action == "audit.access_log.review" and review.user == sysadmin
    assert review.endpoint == "audit:access_log" and review.result_count == before

    api_client.force_authenticate(sysadmin)
    body = api_client.get(reverse("api:access-log")).json()
    assert AccessLog.objects.count() == before + 2
    api_row = AccessLog.objects.order_by("-seq").first()
    assert api_row.endpoint == "api:access-log" and api_row.result_count == body["count"] == before + 1


@pytest.mark.django_db
def test_orm_update_and_delete_are_refused(investigator):
    row = _record(investigator)
    row.case_number = "EDITED"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.filter(pk=row.pk).update(case_number="EDITED")
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.all().delete()


@pytest.mark.django_db
@pytest.mark.parametrize("sql", [
    "UPDATE audit_accesslog SET case_number = 'EDITED'",
    "DELETE FROM audit_accesslog",
])
def test_raw_sql_update_delete_truncate_are_refused_by_postgresql(investigator, sql):
    assert connection.vendor == "postgresql"
    _record(investigator)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert AccessLog.objects.get().case_number == "CASE-0"


@pytest.mark.django_db(transaction=True)
def test_truncate_is_refused_by_postgresql(investigator):
    _record(investigator)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_accesslog CASCADE")
    assert AccessLog.objects.count() == 1


@pytest.mark.django_db
def test_admin_offers_no_add_change_or_delete(client, sysadmin, investigator):
    row = _record(investigator)
    client.force_login(sysadmin)
    state_access_context(client, purpose="oversight_audit")  # R-ACC-1: records review is the custodian's
    assert client.get(reverse("admin:audit_accesslog_changelist")).status_code == 200
    assert AccessLog.objects.get(action="admin.audit.accesslog.audit_accesslog_changelist").purpose == "oversight_audit"
    assert client.get(reverse("admin:audit_accesslog_add")).status_code == 403
    assert client.post(reverse("admin:audit_accesslog_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
    assert AccessLog.objects.filter(pk=row.pk).exists()


def _tamper(sql, params):
    """What a database superuser could do: bypass the trigger and edit a row."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET session_replication_role = DEFAULT")


@pytest.mark.django_db
def test_verify_access_log_passes_on_an_intact_chain(investigator, capsys):
    for n in range(5):
        _record(investigator, n)
    call_command("verify_access_log")
    assert "chain intact: 5 rows verified" in capsys.readouterr().out


@pytest.mark.django_db
def test_editing_a_row_makes_verify_fail_and_name_that_row(investigator):
    rows = [_record(investigator, n) for n in range(6)]
    _tamper("UPDATE audit_accesslog SET case_number = %s WHERE id = %s", ["HIDDEN", rows[3].id])
    with pytest.raises(CommandError) as raised:
        call_command("verify_access_log")
    assert f"seq={rows[3].seq} (id={rows[3].id})" in str(raised.value)
    assert "was edited" in str(raised.value)


@pytest.mark.django_db
def test_deleting_a_row_makes_verify_fail_and_name_the_gap(investigator):
    rows = [_record(investigator, n) for n in range(6)]
    _tamper("DELETE FROM audit_accesslog WHERE id = %s", [rows[2].id])
    result = access_log_verify_chain()
    assert not result.ok and result.first_broken_seq == rows[3].seq and "missing" in result.problem


@pytest.mark.django_db
def test_recomputing_an_edited_rows_hash_still_breaks_the_next_link(investigator):
    rows = [_record(investigator, n) for n in range(4)]
    row = AccessLog.objects.get(pk=rows[1].pk)
    row.case_number = "HIDDEN"
    forged = row.compute_hash()
    _tamper("UPDATE audit_accesslog SET case_number = %s, row_hash = %s WHERE id = %s", ["HIDDEN", forged, row.id])
    result = access_log_verify_chain()
    assert not result.ok and result.first_broken_seq == rows[2].seq and "link" in result.problem


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain(make_user):
    people = [make_user("investigator") for _ in range(4)]
    errors = []

    def write(person):
        try:
            for n in range(15):
                _record(person, n)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    seqs = list(AccessLog.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 61))
    assert access_log_verify_chain().ok
