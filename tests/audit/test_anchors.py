"""Signed anchors of the access log's chain head (R-AUD-1b; issue #14 finding 5).

A database superuser can bypass the append-only trigger. The chain alone then cannot show a deleted last row, nor a
row appended (or the last row rewritten) with its hash recomputed by the public formula: both verified as intact.
With anchors (HMAC under a key the database does not hold, written by beat, at each purge and at each issued report)
``verify_access_log`` names the row; rows after the latest anchor are reported as not yet anchored; a head published
earlier is proven (or not) with ``--against-head``.
"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from apps.audit.anchors import access_log_anchor
from apps.audit.choices import Purpose
from apps.audit.management.commands.verify_access_log import NOT_YET_ANCHORED
from apps.audit.models import AccessLog, AccessLogAnchor, AnchorReason
from apps.audit.purge import access_log_purge
from apps.audit.selectors import HEAD_FORMAT
from apps.audit.services import access_log_record
from apps.audit.tasks import access_log_anchor_task
from tests.holds.helpers import record_access

pytestmark = pytest.mark.django_db


def _record(user, n=0):
    return access_log_record(user=user, action="reads.search", data_elements={"plate": f"7ABC{n:03d}"},
                             purpose=Purpose.INVESTIGATIVE_LEADS, case_number=f"CASE-{n}", result_count=n)


def _superuser(sql, params=()):
    """What a database superuser could do: bypass the triggers."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET session_replication_role = DEFAULT")


def _forge_row(after: AccessLog, *, seq: int, case_number: str) -> AccessLog:
    """A row chained to ``after`` with its hash recomputed by the public formula (AccessLog.compute_hash)."""
    row = AccessLog(seq=seq, occurred_at=timezone.now(), user=after.user, username=after.username,
                    agency_id=after.agency_id, agency_name=after.agency_name, action="reads.search",
                    data_elements={"plate": "FORGED1"}, purpose=after.purpose, case_number=case_number,
                    result_count=0, endpoint="", previous_hash=after.row_hash)
    row.row_hash = row.compute_hash()
    row.save(force_insert=True)
    return row


def _verify(*args) -> str:
    out = StringIO()
    call_command("verify_access_log", *args, stdout=out)
    return out.getvalue()


def _broken(*args) -> str:
    with pytest.raises(CommandError) as raised:
        call_command("verify_access_log", *args)
    return str(raised.value)


def test_the_beat_anchors_the_head_once_and_signs_it_with_a_key_outside_the_database(investigator):
    rows = [_record(investigator, n) for n in range(3)]
    assert access_log_anchor_task.apply().get() == rows[-1].seq
    assert access_log_anchor_task.apply().get() is None  # nothing new: idempotent
    anchor = AccessLogAnchor.objects.get()
    assert (anchor.seq, anchor.row_hash, anchor.reason) == (rows[-1].seq, rows[-1].row_hash, AnchorReason.SCHEDULED)
    assert anchor.signature == anchor.compute_signature()
    schedule = settings.CELERY_BEAT_SCHEDULE["audit-access-log-anchor"]
    assert schedule["task"] == "apps.audit.tasks.access_log_anchor_task"
    assert schedule["schedule"] == timedelta(minutes=15)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_accessloganchor SET seq = 1")


def test_a_deleted_last_row_is_reported_as_a_truncated_tail(investigator):
    rows = [_record(investigator, n) for n in range(5)]
    access_log_anchor_task.apply()
    _superuser("DELETE FROM audit_accesslog WHERE seq = %s", [rows[-1].seq])
    message = _broken()
    assert f"BROKEN at row seq={rows[-1].seq}" in message
    assert f"rows {rows[-1].seq}…{rows[-1].seq} are missing at the tail" in message and "truncated" in message


def test_a_rewritten_last_row_with_a_recomputed_hash_is_reported_with_the_row(investigator):
    rows = [_record(investigator, n) for n in range(5)]
    access_log_anchor_task.apply()
    _superuser("DELETE FROM audit_accesslog WHERE seq = %s", [rows[-1].seq])
    forged = _forge_row(rows[-2], seq=rows[-1].seq, case_number="HIDDEN")
    message = _broken()
    assert f"BROKEN at row seq={forged.seq} (id={forged.id})" in message
    assert "does not match the signed anchor" in message


