"""Send alerts to people or to everyone holding a role (in-portal, and by e-mail after commit)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from apps.notifications.models import Notification, Severity
from apps.notifications.selectors import notification_list_visible_to

logger = logging.getLogger("alprportal.notifications")


def notification_send(
    *,
    recipients: Iterable = (),
    roles: Iterable[str] = (),
    title: str,
    body: str = "",
    link: str = "",
    severity: str = Severity.INFO,
    dedupe_key: str = "",
) -> list[Notification]:
    """Alert each recipient (and each active holder of ``roles``) once per ``dedupe_key``; returns the new ones.

    E-mail goes out only after the surrounding transaction commits, so a rolled-back change alerts nobody.
    """
    from apps.accounts.models import User

    people = {person.pk: person for person in recipients if person is not None}
    roles = [str(role) for role in roles]
    if roles:
        for person in User.objects.filter(is_active=True, groups__name__in=roles).distinct():
            people[person.pk] = person
    created = []
    for person in people.values():
        if dedupe_key and Notification.objects.filter(recipient=person, dedupe_key=dedupe_key).exists():
            continue
        created.append(Notification.objects.create(
            recipient=person, title=title[:200], body=body, link=link, severity=severity, dedupe_key=dedupe_key,
        ))
    addresses = [n.recipient.email for n in created if n.recipient.email]
    if addresses:
        def _mail():
            try:
                send_mail(f"[ALPR Portal] {title}", f"{body}\n\n{link}".strip(), settings.DEFAULT_FROM_EMAIL,
                          addresses, fail_silently=False)
            except Exception:  # the in-portal alert stands; a mail outage must not break the job that alerted
                logger.exception("Could not e-mail notification %r", title)

        transaction.on_commit(_mail)
    return created


def notification_mark_read(*, user, notification_id: int) -> None:
    """Mark one of the person's own alerts read; another person's alert is ``Notification.DoesNotExist`` (a 404)."""
    notification = notification_list_visible_to(user=user).get(pk=notification_id)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
