"""Security: the incident and breach register (R-SEC-1) and the unusual-query-volume alert (R-SEC-2).

Services write (lock, check, write, event, notify on commit); the selectors read. The incident's scope is drawn
from the access log: the rows of one account in a time window, how many distinct plates they queried and how many
results they returned. The page shows those counts and links to the access-log page filtered the same way, which
shows the rows themselves (and logs that review, R-AUD-1).
"""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Min, QuerySet, Sum, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, NullIf, TruncHour, Upper
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.choices import INCIDENT_TRANSITIONS, IncidentKind, IncidentStatus, NotificationDecision, Purpose
from apps.audit.models import AccessLog, QueryVolumeAlert, SecurityIncident
from apps.audit.services import event_record
from apps.audit.transitions import row_lock, status_event_record, transition_apply
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.notifications.models import Severity
from apps.notifications.services import notification_send, notification_send_on_commit, notifications_resolve

logger = logging.getLogger("alprportal.security")

NOT_A_SECURITY_OFFICER = "Only system administrators and the custodian of records keep the incident register."
TITLE_REQUIRED = "Give the incident a title and describe it."
KIND_INVALID = "Choose what kind of incident it is."
DETECTED_IN_FUTURE = "The time of detection cannot be in the future."
INCIDENT_CLOSED = "This incident is closed; it can no longer be changed."
SCOPE_WINDOW_INVALID = "The end of the scope window must be after its start."
SCOPE_WINDOW_TOO_LONG = "A scope window may cover at most {days} days; narrow it."
DECISION_INVALID = "Choose whether notification is required."
DECISION_NEEDS_REASONS = "Give the reasons for the notification decision."
NOTIFIED_ON_INVALID = "The notification date cannot be in the future or before the incident was detected."
CLOSE_NEEDS_DECISION = "Record the notification decision before closing the incident."
CLOSE_NEEDS_NOTIFICATION = "Notification is required: record the date it was sent before closing the incident."
CLOSE_NEEDS_NOTE = "Say how the incident was resolved."
SCOPE_MAX_DAYS = 366


# --- Recipients --------------------------------------------------------------------------------------------------

def security_alert_recipients(*, agency) -> list:
    """Who receives security alerts (R-SEC-2): the ALPR Administrator (R-ADM-1), or the system administrators when
    none is designated (``alpr_administrator_recipients`` decides; this stays the one place security code asks)."""
    from apps.accounts.selectors import alpr_administrator_recipients

    return alpr_administrator_recipients(agency=agency)


# --- Incident register (R-SEC-1) ---------------------------------------------------------------------------------

def security_incidents_visible_to(*, user) -> QuerySet[SecurityIncident]:
    incidents = SecurityIncident.objects.select_related("detected_by", "recorded_by", "scope_user", "decided_by",
                                                        "closed_by")
    if not user.is_authenticated or not user.has_perm("audit.view_securityincident"):
        return incidents.none()
    return incidents


def query_volume_alert_list_visible_to(*, user) -> QuerySet[QueryVolumeAlert]:
    """R-SEC-2: the unusual-volume alerts, for those who keep the incident register (they name people, no plates)."""
    alerts = QueryVolumeAlert.objects.select_related("user", "incident")
    if not user.is_authenticated or not user.has_perm("audit.view_securityincident"):
        return alerts.none()
    return alerts


def _require(actor, permission: str = "audit.change_securityincident") -> None:
    if actor is None or not actor.is_authenticated or not actor.has_perm(permission):
        raise PermissionDeniedError(NOT_A_SECURITY_OFFICER)


def _closed_refused(incident: SecurityIncident, target: str) -> ApplicationError:
    return ApplicationError(INCIDENT_CLOSED, code="incident_closed")


# The incident's state machine, for apps.audit.transitions.
_MACHINE = {"transitions": INCIDENT_TRANSITIONS, "refuse": _closed_refused}


def _locked_open(incident: SecurityIncident) -> SecurityIncident:
    """The incident, locked; refused once closed (a closed incident is a record, R-SEC-1)."""
    incident = row_lock(incident)
    if incident.status == IncidentStatus.CLOSED:
        raise _closed_refused(incident, IncidentStatus.CLOSED)
    return incident