def test_a_row_appended_after_the_anchor_is_only_verified_up_to_the_anchor(investigator):
    rows = [_record(investigator, n) for n in range(4)]
    access_log_anchor_task.apply()
    _forge_row(rows[-1], seq=rows[-1].seq + 1, case_number="APPENDED")
    output = _verify()
    assert "chain intact: 5 rows verified" in output
    assert f"Anchored: row #{rows[-1].seq} with hash {rows[-1].row_hash}" in output
    assert NOT_YET_ANCHORED.format(seq=rows[-1].seq, count=1, plural="") in output


def test_a_forged_or_removed_anchor_is_detected(investigator):
    rows = [_record(investigator, n) for n in range(3)]
    first = access_log_anchor()
    _record(investigator, 9)
    second = access_log_anchor()
    _record(investigator, 10)
    access_log_anchor()
    # Removing the anchor in the middle breaks the anchors' own chain.
    _superuser("DELETE FROM audit_accessloganchor WHERE id = %s", [second.pk])
    assert "an anchor between them was removed" in _broken()
    # An anchor written from inside the database cannot carry a valid signature (the key is not there).
    _superuser("INSERT INTO audit_accessloganchor (seq, row_hash, head_occurred_at, anchored_at, reason, key_id, "
               "previous_signature, signature) SELECT seq, row_hash, head_occurred_at, now(), 'scheduled', key_id, "
               "signature, repeat('0', 64) FROM audit_accessloganchor WHERE id = %s", [first.pk])
    _superuser("DELETE FROM audit_accessloganchor WHERE id <> %s AND signature <> repeat('0', 64)", [first.pk])
    assert "does not verify: forged, edited, or signed with another key" in _broken()
    assert rows


def test_a_published_head_is_proven_and_a_truncation_behind_a_removed_anchor_is_caught_by_it(investigator):
    rows = [_record(investigator, n) for n in range(4)]
    published = access_log_anchor()
    head = f"{published.seq}:{published.row_hash}"
    output = _verify("--against-head", head)
    assert f"Published head #{published.seq} proven" in output
    # The superuser removes the latest anchor *and* the anchored row: the remaining chain and anchors are consistent,
    # but the head an outsider kept from the public page or a report is no longer in the log.
    _superuser("DELETE FROM audit_accessloganchor WHERE id = %s", [published.pk])
    _superuser("DELETE FROM audit_accesslog WHERE seq = %s", [rows[-1].seq])
    message = _broken("--against-head", head)
    assert f"Published head #{published.seq} NOT proven" in message and "the tail was truncated" in message


@pytest.mark.parametrize("value", ["12", "abc:def", "12:" + "z" * 64, "-1:" + "a" * 64])
def test_a_malformed_published_head_is_a_clear_error(value):
    with pytest.raises(CommandError) as raised:
        call_command("verify_access_log", f"--against-head={value}")
    assert str(raised.value) == HEAD_FORMAT.format(value=value)


def test_a_purge_anchors_the_head_and_an_old_published_head_stays_provable(investigator):
    old = [record_access(investigator, days_ago=days) for days in (900, 880, 860)]
    published = access_log_anchor()  # the head at that time (row #3), as a report would have published it
    recent = record_access(investigator, days_ago=1)
    result = access_log_purge(before=timezone.now() - timedelta(days=730), reason="test")
    assert result.purged == 3
    latest = AccessLogAnchor.objects.order_by("-id").first()
    assert (latest.reason, latest.seq, latest.row_hash) == (AnchorReason.PURGE, recent.seq, recent.row_hash)
    output = _verify("--against-head", f"{published.seq}:{published.row_hash}")
    assert "chain intact: 1 rows verified" in output
    assert f"Published head #{old[-1].seq} proven: row #{old[-1].seq} was purged by retention since" in output


def test_the_public_page_publishes_the_latest_anchored_head(client, investigator):
    rows = [_record(investigator, n) for n in range(3)]
    content = client.get(reverse("transparency:index")).content.decode()
    assert "No head has been anchored yet." in content
    anchor = access_log_anchor()
    _record(investigator, 7)  # logged after the anchor: not published until the next anchor
    content = client.get(reverse("transparency:index")).content.decode()
    assert f"<code>{rows[-1].seq}:{rows[-1].row_hash}</code>" in content
    assert anchor.row_hash == rows[-1].row_hash
