"""Home alerts that ask for a step of an evidence hold leave everyone's home page once the step is done, whoever did
it (issue #17), and only those alerts: other alerts of the same person stay."""

from __future__ import annotations

from apps.accounts.roles import Role
from apps.holds.services.decisions import hold_approve, hold_deny, hold_verify
from apps.notifications.models import Notification
from apps.notifications.services import notification_send, notifications_resolve


def _unread(person):
    return set(Notification.objects.filter(recipient=person, read_at__isnull=True).values_list("dedupe_key",
                                                                                              flat=True))


def test_the_supervisors_alert_clears_when_the_hold_is_approved_and_the_custodians_when_verified(
        request_hold, boss, detective, make_user, agency, django_capture_on_commit_callbacks):
    """R-RET-3"""
    custodian = make_user(Role.CUSTODIAN, agency=agency)
    with django_capture_on_commit_callbacks(execute=True):
        hold = request_hold()
        notification_send(recipients=[boss], title="Something else", dedupe_key="unrelated")
    assert _unread(boss) == {f"holds.{hold.pk}.requested", "unrelated"}

    with django_capture_on_commit_callbacks(execute=True):
        hold_approve(actor=boss, hold=hold, note="ok")
    assert _unread(boss) == {"unrelated"}  # the hold's alert cleared; the other one stays
    assert f"holds.{hold.pk}.verify" in _unread(custodian)
    assert f"holds.{hold.pk}.approved" in _unread(detective)  # news, not a request: it stays until read

    with django_capture_on_commit_callbacks(execute=True):
        hold_verify(actor=custodian, hold=hold, evidence_booking_number="EV-1")
    assert f"holds.{hold.pk}.verify" not in _unread(custodian)


def test_a_denied_hold_clears_the_supervisors_alert(request_hold, boss, django_capture_on_commit_callbacks):
    """R-RET-3"""
    with django_capture_on_commit_callbacks(execute=True):
        hold = request_hold()
    with django_capture_on_commit_callbacks(execute=True):
        hold_deny(actor=boss, hold=hold, reason="Not evidence.")
    assert f"holds.{hold.pk}.requested" not in _unread(boss)


def test_resolving_matches_nothing_without_a_key_or_a_link(boss):
    notification_send(recipients=[boss], title="Stays", dedupe_key="stays")
    assert notifications_resolve() == 0
    assert notifications_resolve(dedupe_prefixes=["stay"], recipients=[]) == 1
    assert _unread(boss) == set()


def test_a_hold_requested_and_approved_in_one_transaction_leaves_no_approval_alert(
        request_hold, boss, detective, make_user, agency, django_capture_on_commit_callbacks):
    """R-RET-3: the request's alert waits for the commit; the approval in the same transaction (the demo's seed, a
    bulk import) means it is never sent, while the alerts of the steps still to do (the custodian's verification)
    and the requester's news are."""
    custodian = make_user(Role.CUSTODIAN, agency=agency)
    with django_capture_on_commit_callbacks(execute=True):
        hold = request_hold()
        hold_approve(actor=boss, hold=hold, note="ok")
    assert f"holds.{hold.pk}.requested" not in _unread(boss)
    assert not Notification.objects.filter(dedupe_key=f"holds.{hold.pk}.requested").exists()
    assert f"holds.{hold.pk}.verify" in _unread(custodian)
    assert f"holds.{hold.pk}.approved" in _unread(detective)

    with django_capture_on_commit_callbacks(execute=True):
        second = request_hold(case_number="24-000778")
        hold_approve(actor=boss, hold=second, note="ok")
        hold_verify(actor=custodian, hold=second, evidence_booking_number="EV-2")
    assert f"holds.{second.pk}.verify" not in _unread(custodian)
    assert f"holds.{second.pk}.verified" in _unread(detective)


def test_an_alert_sent_on_commit_is_still_sent_when_nothing_resolves_it(request_hold, boss,
                                                                       django_capture_on_commit_callbacks):
    """R-RET-3: resolving another hold's alert in the same transaction does not cancel this one."""
    with django_capture_on_commit_callbacks(execute=True):
        first = request_hold()
        second = request_hold(case_number="24-000779")
        hold_approve(actor=boss, hold=second, note="ok")
    assert f"holds.{first.pk}.requested" in _unread(boss)
    assert f"holds.{second.pk}.requested" not in _unread(boss)
