"""The custodian's review (R-SHR-4, R-SHR-6): approve with a written authorization stored immutably, deny, ask for
more information, close an ineligible request; separation of duties; every transition's audit entry; illegal
transitions refused with nothing changed; records kept (R-SHR-7)."""

import pytest
from django.db import connection, transaction
from django.db.utils import InternalError, ProgrammingError
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.models import AppendOnlyError
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.disclosures.choices import DISCLOSURE_TRANSITIONS, DisclosureStatus, PackageStatus, ReviewAction
from apps.disclosures.models import (
    DisclosureAuthorization,
    DisclosureRequest,
    DisclosureReview,
    RecordRetainedError,
    ReleasePackage,
)
from apps.disclosures.services import decisions, submission
from tests.events import domain_events
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db

SIGN = {"statement": "I authorize the release.", "signer_name": "Carmen Ortiz", "signer_title": "Custodian of Records"}


def approve(actor, request, **overrides):
    return decisions.disclosure_request_approve(actor=actor, disclosure_request=request, **{**SIGN, **overrides})


def codes(request):
    return domain_events("alprportal.disclosures.request", target=request,
                         fields=("code", "data__old_status", "data__new_status"))


@pytest.fixture
def request_(partner, submit, agreement):
    """A partner's request under the agreement in force (required by default, policy 004 §V)."""
    return submit(partner)


@pytest.fixture
def ineligible_request(make_user, submit):
    reno = AgencyFactory(name="Reno Police Department", state="NV", ori="NV0160200")
    return submit(make_user(Role.PARTNER_REQUESTER, agency=reno))