@transaction.atomic
def security_incident_open(*, actor, title: str, kind: str, description: str, detected_at: datetime | None = None,
                           detected_by=None) -> SecurityIncident:
    """Register an incident (R-SEC-1): what, when detected (default now) and by whom (default the person
    recording it). The system administrators and the custodian are alerted on commit."""
    _require(actor, "audit.add_securityincident")
    title, description = (title or "").strip(), (description or "").strip()
    if not title or not description:
        raise ApplicationError(TITLE_REQUIRED, code="title_required")
    if kind not in IncidentKind.values:
        raise ApplicationError(KIND_INVALID, code="kind_invalid")
    detected_at = detected_at or timezone.now()
    if detected_at > timezone.now() + timedelta(minutes=5):
        raise ApplicationError(DETECTED_IN_FUTURE, code="detected_in_future")
    incident = SecurityIncident(title=title, kind=kind, description=description, detected_at=detected_at,
                                detected_by=detected_by or actor, recorded_by=actor)
    incident.full_clean()
    incident.save()
    status_event_record(actor=actor, code="alprportal.audit.security_incident.opened", target=incident,
                        old_status=None, new_status=incident.status,
                        data={"kind": kind, "detected_at": detected_at, "detected_by": incident.detected_by_id})
    notification_send_on_commit(
        roles=[Role.SYSADMIN, Role.CUSTODIAN], title=f"Security incident registered: {incident.reference} {title}",
        link=reverse("audit:incident", args=[incident.pk]), severity=Severity.CRITICAL,
        dedupe_key=f"security.incident.opened.{incident.pk}",
    )
    return incident


def access_log_scope(*, user, start: datetime, end: datetime) -> dict:
    """What one account reached in [start, end) according to the access log: rows, distinct plates queried (plate
    patterns and viewed plates, case-insensitive), results returned, first and last chain position."""
    rows = AccessLog.objects.filter(user=user, occurred_at__gte=start, occurred_at__lt=end)
    plate = NullIf(Upper(Coalesce(KeyTextTransform("plate_pattern", "data_elements"),
                                  KeyTextTransform("plate", "data_elements"))), Value(""))
    figures = rows.aggregate(rows=Count("id"), plates=Count(plate, distinct=True), results=Sum("result_count"),
                             first_seq=Min("seq"), last_seq=Max("seq"))
    figures["results"] = figures["results"] or 0
    return figures


@transaction.atomic
def security_incident_scope_set(*, actor, incident: SecurityIncident, user, start: datetime,
                                end: datetime) -> SecurityIncident:
    """Draw the incident's scope from the access log (R-SEC-1): one account and a window, and what it reached."""
    _require(actor)
    incident = _locked_open(incident)
    if end <= start:
        raise ApplicationError(SCOPE_WINDOW_INVALID, code="scope_window_invalid")
    if end - start > timedelta(days=SCOPE_MAX_DAYS):
        raise ApplicationError(SCOPE_WINDOW_TOO_LONG.format(days=SCOPE_MAX_DAYS), code="scope_window_too_long")
    scope = access_log_scope(user=user, start=start, end=end)
    old = {"user": incident.scope_user_id, "rows": incident.scope_rows, "plates": incident.scope_plates}
    incident.scope_user, incident.scope_start, incident.scope_end = user, start, end
    incident.scope_rows, incident.scope_plates, incident.scope_results = scope["rows"], scope["plates"], \
        scope["results"]
    incident.scope_first_seq, incident.scope_last_seq = scope["first_seq"], scope["last_seq"]
    incident.scope_computed_at = timezone.now()
    incident.full_clean()
    incident.save(update_fields=["scope_user", "scope_start", "scope_end", "scope_rows", "scope_plates",
                                 "scope_results", "scope_first_seq", "scope_last_seq", "scope_computed_at"])
    event_record(actor=actor, code="alprportal.audit.security_incident.scoped", target=incident, data={
        "old": old, "new": {"user": user.pk, "rows": scope["rows"], "plates": scope["plates"]},
        "window": [start, end], "seqs": [scope["first_seq"], scope["last_seq"]],
    })
    return incident


