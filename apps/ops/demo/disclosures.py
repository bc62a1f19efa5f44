"""Demo sharing data for ``manage.py seed_demo`` (idempotent): an active agreement with Los Alamitos PD whose sunset
is within 60 days (so the warning shows), an expired agreement, a request from ``partner`` waiting for the custodian,
a request whose words the SB 54 screening matched although it says "not related" (R-SHR-5a: it waits for a warrant
the custodian examines), and a request from an ineligible (out-of-state) agency, closed with the legal reason
(R-SHR-6)."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.agencies.models import Agency
from apps.agreements.choices import AGREEMENT_TERMS
from apps.agreements.models import Agreement
from apps.agreements.services.drafts import agreement_create
from apps.agreements.services.lifecycle import agreement_activate, agreement_expire
from apps.agreements.services.sunset import agreement_sunset_warn
from apps.audit.choices import Purpose
from apps.disclosures.models import DisclosureRequest

ACTIVE_TITLE = "ALPR data sharing agreement (demo)"
EXPIRED_TITLE = "ALPR data sharing agreement 2024 (demo, expired)"
PARTNER_CASE = "LAPD-DEMO-2026-0142"
INELIGIBLE_CASE = "RPD-DEMO-26-0007"
SCREENED_CASE = "LAPD-DEMO-2026-0188"
INELIGIBLE_USERNAME = "reno.partner"
PAPER_CASE = "LAPD-DEMO-2026-0301"
RECORDS_RELEASE_CASE = "HWD-DEMO-2026-0007"
SECOND_CUSTODIAN_USERNAME = "custodian2"
WATER_DISTRICT = "Harbor Water District"


def _letter_pdf(title: str, body: str) -> SimpleUploadedFile:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    content = HTML(string=f"<h1>{title}</h1><p>{body}</p>",
                   url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()
    return SimpleUploadedFile("written-request.pdf", content, content_type="application/pdf")


def _seed_staff_entered(*, custodian, sysadmin, los_alamitos, now) -> None:
    """R-SHR-9 and R-SHR-1a: a paper request entered by ``custodian`` (who therefore cannot authorize it; the second
    custodian ``custodian2`` can), and an e-mailed request from a public agency that is neither law-enforcement nor
    prosecutorial, which the custodian sees refused with the reason while the records-release path is off."""
    from apps.accounts.services import user_create
    from apps.agencies.services import agency_create
    from apps.disclosures.choices import ReceivedVia
    from apps.disclosures.services.submission import disclosure_request_enter_written

    if not User.objects.filter(username=SECOND_CUSTODIAN_USERNAME).exists():
        from apps.training.models import Course
        from apps.training.services import training_record_create

        second = user_create(
            actor=None, username=SECOND_CUSTODIAN_USERNAME, password="alpr-demo-2026!",  # noqa: S106
            agency=custodian.agency, roles=[Role.CUSTODIAN], first_name="Chris", last_name="Lee",
            job_title="Deputy Custodian of Records", email="custodian2@example.org", validate_password_strength=False,
        )
        for course in Course.objects.filter(code__in=["alpr-initial", "alpr-refresher"]):
            training_record_create(actor=None, person=second, course=course,
                                   completed_on=timezone.localdate() - timedelta(days=30), instructor="Training Unit")
    common = {"purpose": Purpose.PROSECUTION_OR_EXONERATION, "time_from": now - timedelta(days=12), "time_to": now,
              "immigration_related": False, "received_on": timezone.localdate() - timedelta(days=1)}
    if not DisclosureRequest.objects.filter(case_number=PAPER_CASE).exists():
        disclosure_request_enter_written(
            actor=custodian, agency=los_alamitos, received_via=ReceivedVia.PAPER,
            document=_letter_pdf("Request for ALPR data", f"Los Alamitos PD, case {PAPER_CASE}: plate 7ABC123."),
            requesting_person_name="Lt. Dana Flores", requesting_person_title="Lieutenant, Investigations",
            case_number=PAPER_CASE, legal_basis="Penal Code § 496d investigation (letter of the chief).",
            plates=["7ABC123"], **common)
    district = Agency.objects.filter(name=WATER_DISTRICT).first() or agency_create(
        actor=None, name=WATER_DISTRICT, kind="other_public", government_level="special_district", state="CA",
        notes="A public agency that is neither law-enforcement nor prosecutorial (R-SHR-1a).")
    if not DisclosureRequest.objects.filter(case_number=RECORDS_RELEASE_CASE).exists():
        disclosure_request_enter_written(
            actor=sysadmin, agency=district, received_via=ReceivedVia.EMAIL,
            document=_letter_pdf("Records request", "Vehicles at the reservoir gate, plate 8XYZ551."),
            requesting_person_name="Morgan Hale", requesting_person_title="Facilities manager",
            case_number=RECORDS_RELEASE_CASE, legal_basis="Vandalism of district property (records request).",
            plates=["8XYZ551"], **{**common, "purpose": Purpose.CRIME_PREVENTION})


def _agreement_pdf(title: str, partner: str) -> SimpleUploadedFile:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = (f"<h1>{title}</h1><p>Between Demo County Sheriff's Department and {partner}.</p>"
            "<p>Each agency agrees to the terms of Civ. Code §§ 1798.90.5–55 and the sheriff's ALPR policy §V.</p>")
    content = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()
    return SimpleUploadedFile("agreement.pdf", content, content_type="application/pdf")


def _all_terms() -> dict[str, bool]:
    return {f"{side}_attests_{term}": True for side in ("partner", "agency") for term in AGREEMENT_TERMS}


def _signatories(partner: str, day) -> list[dict]:
    return [{"side": "ours", "name": "Robert Luna", "title": "Sheriff", "signed_on": day},
            {"side": "partner", "name": "Chief of Police", "title": f"Chief, {partner}", "signed_on": day}]


def seed_sharing(*, stdout=None) -> None:
    today = timezone.localdate()
    now = timezone.now()
    custodian = User.objects.filter(username="custodian").first()
    sysadmin = User.objects.filter(username="sysadmin").first()
    partner = User.objects.filter(username="partner").first()
    if not (custodian and sysadmin and partner):
        return
    los_alamitos = partner.agency
    orange_da = Agency.objects.filter(name="Orange County District Attorney").first()
    reno = Agency.objects.filter(name="Reno Police Department").first()

    if not Agreement.objects.filter(title=ACTIVE_TITLE, partner_agency=los_alamitos).exists():
        start = today - timedelta(days=320)
        agreement = agreement_create(
            actor=sysadmin, partner_agency=los_alamitos, title=ACTIVE_TITLE, start_date=start,
            sunset_date=today + timedelta(days=45), signed_document=_agreement_pdf(ACTIVE_TITLE, los_alamitos.name),
            attestations=_all_terms(), signatories=_signatories(los_alamitos.name, start),
        )
        agreement_activate(actor=sysadmin, agreement=agreement, today=start)
        agreement_sunset_warn(agreement=agreement, today=today)

    if orange_da and not Agreement.objects.filter(title=EXPIRED_TITLE, partner_agency=orange_da).exists():
        start = today - timedelta(days=400)
        agreement = agreement_create(
            actor=sysadmin, partner_agency=orange_da, title=EXPIRED_TITLE, start_date=start,
            sunset_date=today - timedelta(days=35), signed_document=_agreement_pdf(EXPIRED_TITLE, orange_da.name),
            attestations=_all_terms(), signatories=_signatories(orange_da.name, start),
        )
        agreement_activate(actor=sysadmin, agreement=agreement, today=start)
        agreement_expire(actor=None, agreement=agreement, today=today)

    from apps.disclosures.services.decisions import disclosure_request_close_ineligible
    from apps.disclosures.services.submission import disclosure_request_submit

    if not DisclosureRequest.objects.filter(case_number=PARTNER_CASE).exists():
        disclosure_request_submit(
            actor=partner, requesting_person_name=partner.get_full_name(), requesting_person_title=partner.job_title,
            requesting_person_email=partner.email, purpose=Purpose.PROSECUTION_OR_EXONERATION,
            purpose_details="Vehicle seen leaving a commercial burglary; corroborate the suspect's route.",
            case_number=PARTNER_CASE, legal_basis="Penal Code § 459 investigation; Civ. Code § 1798.90.55(b).",
            plates=["7ABC123", "8XYZ*"], time_from=now - timedelta(days=14), time_to=now,
            immigration_related=False, requester_attested=True,
        )

    if not DisclosureRequest.objects.filter(case_number=SCREENED_CASE).exists():
        disclosure_request_submit(  # R-SHR-5a: "not related", but its words say I.C.E. and a detainer
            actor=partner, requesting_person_name=partner.get_full_name(), requesting_person_title=partner.job_title,
            requesting_person_email=partner.email, purpose=Purpose.WANTED_PERSONS,
            purpose_details="Locate the registered owner for an I.C.E. detainer pick-up.",
            case_number=SCREENED_CASE, legal_basis="Assist outside agency.", plates=["5KLM442"],
            time_from=now - timedelta(days=7), time_to=now, immigration_related=False, requester_attested=True,
        )

    if reno and not DisclosureRequest.objects.filter(case_number=INELIGIBLE_CASE).exists():
        from apps.accounts.services import user_create

        requester = User.objects.filter(username=INELIGIBLE_USERNAME).first() or user_create(
            actor=None, username=INELIGIBLE_USERNAME, password="alpr-demo-2026!", agency=reno,  # noqa: S106
            roles=[Role.PARTNER_REQUESTER], first_name="Riley", last_name="Stone", job_title="Detective, Reno PD",
            email="reno.partner@example.org", validate_password_strength=False,
        )
        request = disclosure_request_submit(
            actor=requester, requesting_person_name="Riley Stone", purpose=Purpose.WANTED_PERSONS,
            case_number=INELIGIBLE_CASE, legal_basis="Nevada arrest warrant.", plates=["6TRJ244"],
            time_from=now - timedelta(days=10), time_to=now, immigration_related=False, requester_attested=True,
        )
        disclosure_request_close_ineligible(actor=custodian, disclosure_request=request,
                                            note="Out-of-state agency (demo).")
    _seed_staff_entered(custodian=custodian, sysadmin=sysadmin, los_alamitos=los_alamitos, now=now)
    if stdout is not None:
        stdout.write(f"  Paper and e-mailed requests (R-SHR-9, R-SHR-1a): {PAPER_CASE} entered by `custodian`, who "
                     f"cannot authorize it — `{SECOND_CUSTODIAN_USERNAME}` can; {RECORDS_RELEASE_CASE} from "
                     f"{WATER_DISTRICT}, refused with the reason while the records-release path is off.")
        stdout.write("  Sharing: an agreement with Los Alamitos PD ending soon, an expired one, a request from "
                     "`partner` waiting for `custodian`, one the SB 54 screening put on the immigration path "
                     "(I.C.E. detainer), a closed request from Reno PD (login reno.partner).")



RELEASED_CASE = "LAPD-DEMO-2026-0097"


def seed_released_package(*, stdout=None) -> None:
    """A request the custodian authorized, with its release package built, so the signed authorization, the
    package download (re-checked at download time, R-SHR-8) and their admin screens can be tried at once."""
    from apps.disclosures.models import ReleasePackage
    from apps.disclosures.packages import release_package_build
    from apps.disclosures.services.decisions import authorization_statement_default, disclosure_request_approve

    custodian = User.objects.filter(username="custodian").first()
    partner = User.objects.filter(username="partner").first()
    if not (custodian and partner) or DisclosureRequest.objects.filter(case_number=RELEASED_CASE).exists():
        return
    from apps.disclosures.services.submission import disclosure_request_submit

    now = timezone.now()
    request = disclosure_request_submit(
        actor=partner, requesting_person_name=partner.get_full_name(), requesting_person_title=partner.job_title,
        requesting_person_email=partner.email, purpose=Purpose.PROSECUTION_OR_EXONERATION,
        purpose_details="Stolen pickup recovered in Los Alamitos; establish where it travelled before the theft.",
        case_number=RELEASED_CASE, legal_basis="Vehicle Code § 10851 investigation; Civ. Code § 1798.90.55(b).",
        plates=["7ABC123"], time_from=now - timedelta(days=20), time_to=now - timedelta(days=1),
        immigration_related=False, requester_attested=True,
    )
    disclosure_request_approve(
        actor=custodian, disclosure_request=request, statement=authorization_statement_default(request),
        signer_name=custodian.get_full_name() or custodian.get_username(), signer_title=custodian.job_title or
        "Custodian of Records",
    )
    for package in ReleasePackage.objects.filter(request=request):
        release_package_build(package_id=package.pk, actor=custodian)
    if stdout is not None:
        stdout.write(f"  Sharing: {RELEASED_CASE} authorized by `custodian`; `partner` can download its release.")