def test_approval_stores_the_written_authorization_and_queues_the_package(custodian, request_,
                                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        approve(custodian, request_)
    request_.refresh_from_db()
    assert request_.status == DisclosureStatus.APPROVED and request_.decided_by == custodian
    authorization = DisclosureAuthorization.objects.get(request=request_)
    assert (authorization.signer_name, authorization.signer_title) == ("Carmen Ortiz", "Custodian of Records")
    assert authorization.custodian == custodian and authorization.signed_at == request_.decided_at
    assert authorization.content_sha256 == authorization.compute_sha256()
    assert authorization.eligibility["eligible"] is True
    review = DisclosureReview.objects.get(request=request_)
    assert (review.action, review.old_status, review.new_status) == (ReviewAction.APPROVED, "submitted", "approved")
    assert ReleasePackage.objects.get(request=request_).status == PackageStatus.QUEUED
    assert len(callbacks) == 2  # the package job and the requester's notice, both after commit
    assert codes(request_)[-1] == ("alprportal.disclosures.request.approved", "submitted", "approved")


def test_the_authorization_is_immutable(custodian, request_):
    approve(custodian, request_)
    authorization = DisclosureAuthorization.objects.get()
    authorization.statement = "Something else"
    with pytest.raises(AppendOnlyError):
        authorization.save()
    with pytest.raises(AppendOnlyError):
        DisclosureAuthorization.objects.filter(pk=authorization.pk).update(statement="x")
    with pytest.raises(AppendOnlyError):
        authorization.delete()
    with pytest.raises((InternalError, ProgrammingError)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE disclosures_disclosureauthorization SET statement = 'edited'")
    assert DisclosureAuthorization.objects.get().statement == SIGN["statement"]


def test_approving_twice_is_refused_and_changes_nothing(custodian, second_custodian, request_):
    approve(custodian, request_)
    with pytest.raises(ApplicationError) as caught:
        approve(second_custodian, request_, signer_name=second_custodian.get_full_name())
    assert caught.value.code == "already_approved"
    assert DisclosureAuthorization.objects.count() == 1 and ReleasePackage.objects.count() == 1
    assert DisclosureReview.objects.count() == 1


def test_separation_of_duties(make_user, partner_agency, second_custodian, submit, agreement):
    """R-SHR-4: nobody approves a request they entered or that came from their own account."""
    both = make_user(Role.PARTNER_REQUESTER, agency=partner_agency, first_name="Dual", last_name="Role")
    from apps.accounts.services import user_roles_apply

    user_roles_apply(both, [Role.PARTNER_REQUESTER, Role.CUSTODIAN])
    request = submit(both)
    for call in (lambda: approve(both, request, signer_name="Dual Role"),
                 lambda: decisions.disclosure_request_deny(actor=both, disclosure_request=request, reason="no"),
                 lambda: decisions.disclosure_request_request_info(actor=both, disclosure_request=request,
                                                                  message="?")):
        with pytest.raises(ApplicationError) as caught:
            call()
        assert caught.value.message == decisions.SEPARATION_OF_DUTIES
    request.refresh_from_db()
    assert request.status == DisclosureStatus.SUBMITTED
    approve(second_custodian, request, signer_name="Chris Lee")
    request.refresh_from_db()
    assert request.status == DisclosureStatus.APPROVED


def test_only_the_custodian_authorizes_and_the_signature_is_their_own_name(sysadmin, custodian, request_):
    with pytest.raises(PermissionDeniedError):
        approve(sysadmin, request_)
    with pytest.raises(ApplicationError) as caught:
        approve(custodian, request_, signer_name="Somebody Else")
    assert caught.value.message == decisions.SIGNATURE_NOT_YOURS.format(name="Carmen Ortiz")
    for field in ("statement", "signer_title"):
        with pytest.raises(ApplicationError):
            approve(custodian, request_, **{field: "  "})
    request_.refresh_from_db()
    assert request_.status == DisclosureStatus.SUBMITTED and not DisclosureAuthorization.objects.exists()


def test_an_ineligible_request_is_closed_with_the_legal_reason(custodian, ineligible_request):
    with pytest.raises(ApplicationError) as caught:
        approve(custodian, ineligible_request)
    assert caught.value.code == "not_eligible" and "not a California agency (NV)" in caught.value.message
    with pytest.raises(ApplicationError) as caught:
        decisions.disclosure_request_deny(actor=custodian, disclosure_request=ineligible_request, reason="No data.")
    assert caught.value.message == decisions.INELIGIBLE_CLOSE_INSTEAD
    decisions.disclosure_request_close_ineligible(actor=custodian, disclosure_request=ineligible_request,
                                                 note="Out of state.")
    ineligible_request.refresh_from_db()
    assert ineligible_request.status == DisclosureStatus.CLOSED
    assert "not a California agency (NV)" in ineligible_request.decision_reason
    assert codes(ineligible_request)[-1] == ("alprportal.disclosures.request.closed_ineligible", "submitted",
                                             "closed")


def test_an_eligible_request_is_not_closed_as_ineligible(custodian, request_):
    with pytest.raises(ApplicationError, match=decisions.ELIGIBLE_CANNOT_CLOSE):
        decisions.disclosure_request_close_ineligible(actor=custodian, disclosure_request=request_)


def test_deny_info_and_answer_each_write_their_audit_entry(custodian, partner, submit):
    request = submit(partner)
    decisions.disclosure_request_request_info(actor=custodian, disclosure_request=request, message="Which vehicle?")
    submission.disclosure_request_respond(actor=partner, disclosure_request=request, message="A white van.")
    decisions.disclosure_request_deny(actor=custodian, disclosure_request=request, reason="Not specific enough.")
    request.refresh_from_db()
    assert request.status == DisclosureStatus.DENIED and request.decision_reason == "Not specific enough."
    assert codes(request) == [
        ("alprportal.disclosures.request.submitted", None, "submitted"),
        ("alprportal.disclosures.request.info_requested", "submitted", "info_requested"),
        ("alprportal.disclosures.request.info_provided", "info_requested", "submitted"),
        ("alprportal.disclosures.request.denied", "submitted", "denied"),
    ]
    assert list(request.reviews.values_list("action", flat=True)) == [ReviewAction.INFO_REQUESTED,
                                                                      ReviewAction.DENIED]


@pytest.mark.parametrize("status", [DisclosureStatus.DENIED, DisclosureStatus.CLOSED, DisclosureStatus.RELEASED])
def test_illegal_transitions_are_refused(custodian, partner, request_, status):
    DisclosureRequest.objects.filter(pk=request_.pk).update(status=status)
    assert DISCLOSURE_TRANSITIONS[status] == frozenset()
    calls = [
        lambda: decisions.disclosure_request_deny(actor=custodian, disclosure_request=request_, reason="x"),
        lambda: decisions.disclosure_request_request_info(actor=custodian, disclosure_request=request_, message="x"),
        lambda: submission.disclosure_request_respond(actor=partner, disclosure_request=request_, message="x"),
    ]
    if status != DisclosureStatus.RELEASED:
        calls.append(lambda: approve(custodian, request_))
    for call in calls:
        with pytest.raises(ApplicationError) as caught:
            call()
        assert caught.value.code == "illegal_transition"
    request_.refresh_from_db()
    assert request_.status == status and not DisclosureReview.objects.exists()


def test_answering_a_request_that_was_not_sent_back_is_refused(partner, request_):
    with pytest.raises(ApplicationError, match="it cannot be answered"):
        submission.disclosure_request_respond(actor=partner, disclosure_request=request_, message="More.")


def test_records_are_kept_for_the_retention_period(custodian, request_, settings):
    """R-SHR-7: the model, the queryset and the admin refuse deletion before the retention date."""
    approve(custodian, request_)
    with pytest.raises(RecordRetainedError):
        request_.delete()
    with pytest.raises(RecordRetainedError):
        DisclosureRequest.objects.all().delete()
    with pytest.raises(RecordRetainedError):
        ReleasePackage.objects.get().delete()
    with pytest.raises(AppendOnlyError):
        DisclosureReview.objects.all().delete()
    assert DisclosureRequest.objects.count() == 1
    # Both in the agency's local calendar (the UTC date is a day ahead from 16:00 or 17:00 Pacific time).
    assert request_.retain_until.toordinal() - timezone.localtime(request_.submitted_at).date().toordinal() >= 730