@transaction.atomic
def security_incident_decide_notification(*, actor, incident: SecurityIncident, decision: str, rationale: str,
                                          notified_on=None) -> SecurityIncident:
    """Record whether notification is required and why (R-SEC-1), and when it was sent if it was. May be revised
    while the incident is open (the event keeps the old decision)."""
    _require(actor)
    incident = _locked_open(incident)
    if decision not in (NotificationDecision.NOTIFY, NotificationDecision.NOT_REQUIRED):
        raise ApplicationError(DECISION_INVALID, code="decision_invalid")
    rationale = (rationale or "").strip()
    if not rationale:
        raise ApplicationError(DECISION_NEEDS_REASONS, code="decision_reasons")
    if notified_on is not None and (notified_on > timezone.localdate()
                                    or notified_on < timezone.localtime(incident.detected_at).date()):
        raise ApplicationError(NOTIFIED_ON_INVALID, code="notified_on_invalid")
    old = {"decision": incident.notification_decision, "notified_on": incident.notified_on}
    incident.notification_decision, incident.notification_rationale = decision, rationale
    incident.notified_on = notified_on if decision == NotificationDecision.NOTIFY else None
    incident.decided_by, incident.decided_at = actor, timezone.now()
    incident.full_clean()
    incident.save(update_fields=["notification_decision", "notification_rationale", "notified_on", "decided_by",
                                 "decided_at"])
    event_record(actor=actor, code="alprportal.audit.security_incident.notification_decided", target=incident,
                 data={"old": old, "new": {"decision": decision, "notified_on": incident.notified_on}})
    return incident


@transaction.atomic
def security_incident_close(*, actor, incident: SecurityIncident, note: str) -> SecurityIncident:
    """Open → closed, once the notification decision is recorded (and, if notification is required, the date it
    was sent)."""
    _require(actor)
    incident = _locked_open(incident)
    if not incident.notification_decision:
        raise ApplicationError(CLOSE_NEEDS_DECISION, code="close_needs_decision")
    if incident.notification_decision == NotificationDecision.NOTIFY and incident.notified_on is None:
        raise ApplicationError(CLOSE_NEEDS_NOTIFICATION, code="close_needs_notification")
    note = (note or "").strip()
    if not note:
        raise ApplicationError(CLOSE_NEEDS_NOTE, code="close_needs_note")
    transition_apply(incident, IncidentStatus.CLOSED, actor=actor,
                     event_code="alprportal.audit.security_incident.closed",
                     changes={"closed_at": timezone.now(), "closed_by": actor, "closure_note": note},
                     data={"note": note}, **_MACHINE)
    notifications_resolve(dedupe_keys=[f"security.incident.opened.{incident.pk}"])  # issue #17: the alert clears
    return incident


@transaction.atomic
def query_volume_alert_escalate(*, actor, alert: QueryVolumeAlert) -> SecurityIncident:
    """Open an incident from a query-volume alert, scoped to that person and window (R-SEC-1, R-SEC-2)."""
    _require(actor, "audit.add_securityincident")
    alert = QueryVolumeAlert.objects.select_for_update().select_related("user").get(pk=alert.pk)
    if alert.incident_id:
        return alert.incident
    incident = security_incident_open(
        actor=actor, kind=IncidentKind.INCIDENT, detected_at=alert.created_at, detected_by=actor,
        title=f"Unusual query volume by {alert.user.username}",
        description=f"{alert.query_count} queries between {timezone.localtime(alert.window_start):%Y-%m-%d %H:%M} "
                    f"and {timezone.localtime(alert.window_end):%H:%M} (alert threshold {alert.threshold}, the "
                    f"person's usual {alert.baseline:.1f}).",
    )
    incident = security_incident_scope_set(actor=actor, incident=incident, user=alert.user,
                                           start=alert.window_start, end=alert.window_end)
    alert.incident = incident
    alert.save(update_fields=["incident"])
    # The alert asked to review the volume and open an incident if unexplained: done, it leaves the home pages.
    notifications_resolve(dedupe_keys=[query_volume_dedupe_key(alert)])
    return incident


# --- Unusual query volume (R-SEC-2) ------------------------------------------------------------------------------

