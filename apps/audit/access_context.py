"""The one way a person says why they are looking at plate data, and the one way that look is logged (R-AUD-1a).

Every path that shows plate data — pages, API, admin screens, images and crops, OCR job pages, hit lists — needs an
*access context*: an authorized purpose and a case or incident number (R-READ-3). It comes from the request
(``purpose`` and ``case_number`` parameters, as on the search page and in the API) or, once stated, from the person's
session, so that an operator states the duty purpose for a shift once and the live hits page, a hit's page and the
admin screens all log under it. ``plate_access_log`` writes the access-log row before anything is shown.

Pages use ``PlateAccessRequiredMixin`` (it asks with a form when no context is known); the admin site wraps every
view of a plate-bearing model (``apps.audit.admin_site``); API views call ``access_context_for_api``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.shortcuts import render

from apps.accounts.roles import Role
from apps.audit.choices import Purpose, SystemPurpose
from apps.audit.models import AccessLog
from apps.audit.services import access_log_record, access_purpose_check
from apps.common.errors import ApplicationError

SESSION_KEY = "alpr_access_context"
CONTEXT_FORM_TEMPLATE = "audit/access_context_form.html"
PURPOSE_NOT_YOURS = "“{purpose}” may be stated only by: {roles}. Choose a purpose from the list."
CONTEXT_NEEDED = (
    "This shows ALPR data: state the purpose and the case or incident number first (Civ. Code § 1798.90.52). "
    "Send `purpose` and `case_number` with the request."
)


# R-ACC-1: the roles whose work each of the portal's own review purposes is. The review pages record them by
# themselves; here they are what a person may state by hand (the admin's audit-trail screens) and what the form
# offers them. Records review is the custodian's; the review of the portal's use is the supervisors', the
# custodian's, oversight's and — for the audit trail they keep (the access-log review page records it so) — the
# system administrator's.
SYSTEM_PURPOSE_ROLES: dict[str, frozenset[str]] = {
    SystemPurpose.OVERSIGHT_AUDIT: frozenset({Role.SUPERVISOR, Role.CUSTODIAN, Role.SYSADMIN, Role.OVERSIGHT}),
    SystemPurpose.RECORDS_REVIEW: frozenset({Role.CUSTODIAN}),
}


def system_purposes_for(user) -> list[str]:
    """The review purposes ``user`` may state (R-ACC-1); none for a person without one of their roles."""
    roles = getattr(user, "roles", frozenset()) if user is not None else frozenset()
    return [purpose for purpose in SystemPurpose.values if SYSTEM_PURPOSE_ROLES[purpose] & roles]


def _system_purpose_check(*, purpose: str, allow_system_purpose: bool, user) -> None:
    purpose = (purpose or "").strip()
    if allow_system_purpose and purpose in SystemPurpose.values and purpose not in system_purposes_for(user):
        roles = ", ".join(str(label) for value, label in Role.choices if value in SYSTEM_PURPOSE_ROLES[purpose])
        raise ApplicationError(PURPOSE_NOT_YOURS.format(purpose=SystemPurpose(purpose).label, roles=roles),
                               code="purpose_not_yours")


def context_max_age_seconds() -> int:
    """A stated context lasts one patrol shift at most (12 h), and never past the session itself."""
    return int(getattr(settings, "ACCESS_CONTEXT_MAX_AGE_SECONDS", 12 * 3600))


@dataclass(frozen=True)
class AccessContext:
    purpose: str
    case_number: str

    @property
    def purpose_label(self) -> str:
        for choices in (Purpose, SystemPurpose):
            if self.purpose in choices.values:
                return str(choices(self.purpose).label)
        return self.purpose


def access_context_validate(*, purpose: str, case_number: str, allow_system_purpose: bool = False,
                            user=None) -> AccessContext:
    """The access log's own check (R-READ-3; with ``user``, the agency's case-number forms and records system too;
    the number's length and characters in ``case_number_validate``). A review purpose, where ``allow_system_purpose``
    lets one be stated, only for a person whose role holds it (R-ACC-1): ApplicationError ``purpose_not_yours``."""
    _system_purpose_check(purpose=purpose, allow_system_purpose=allow_system_purpose, user=user)
    purpose, case_number = access_purpose_check(purpose=purpose, case_number=case_number,
                                                allow_system_purpose=allow_system_purpose, user=user)
    return AccessContext(purpose=purpose, case_number=case_number)


def _session(request):
    return getattr(getattr(request, "_request", request), "session", None)


def _person(request):
    user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def access_context_remember(request, context: AccessContext) -> None:
    session = _session(request)
    if session is not None:
        session[SESSION_KEY] = {"purpose": context.purpose, "case_number": context.case_number, "at": time.time()}


def access_context_remembered(request, *, allow_system_purpose: bool = False) -> AccessContext | None:
    session = _session(request)
    stored = session.get(SESSION_KEY) if session is not None else None
    if not isinstance(stored, dict) or time.time() - float(stored.get("at", 0)) > context_max_age_seconds():
        return None
    try:
        return access_context_validate(purpose=stored.get("purpose", ""), case_number=stored.get("case_number", ""),
                                       allow_system_purpose=allow_system_purpose, user=_person(request))
    except ApplicationError:
        return None


def access_context_from_request(request, *, allow_system_purpose: bool = False) -> AccessContext | None:
    """The context the request states (query or form parameters; remembered for the session), else the session's.

    Raises ApplicationError when the request states one that is not valid: a bad purpose is never silently replaced
    by an earlier one.
    """
    params = request.POST if request.method == "POST" and "purpose" in request.POST else request.GET
    if "purpose" in params or "case_number" in params:
        context = access_context_validate(purpose=params.get("purpose", ""), case_number=params.get("case_number", ""),
                                          allow_system_purpose=allow_system_purpose, user=_person(request))
        access_context_remember(request, context)
        return context
    return access_context_remembered(request, allow_system_purpose=allow_system_purpose)


def access_context_for_api(request) -> AccessContext:
    """For API views of plate data: the request's context or the session's; ApplicationError (400) without one."""
    context = access_context_from_request(request)
    if context is None:
        raise ApplicationError(CONTEXT_NEEDED, code="access_context_required")
    return context


def plate_access_log(*, request, context: AccessContext, action: str, data_elements: dict,
                     result_count: int | None = None, user=None, allow_system_purpose: bool = False) -> AccessLog:
    """Write the access-log row for plate data about to be shown (R-AUD-1a). Call it before building the response."""
    return access_log_record(
        user=user or request.user, action=action, data_elements=data_elements, purpose=context.purpose,
        case_number=context.case_number, result_count=result_count, request=getattr(request, "_request", request),
        allow_system_purpose=allow_system_purpose,
    )


def access_context_form_response(request, *, error: str = "", allow_system_purpose: bool = False,
                                 what: str = "ALPR data", extra_context: dict | None = None):
    """The page that asks for the purpose and case number, then comes back to the same address (GET)."""
    offered = system_purposes_for(_person(request)) if allow_system_purpose else []
    choices = list(Purpose.choices) + [(value, label) for value, label in SystemPurpose.choices if value in offered]
    keep = [(key, value) for key, value in request.GET.items() if key not in ("purpose", "case_number")]
    return render(request, CONTEXT_FORM_TEMPLATE, {
        "error": error, "choices": choices, "keep": keep, "what": what, "action": request.path,
        "current": access_context_remembered(request, allow_system_purpose=allow_system_purpose),
        "purpose_value": request.GET.get("purpose", ""), "case_value": request.GET.get("case_number", ""),
        **(extra_context or {}),
    }, status=400 if error else 200)


class PlateAccessRequiredMixin:
    """For pages that show plate data: no access context → the form that asks for it; a context → ``self.access``.

    Put it after the permission and training mixins. The view logs with ``self.log_plate_access(...)`` before it
    renders anything (R-AUD-1a).
    """

    access_what = "ALPR data"
    allow_system_purpose = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        self.plate_access_precheck(request, *args, **kwargs)
        try:
            self.access = access_context_from_request(request, allow_system_purpose=self.allow_system_purpose)
        except ApplicationError as exc:
            return access_context_form_response(request, error=exc.message, what=self.access_what,
                                                allow_system_purpose=self.allow_system_purpose)
        if self.access is None:
            return access_context_form_response(request, what=self.access_what,
                                                allow_system_purpose=self.allow_system_purpose)
        return super().dispatch(request, *args, **kwargs)

    def plate_access_precheck(self, request, *args, **kwargs) -> None:
        """Load the view's object here (and keep it on ``self``), raising Http404 (or PermissionDenied) for one the
        person may not see, so that they learn that before being asked why they look."""

    def log_plate_access(self, *, action: str, data_elements: dict, result_count: int | None = None) -> AccessLog:
        return plate_access_log(request=self.request, context=self.access, action=action,
                                data_elements=data_elements, result_count=result_count,
                                allow_system_purpose=self.allow_system_purpose)


# --- Signed links to images (plate crops, vehicle images, uploaded photos) -----------------------------------------
# A link names the person, the object and the access context it was issued under, and expires; the view that serves
# the image logs under that context before sending a byte (R-AUD-1a).


def access_link_token(*, salt: str, object_id: int, kind: str, user, context: AccessContext) -> str:
    return signing.dumps({"o": object_id, "k": kind, "u": user.pk, "p": context.purpose, "c": context.case_number},
                         salt=salt, compress=True)


def access_link_context(*, salt: str, token: str, object_id: int, kind: str, user,
                        max_age: int) -> AccessContext | None:
    """The context a valid link was issued under, or None (bad, expired, or someone else's link)."""
    try:
        value = signing.loads(token or "", salt=salt, max_age=max_age)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or (value.get("o"), value.get("k"), value.get("u")) != (object_id, kind, user.pk):
        return None
    try:
        return access_context_validate(purpose=value.get("p", ""), case_number=value.get("c", ""),
                                       allow_system_purpose=True, user=user)
    except ApplicationError:
        return None
