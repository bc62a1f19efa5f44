"""Alerts reach the right people once, show on their home page, and are e-mailed only after commit."""

import pytest
from django.core import mail
from django.urls import reverse

from apps.accounts.roles import Role
from apps.notifications.models import Notification
from apps.notifications.services import notification_send

pytestmark = pytest.mark.django_db


def test_a_role_alert_reaches_every_active_holder_once(make_user, django_capture_on_commit_callbacks):
    custodians = [make_user(Role.CUSTODIAN), make_user(Role.CUSTODIAN)]
    make_user(Role.INVESTIGATOR)
    with django_capture_on_commit_callbacks(execute=True):
        sent = notification_send(roles=[Role.CUSTODIAN], title="Agreement sunset in 30 days", dedupe_key="a1-30")
        again = notification_send(roles=[Role.CUSTODIAN], title="Agreement sunset in 30 days", dedupe_key="a1-30")
    assert {n.recipient for n in sent} == set(custodians) and again == []
    assert len(mail.outbox) == 1 and sorted(mail.outbox[0].to) == sorted(c.email for c in custodians)


def test_alerts_show_on_the_home_page_until_dismissed(client, make_user):
    person = make_user(Role.SUPERVISOR)
    notification = notification_send(recipients=[person], title="Unit 12 reported damaged", severity="warning")[0]
    client.force_login(person)
    assert "Unit 12 reported damaged" in client.get(reverse("home")).content.decode()
    client.post(reverse("notifications:dismiss", args=[notification.pk]))
    assert "Unit 12 reported damaged" not in client.get(reverse("home")).content.decode()


def test_nobody_can_dismiss_someone_elses_alert(client, make_user):
    owner, other = make_user(Role.SUPERVISOR), make_user(Role.SUPERVISOR)
    notification = notification_send(recipients=[owner], title="x")[0]
    client.force_login(other)
    client.post(reverse("notifications:dismiss", args=[notification.pk]))
    assert Notification.objects.get(pk=notification.pk).read_at is None