def query_volume_dedupe_key(alert: QueryVolumeAlert) -> str:
    """The home alert of one query-volume alert: one per person and window."""
    return f"security.query_volume.{alert.user_id}.{alert.bucket.astimezone(UTC):%Y%m%dT%H%M}"


def _bucket(moment: datetime, minutes: int) -> datetime:
    epoch = int(moment.timestamp())
    return datetime.fromtimestamp(epoch - epoch % (minutes * 60), tz=moment.tzinfo)


def query_volume_baseline(*, user_id: int, before: datetime) -> float:
    """The person's own usual volume: their queries per active window (hours with at least one query, scaled to
    the window length) over PORTAL["QUERY_VOLUME_BASELINE_DAYS"] before ``before``. 0 without history."""
    portal = settings.PORTAL
    since = before - timedelta(days=portal["QUERY_VOLUME_BASELINE_DAYS"])
    history = AccessLog.objects.filter(user_id=user_id, purpose__in=Purpose.values, occurred_at__gte=since,
                                       occurred_at__lt=before)
    figures = history.aggregate(total=Count("id"), hours=Count(TruncHour("occurred_at"), distinct=True))
    if not figures["hours"]:
        return 0.0
    return figures["total"] / figures["hours"] * portal["QUERY_VOLUME_WINDOW_MINUTES"] / 60


def query_volume_check(*, now: datetime | None = None) -> list[QueryVolumeAlert]:
    """Periodic (R-SEC-2): alert when one person's queries in the last PORTAL["QUERY_VOLUME_WINDOW_MINUTES"] reach
    both PORTAL["QUERY_VOLUME_MIN"] and PORTAL["QUERY_VOLUME_BASELINE_FACTOR"] × their own usual volume
    (``query_volume_baseline``). Idempotent: at most one alert per person per window (a unique constraint on the
    window's bucket, and deduplicated notifications), so re-runs and overlapping runs add nothing. Returns the new
    alerts. Recipients: ``security_alert_recipients``."""
    portal = settings.PORTAL
    now = now or timezone.now()
    minutes = portal["QUERY_VOLUME_WINDOW_MINUTES"]
    start = now - timedelta(minutes=minutes)
    bucket = _bucket(now, minutes)
    busy = (AccessLog.objects.filter(occurred_at__gte=start, occurred_at__lt=now, purpose__in=Purpose.values)
            .values("user_id").annotate(n=Count("id")).filter(n__gte=portal["QUERY_VOLUME_MIN"]).order_by("user_id"))
    created = []
    for row in busy:
        baseline = query_volume_baseline(user_id=row["user_id"], before=start)
        threshold = max(portal["QUERY_VOLUME_MIN"], math.ceil(portal["QUERY_VOLUME_BASELINE_FACTOR"] * baseline))
        if row["n"] < threshold:
            continue
        if QueryVolumeAlert.objects.filter(user_id=row["user_id"], bucket=bucket).exists():
            continue
        try:
            with transaction.atomic():
                alert = QueryVolumeAlert.objects.create(
                    user_id=row["user_id"], bucket=bucket, window_start=start, window_end=now, query_count=row["n"],
                    baseline=round(baseline, 2), threshold=threshold,
                )
                alert = QueryVolumeAlert.objects.select_related("user").get(pk=alert.pk)
                event_record(actor=None, code="alprportal.audit.query_volume.alerted", target=alert.user, data={
                    "queries": row["n"], "threshold": threshold, "baseline": round(baseline, 2),
                    "window": [start, now],
                })
                notification_send(
                    recipients=security_alert_recipients(agency=alert.user.agency),
                    title=f"Unusual query volume: {alert.user.username} ran {row['n']} queries in {minutes} minutes",
                    body=f"Alert threshold {threshold} (the person's usual volume: {baseline:.1f} per {minutes} "
                         f"minutes). Review the access log, and open an incident if it is not explained.",
                    link=reverse("audit:incidents"), severity=Severity.WARNING,
                    dedupe_key=query_volume_dedupe_key(alert),
                )
        except IntegrityError:  # a concurrent run recorded this window first: nothing more to do
            continue
        created.append(alert)
    if created:
        logger.warning("Unusual query volume: %s", [(a.user.username, a.query_count) for a in created])
    return created
