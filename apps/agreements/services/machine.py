"""What every agreement service shares: the manager's permission, the stored PDF, and the agreement's state machine
for apps.audit.transitions (AGREEMENT_TRANSITIONS, the refusal, the row's lock, the event codes; R-SHR-2, R-AUD-2)."""

from __future__ import annotations

from django.core.files.base import ContentFile

from apps.agreements.choices import AGREEMENT_TRANSITIONS, AgreementStatus
from apps.agreements.documents import document_validate
from apps.agreements.models import Agreement
from apps.common.errors import ApplicationError, PermissionDeniedError

NOT_ALLOWED = "You may not manage inter-agency agreements."
ILLEGAL_TRANSITION = "The agreement is {current}; it cannot become {target}."

EVENT_PREFIX = "alprportal.agreements.agreement"


def agreement_manager_require(actor) -> None:
    if actor is None:
        return  # the daily job
    if not actor.has_perm("agreements.change_agreement"):
        raise PermissionDeniedError(NOT_ALLOWED, code="agreements_not_allowed")


def _refused(agreement: Agreement, target: str) -> ApplicationError:
    return ApplicationError(
        ILLEGAL_TRANSITION.format(current=agreement.get_status_display().lower(),
                                  target=AgreementStatus(target).label.lower()),
        code="illegal_transition", extra={"from": agreement.status, "to": target},
    )


# The agreement's state machine, for apps.audit.transitions.
AGREEMENT_MACHINE = {"transitions": AGREEMENT_TRANSITIONS, "refuse": _refused}
AGREEMENT_LOCK_RELATED = ("partner_agency",)


def agreement_document_store(field_file, uploaded, *, field: str) -> str:
    document = document_validate(uploaded, field=field, allowed=("pdf",))
    field_file.save("document.pdf", ContentFile(document.content), save=False)
    return document.sha256
