"""Drafting an inter-agency agreement (R-SHR-2): the draft, its signed PDF and its signatories."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction

from apps.agreements.choices import AGREEMENT_TERMS, AgreementStatus
from apps.agreements.models import Agreement, AgreementSignatory
from apps.agreements.services.machine import (
    AGREEMENT_LOCK_RELATED,
    EVENT_PREFIX,
    agreement_document_store,
    agreement_manager_require,
)
from apps.audit.services import event_record
from apps.audit.transitions import row_lock
from apps.common.errors import ApplicationError

ONLY_DRAFTS_EDITABLE = "Only a draft agreement can be edited; this one is {current}."


EDITABLE_DRAFT_FIELDS = frozenset({"partner_agency", "title", "start_date", "sunset_date", "notes"} | {
    f"{side}_attests_{term}" for side in ("partner", "agency") for term in AGREEMENT_TERMS})


@transaction.atomic
def agreement_save_draft(*, actor, agreement: Agreement, signed_document=None) -> Agreement:
    """Save a new or changed *draft* agreement (the admin's add/change form ends here). Anything but a draft is a
    signed record and stays as it is. The sunset is validated (≤ one year, R-SHR-2); the PDF is decoded."""
    agreement_manager_require(actor)
    creating = agreement.pk is None
    if not creating:
        current = row_lock(agreement, related=AGREEMENT_LOCK_RELATED)
        if current.status != AgreementStatus.DRAFT:
            raise ApplicationError(ONLY_DRAFTS_EDITABLE.format(current=current.get_status_display().lower()),
                                   code="not_a_draft")
        changed = [name for name in sorted(EDITABLE_DRAFT_FIELDS)
                   if getattr(current, name) != getattr(agreement, name)]
        agreement.status = current.status
    else:
        agreement.status = AgreementStatus.DRAFT
        agreement.created_by = actor if getattr(actor, "pk", None) else None
        changed = []
    if signed_document is not None:
        agreement.signed_document_sha256 = agreement_document_store(agreement.signed_document, signed_document,
                                                                    field="signed agreement")
        changed += ["signed_document", "signed_document_sha256"]
    agreement.full_clean()
    if creating:
        agreement.save()
        event_record(actor=actor, code=f"{EVENT_PREFIX}.created", target=agreement,
                     data={"partner_agency": agreement.partner_agency.name, "start_date": agreement.start_date,
                           "sunset_date": agreement.sunset_date})
    elif changed:
        agreement.save(update_fields=changed)
        event_record(actor=actor, code=f"{EVENT_PREFIX}.draft_updated", target=agreement,
                     data={"fields": changed})
    return agreement


@transaction.atomic
def agreement_create(
    *, actor, partner_agency, title: str, start_date: date, sunset_date: date, signed_document=None,
    attestations: dict[str, bool] | None = None, signatories: Iterable[dict] = (), notes: str = "",
) -> Agreement:
    """Record a draft agreement (R-SHR-2). ``attestations`` maps ``partner_attests_<term>``/``agency_attests_<term>``
    to booleans; ``signatories`` are dicts of side, name, title, signed_on."""
    agreement = Agreement(partner_agency=partner_agency, title=title, start_date=start_date, sunset_date=sunset_date,
                          notes=notes)
    for name, value in (attestations or {}).items():
        if name not in EDITABLE_DRAFT_FIELDS or "_attests_" not in name:
            raise ApplicationError(f"Unknown agreement term “{name}”.", code="unknown_term")
        setattr(agreement, name, bool(value))
    agreement = agreement_save_draft(actor=actor, agreement=agreement, signed_document=signed_document)
    for signatory in signatories:
        agreement_signatory_add(actor=actor, agreement=agreement, **signatory)
    return agreement


@transaction.atomic
def agreement_signatory_add(*, actor, agreement: Agreement, side: str, name: str, title: str,
                            signed_on: date) -> AgreementSignatory:
    agreement_manager_require(actor)
    if Agreement.objects.filter(pk=agreement.pk).exclude(status=AgreementStatus.DRAFT).exists():
        raise ApplicationError(ONLY_DRAFTS_EDITABLE.format(current=agreement.get_status_display().lower()),
                               code="not_a_draft")
    signatory = AgreementSignatory(agreement=agreement, side=side, name=name, title=title, signed_on=signed_on)
    signatory.full_clean()
    signatory.save()
    return signatory
