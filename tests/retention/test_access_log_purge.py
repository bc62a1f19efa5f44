"""The access log's one controlled purge path (R-AUD-1): signed checkpoints, chain verifiable after a purge, and
every other way of removing rows still refused by PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from apps.audit.models import AccessLog, AccessLogCheckpoint, DomainEvent
from apps.audit.purge import access_log_purge
from apps.audit.selectors import access_log_verify_chain
from apps.common.errors import ApplicationError
from tests.holds.helpers import record_access


@pytest.fixture
def history(detective):
    """Ten accesses: six older than two years, four recent."""
    return [record_access(detective, days_ago=days) for days in (900, 880, 860, 840, 820, 800, 100, 50, 10, 1)]


def _cutoff():
    return timezone.now() - timedelta(days=730)


def test_purge_removes_the_old_prefix_with_a_signed_checkpoint_and_the_chain_still_verifies(history, capsys):
    result = access_log_purge(before=_cutoff(), batch_size=4, reason="test")
    assert result.purged == 6 and len(result.checkpoints) == 2
    assert list(AccessLog.objects.order_by("seq").values_list("seq", flat=True)) == [7, 8, 9, 10]
    last = AccessLogCheckpoint.objects.order_by("-seq_to").first()
    assert (last.seq_from, last.seq_to, last.last_row_hash) == (5, 6, history[5].row_hash)
    assert last.signature == last.compute_signature() and last.previous_signature
    verification = access_log_verify_chain()
    assert verification.ok and verification.rows_checked == 4 and verification.checkpoints_checked == 2
    assert verification.starts_at_seq == 7
    call_command("verify_access_log")
    assert "intact: 4 rows verified" in capsys.readouterr().out
    assert DomainEvent.objects.filter(code="alprportal.audit.access_log.purged").count() == 2
    # Idempotent: nothing more is due.
    assert access_log_purge(before=_cutoff()).purged == 0
    # New rows keep chaining after a purge.
    record_access(history[0].user)
    assert access_log_verify_chain().ok


def test_the_chain_head_is_never_purged(detective):
    rows = [record_access(detective, days_ago=900) for _ in range(3)]
    assert access_log_purge(before=_cutoff()).purged == 2
    assert list(AccessLog.objects.values_list("pk", flat=True)) == [rows[-1].pk]
    assert access_log_verify_chain().ok


def _delete(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize("how", ["plain", "bogus-token", "update"])
def test_every_other_removal_is_refused_by_postgresql(history, how):
    statements = {
        "plain": [("DELETE FROM audit_accesslog WHERE seq = %s", [history[-1].seq])],
        "bogus-token": [("SELECT set_config('alprportal.access_log_purge', %s, true)", [str(uuid.uuid4())]),
                        ("DELETE FROM audit_accesslog WHERE seq = %s", [history[5].seq])],
        "update": [("UPDATE audit_accesslog SET case_number = 'X' WHERE seq = %s", [history[5].seq])],
    }
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        for sql, params in statements[how]:
            cursor.execute(sql, params)
    assert AccessLog.objects.count() == 10  # (TRUNCATE: tests/audit/test_access_log.py)


@pytest.mark.django_db(transaction=True)
def test_a_checkpoint_token_from_another_transaction_opens_nothing(make_user):
    from apps.accounts.roles import Role

    person = make_user(Role.INVESTIGATOR)
    rows = [record_access(person, days_ago=days) for days in (900, 880, 870, 860, 1)]
    access_log_purge(before=_cutoff(), batch_size=2)  # committed: its checkpoint's transaction is over
    token = str(AccessLogCheckpoint.objects.order_by("-seq_to").first().purge_token)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('alprportal.access_log_purge', %s, true)", [token])
        cursor.execute("DELETE FROM audit_accesslog WHERE seq = %s", [rows[-1].seq])
    assert AccessLog.objects.filter(pk=rows[-1].pk).exists() and access_log_verify_chain().ok


def test_checkpoints_cannot_be_changed_or_removed(history):
    access_log_purge(before=_cutoff())
    checkpoint = AccessLogCheckpoint.objects.first()
    for sql in ("UPDATE audit_accesslogcheckpoint SET rows_purged = 1 WHERE id = %s",
                "DELETE FROM audit_accesslogcheckpoint WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as c:
            c.execute(sql, [checkpoint.pk])


def _tamper(sql, params):
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET session_replication_role = DEFAULT")


def test_verification_catches_a_forged_checkpoint_and_rows_removed_without_one(history):
    access_log_purge(before=_cutoff())
    checkpoint = AccessLogCheckpoint.objects.get()
    _tamper("UPDATE audit_accesslogcheckpoint SET reason = 'forged', signature = %s WHERE id = %s",
            ["0" * 64, checkpoint.pk])
    result = access_log_verify_chain()
    assert not result.ok and "not correctly signed" in result.problem


def test_removing_the_oldest_rows_without_a_checkpoint_is_detected(history):
    _tamper("DELETE FROM audit_accesslog WHERE seq <= %s", [3])
    result = access_log_verify_chain()
    assert not result.ok and result.first_broken_seq == 4 and "no signed purge checkpoint" in result.problem


def test_a_tampered_prefix_is_never_purged(history):
    _tamper("UPDATE audit_accesslog SET case_number = 'HIDDEN' WHERE seq = %s", [2])
    with pytest.raises(ApplicationError) as raised:
        access_log_purge(before=_cutoff())
    assert raised.value.code == "access_log_chain_broken" and "seq=2" in raised.value.message
    assert AccessLog.objects.count() == 10 and not AccessLogCheckpoint.objects.exists()
