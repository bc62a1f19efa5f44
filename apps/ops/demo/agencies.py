"""Demo data of people and governance (seed_demo): background checks (R-ACC-6), the ALPR Administrator and its history
(R-ADM-1), the adopted policy documents as PDFs generated here (R-REP-3a), staff acknowledgments of the policy in
force (R-ACC-7), a course required of everyone by a date (R-ACC-2a), and the public comment held before the program
(R-REP-4). Idempotent: each piece is created only when missing."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.accounts.models import AlprAdministratorDesignation, BackgroundCheck, User
from apps.agencies.models import PolicyAcknowledgment, PolicyDocument, PolicyDocumentKind, PublicComment
from apps.agencies.selectors import agency_get_deploying

# The demo person who shows the gates: trained, but no background check and the policy in force not acknowledged.
NEWHIRE_USERNAME = "newhire"
POLICY_TITLE = "ALPR Usage and Privacy Policy"
REQUIRED_COURSE_CODE = "alpr-law-update-2026"


def _pdf(name: str, title: str, paragraphs: list[str]) -> SimpleUploadedFile:
    """A small PDF rendered by WeasyPrint with no network access (nothing committed as a binary)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    body = "".join(f"<p>{escape(text)}</p>" for text in paragraphs)
    html = f"<html><body><h1>{escape(title)}</h1>{body}</body></html>"
    content = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()
    return SimpleUploadedFile(name, content, content_type="application/pdf")


POLICY_TEXT = [
    "I. Purpose. ALPR data may be accessed only for the investigation of crimes, locating wanted persons, enforcing "
    "court orders, crime prevention and analysis, investigative leads, and life-saving efforts. Civil immigration "
    "enforcement is never a purpose (SB 54).",
    "II. Persons authorized. Designated personnel who completed the ALPR training, acknowledged this policy and "
    "passed a background check may query ALPR data under their own account.",
    "III. Protected activities. No search may be based solely on religious, political or social views or "
    "activities, lawful events, or race, ethnicity, citizenship, origin, age, disability, gender or sexual "
    "orientation.",
    "VI. Retention. Reads are kept two years, then archived and purged unless held as evidence.",
    "VII. Training. An initial course covering SB 34, SB 54 and this policy, and an annual refresher.",
    "VIII-X. Every query is logged with its purpose and case number; audits are held yearly; reports go to the "
    "Office of Inspector General and the Civilian Oversight Commission every six months.",
]


def seed_governance(*, people: dict[str, User], stdout=None) -> None:
    from apps.accounts.services import alpr_administrator_designate, background_check_record
    from apps.agencies.services import policy_acknowledge, policy_document_publish, public_comment_record
    from apps.training.models import ALL_SUBJECTS, Course, CourseKind

    today = timezone.localdate()
    agency = agency_get_deploying()
    sysadmin, custodian, supervisor = (people.get(name) for name in ("sysadmin", "custodian", "supervisor"))
    if agency is None or sysadmin is None or custodian is None:
        return

    # R-ACC-6: background checks of the agency's staff (the administrator's own recorded by the custodian).
    for username, person in people.items():
        if username == NEWHIRE_USERNAME or not person.is_internal or person.agency_id != agency.pk:
            continue
        if not BackgroundCheck.objects.filter(person=person).exists():
            background_check_record(actor=custodian if person.pk == sysadmin.pk else sysadmin, person=person,
                                    completed_on=today - timedelta(days=500), reference=f"BI-{person.pk:05d}")

    # R-ADM-1: the sergeant served as ALPR Administrator until the administrator took over (history kept).
    if not AlprAdministratorDesignation.objects.filter(agency=agency).exists():
        if supervisor is not None:
            alpr_administrator_designate(actor=custodian, agency=agency, person=supervisor,
                                         title="Patrol Sergeant, acting ALPR Administrator",
                                         effective_from=today - timedelta(days=800))
        alpr_administrator_designate(actor=custodian, agency=agency, person=sysadmin,
                                     title="Lieutenant, Advanced Surveillance and Protection Unit",
                                     effective_from=today - timedelta(days=200))

    # R-REP-3a: the adopted documents (two versions of the policy, one related order), generated as PDFs.
    documents = [
        (PolicyDocumentKind.USAGE_PRIVACY, POLICY_TITLE, "2025-1", today - timedelta(days=420), "First adoption."),
        (PolicyDocumentKind.USAGE_PRIVACY, POLICY_TITLE, "2026-1", today - timedelta(days=30),
         "Adds the background check (§II) and the protected-activities attestation (§III)."),
        (PolicyDocumentKind.PROCEDURE, "Special Order 24-01: ALPR field operations", "1",
         today - timedelta(days=420), "Shift sign-on, hit confirmation, damaged units."),
    ]
    for kind, title, version, effective_on, summary in documents:
        if PolicyDocument.objects.filter(kind=kind, title=title, version=version).exists():
            continue
        text = POLICY_TEXT if kind == PolicyDocumentKind.USAGE_PRIVACY else [
            "Officers sign each ALPR unit on at the start of every shift and record the hot-list version loaded.",
            "A hit is not probable cause: confirm it with dispatch or CLETS before acting.",
            "Report damaged or inoperable units at once; the ALPR Administrator is told.",
        ]
        policy_document_publish(
            actor=custodian, kind=kind, title=title, version=version, effective_on=effective_on,
            document=_pdf(f"{title.split(':')[0].lower().replace(' ', '-')}-{version}.pdf",
                          f"{agency.name}: {title}, version {version}", [f"Effective {effective_on:%B %-d, %Y}.",
                                                                         *text]),
            change_summary=summary,
        )

    # R-ACC-7: every staff member but the new hire acknowledged the version in force.
    current = PolicyDocument.objects.filter(kind=PolicyDocumentKind.USAGE_PRIVACY, effective_on__lte=today).order_by(
        "-effective_on").first()
    for username, person in people.items():
        if username == NEWHIRE_USERNAME or not person.is_internal or current is None:
            continue
        if not PolicyAcknowledgment.objects.filter(person=person, document=current).exists():
            policy_acknowledge(actor=person, document=current)

    # R-ACC-2a: training on a newly enacted law, required of everyone in 60 days (nobody is blocked yet).
    Course.objects.get_or_create(code=REQUIRED_COURSE_CODE, defaults={
        "title": "2026 ALPR law update", "kind": CourseKind.REFRESHER, "required_by": today + timedelta(days=60),
        **ALL_SUBJECTS,
    })

    # R-REP-4: the public comment before the program began.
    if not PublicComment.objects.exists():
        public_comment_record(
            actor=custodian, governing_body="Board of Supervisors, County of Demo", held_on=date(2019, 3, 12),
            agenda_item="Item 14: Sheriff's automated license plate recognition program",
            summary="Eleven members of the public spoke; the Board approved the program with the usage and privacy "
                    "policy attached.",
            minutes_url="https://example.org/board-of-supervisors/2019-03-12/minutes",
            minutes_document=_pdf("minutes-2019-03-12.pdf", "Board of Supervisors: minutes of March 12, 2019", [
                "Item 14. Public comment on the Sheriff's ALPR program (Civ. Code § 1798.90.55(a)).",
                "Eleven speakers. The Board approved the program 4-1.",
            ]),
        )
    if stdout is not None:
        stdout.write("People and governance: background checks, ALPR Administrator, policy documents, public comment "
                     "(see /transparency/; log in as newhire to see the policy acknowledgment and background-check "
                     "gates).")
