"""Send alerts to people or to everyone holding a role (in-portal, and by e-mail after commit)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

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
    exclude: Iterable = (),
    title: str,
    body: str = "",
    link: str = "",
    severity: str = Severity.INFO,
    dedupe_key: str = "",
) -> list[Notification]:
    """Alert each recipient (and each active holder of ``roles``, but not the people in ``exclude``) once per
    ``dedupe_key``; returns the new ones.

    E-mail goes out only after the surrounding transaction commits, so a rolled-back change alerts nobody.
    """
    from apps.accounts.models import User

    people = {person.pk: person for person in recipients if person is not None}
    roles = [str(role) for role in roles]
    if roles:
        for person in User.objects.filter(is_active=True, groups__name__in=roles).distinct():
            people[person.pk] = person
    for person in exclude:
        if person is not None:
            people.pop(person.pk, None)
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


@dataclass
class _PendingSend:
    """An alert that waits for its transaction to commit (``notification_send_on_commit``)."""

    kwargs: dict
    cancelled: bool = False

    def matches(self, *, keys: set[str], prefixes: tuple[str, ...], link: str, people: set[int]) -> bool:
        key = self.kwargs.get("dedupe_key", "")
        if not ((key and (key in keys or key.startswith(prefixes))) or (link and self.kwargs.get("link") == link)):
            return False
        return not people or bool(people & {p.pk for p in self.kwargs.get("recipients", ()) if p is not None})


def _pending_sends() -> list[_PendingSend]:
    """The alerts still waiting for the open transaction of this connection (none outside a transaction)."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        connection.alprportal_pending_sends = []
    return connection.__dict__.setdefault("alprportal_pending_sends", [])


def notification_send_on_commit(**kwargs) -> None:
    """``notification_send(**kwargs)`` once the surrounding transaction commits (nobody is alerted of a change that
    rolls back), unless ``notifications_resolve`` later in the same transaction clears what it asks for: a hold
    requested and approved in one transaction (the demo's seed, an import) leaves no "waits for your approval" alert
    behind (issue #17). Outside a transaction it sends at once."""
    pending = _PendingSend(kwargs=kwargs)
    _pending_sends().append(pending)

    def send():
        pending_list = _pending_sends()
        if pending in pending_list:
            pending_list.remove(pending)
        if not pending.cancelled:
            notification_send(**kwargs)

    transaction.on_commit(send)


def notification_mark_read(*, user, notification_id: int) -> None:
    """Mark one of the person's own alerts read; another person's alert is ``Notification.DoesNotExist`` (a 404)."""
    notification = notification_list_visible_to(user=user).get(pk=notification_id)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())


def notifications_resolve(*, dedupe_keys: Iterable[str] = (), dedupe_prefixes: Iterable[str] = (), link: str = "",
                          recipients: Iterable = ()) -> int:
    """Clear the alerts that asked for something now done (issue #17): a hold approved, a request reviewed, an
    audit approved. The service that completes the action calls this in its transaction, so the alert leaves every
    recipient's home page the moment the thing it asked for is done — whoever did it. Returns how many were cleared.

    Alerts match by ``dedupe_key`` (exact or prefix) or by ``link``; ``recipients`` narrows to those people. An alert
    asked earlier in the same transaction and still waiting for the commit (``notification_send_on_commit``) is not
    sent at all.
    """
    from django.db.models import Q

    match = Q()
    for key in dedupe_keys:
        match |= Q(dedupe_key=key)
    for prefix in dedupe_prefixes:
        match |= Q(dedupe_key__startswith=prefix)
    if link:
        match |= Q(link=link)
    if not match:
        return 0
    people_ids = {person.pk for person in recipients if person is not None}
    for pending in _pending_sends():  # asked earlier in this transaction, sent on commit: never send it
        if pending.matches(keys=set(dedupe_keys), prefixes=tuple(dedupe_prefixes), link=link, people=people_ids):
            pending.cancelled = True
    unread = Notification.objects.filter(match, read_at__isnull=True)
    if people_ids:
        unread = unread.filter(recipient_id__in=people_ids)
    return unread.update(read_at=timezone.now())
