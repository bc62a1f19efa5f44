"""Notifications about a disclosure request: to its requester and to the custodians of records."""

from __future__ import annotations

from apps.accounts.roles import Role
from apps.disclosures.models import DisclosureRequest
from apps.notifications.models import Severity
from apps.notifications.services import notification_send_on_commit


def _requester_people(disclosure_request: DisclosureRequest):
    return [person for person in (disclosure_request.submitted_by,) if person.is_active]


def disclosure_requester_notify(disclosure_request: DisclosureRequest, *, title: str, body: str = "",
                      severity: str = Severity.INFO) -> None:
    from django.urls import reverse

    link = reverse("disclosures:detail", args=[disclosure_request.pk])
    people = _requester_people(disclosure_request)
    notification_send_on_commit(recipients=people, title=title, body=body, link=link,
                                severity=severity)


def disclosure_custodian_link(disclosure_request: DisclosureRequest) -> str:
    return f"/admin/disclosures/disclosurerequest/{disclosure_request.pk}/change/"


def disclosure_custodians_notify(disclosure_request: DisclosureRequest, *, title: str, body: str = "",
                                 severity: str = Severity.INFO, exclude=None) -> None:
    """After commit, a notification to every custodian of records linking to the request's admin page; not to
    ``exclude`` (the custodian who entered a written request may not review it, R-SHR-9: the alert asks the others)."""
    link = disclosure_custodian_link(disclosure_request)
    notification_send_on_commit(roles=[Role.CUSTODIAN], exclude=[exclude], title=title, body=body, link=link,
                                severity=severity)
