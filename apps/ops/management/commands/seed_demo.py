"""``manage.py seed_demo``: demo agencies, courses and one login per role (idempotent).

Every capability adds its demo data here, so a newcomer can try each feature with the printed logins.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import user_create
from apps.agencies.models import Agency
from apps.agencies.services import agency_create
from apps.training.models import ALL_SUBJECTS, Course, CourseKind
from apps.training.services import training_record_create

DEMO_PASSWORD = "alpr-demo-2026!"  # noqa: S105 - printed on purpose: demo logins for a laptop, never production

AGENCIES = [
    # name, ori, kind, level, state, deploying, flagged, note
    ("Demo County Sheriff's Department", "CA0190000", "law_enforcement", "county", "CA", True, False,
     "The agency running this portal."),
    ("Los Alamitos Police Department", "CA0194400", "law_enforcement", "municipal", "CA", False, False,
     "California city police: eligible partner."),
    ("Orange County District Attorney", "CA030015A", "prosecutorial", "county", "CA", False, False,
     "California prosecutor: eligible."),
    ("Reno Police Department", "NV0160200", "law_enforcement", "municipal", "NV", False, False,
     "Out of state: ineligible (AG bulletin 2023-DLE-06)."),
    ("U.S. Immigration and Customs Enforcement", "DCICE0000", "law_enforcement", "federal", "DC", False, False,
     "Federal: ineligible."),
    ("Acme Repossession LLC", None, "private", "none", "CA", False, False, "Private company: never eligible."),
    ("Bayview Unified School District Police", "CA0380099", "law_enforcement", "special_district", "CA", False,
     True, "Flagged by the Attorney General for SB 34 non-compliance: ineligible."),
]

PEOPLE = [
    # username, first, last, title or designation (R-ACC-5), roles, agency index, supervisor username, training
    ("sysadmin", "Sam", "Admin", "ALPR system administrator", [Role.SYSADMIN], 0, None, "current"),
    ("custodian", "Carmen", "Ortiz", "Custodian of Records", [Role.CUSTODIAN], 0, None, "current"),
    ("supervisor", "Sofia", "Reyes", "Patrol Sergeant", [Role.SUPERVISOR], 0, None, "current"),
    ("operator", "Owen", "Park", "Deputy, patrol unit 12", [Role.OPERATOR], 0, "supervisor", "current"),
    ("investigator", "Ivy", "Nguyen", "Detective, Major Crimes", [Role.INVESTIGATOR], 0, "supervisor", "current"),
    ("lapsed", "Leo", "Martin", "Detective, Property Crimes", [Role.INVESTIGATOR], 0, "supervisor", "lapsed"),
    ("oversight", "Olga", "Ibarra", "Office of Inspector General", [Role.OVERSIGHT], 0, None, "none"),
    ("partner", "Pat", "Morgan", "Detective, Los Alamitos PD", [Role.PARTNER_REQUESTER], 1, None, "current"),
    # Trained, but without a background check and the policy in force not acknowledged (R-ACC-6, R-ACC-7).
    ("newhire", "Nina", "Lopez", "Crime analyst", [Role.INVESTIGATOR], 0, "supervisor", "current"),
]
CONTRACTORS = {"newhire"}  # independent contractors (R-ACC-5); everyone else is a member of their agency


class Command(BaseCommand):
    help = "Create demo agencies, training courses and one login per role (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Do not print the logins.")

    def handle(self, *args, **options):
        # Demo data raises real alerts (sunsets, follow-ups); keep their e-mails in memory, not on the console,
        # so the printed logins stay readable.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"), transaction.atomic():
            self._seed(options)

    def _seed(self, options):
        today = timezone.localdate()
        agencies = []
        for name, ori, kind, level, state, deploying, flagged, note in AGENCIES:
            agency = Agency.objects.filter(name=name).first() or agency_create(
                actor=None, name=name, ori=ori, kind=kind, government_level=level, state=state,
                is_deploying_agency=deploying, notes=note,
            )
            if flagged and not agency.ag_noncompliance_flagged:
                Agency.objects.filter(pk=agency.pk).update(ag_noncompliance_flagged=True,
                                                            ag_noncompliance_checked_on=today)
            agencies.append(agency)

        initial, _ = Course.objects.get_or_create(
            code="alpr-initial",
            defaults={"title": "ALPR initial training (SB 34, SB 54, agency policy)", "kind": CourseKind.INITIAL,
                      **ALL_SUBJECTS},
        )
        refresher, _ = Course.objects.get_or_create(
            code="alpr-refresher",
            defaults={"title": "ALPR annual refresher", "kind": CourseKind.REFRESHER, **ALL_SUBJECTS},
        )
        # A course that does not cover all three subjects: recorded, but it does not count (R-ACC-2a).
        Course.objects.get_or_create(
            code="alpr-camera-operation",
            defaults={"title": "ALPR camera operation (equipment only)", "kind": CourseKind.INITIAL,
                      "covers_agency_policy": True},
        )

        for username, first, last, title, roles, agency_index, supervisor, training in PEOPLE:
            if User.objects.filter(username=username).exists():
                continue
            user = user_create(
                actor=None, username=username, password=DEMO_PASSWORD, agency=agencies[agency_index], roles=roles,
                first_name=first, last_name=last, job_title=title, email=f"{username}@example.org",
                affiliation="contractor" if username in CONTRACTORS else "member",
                supervisor=User.objects.filter(username=supervisor).first() if supervisor else None,
                validate_password_strength=False,
            )
            if training == "current":
                training_record_create(actor=None, person=user, course=initial,
                                       completed_on=today - timedelta(days=400), instructor="Training Unit")
                training_record_create(actor=None, person=user, course=refresher,
                                       completed_on=today - timedelta(days=30), instructor="Training Unit")
            elif training == "lapsed":
                training_record_create(actor=None, person=user, course=initial,
                                       completed_on=today - timedelta(days=400), instructor="Training Unit")

        from apps.ops.demo.agencies import seed_governance

        seed_governance(people={user.username: user for user in User.objects.filter(
            username__in=[row[0] for row in PEOPLE])}, stdout=None if options["quiet"] else self.stdout)

        from apps.ops.demo.reads import seed_reads

        seed_reads(agency=agencies[0], people={user.username: user for user in User.objects.filter(
            username__in=[row[0] for row in PEOPLE])}, stdout=None if options["quiet"] else self.stdout)

        from apps.ops.demo.disclosures import seed_sharing

        seed_sharing(stdout=None if options["quiet"] else self.stdout)

        from apps.ops.demo.hotlists import seed_hotlists

        seed_hotlists(people={user.username: user for user in User.objects.filter(
            username__in=[row[0] for row in PEOPLE])}, stdout=None if options["quiet"] else self.stdout)

        from apps.ops.demo.shifts import seed_shifts

        seed_shifts(people={user.username: user for user in User.objects.filter(
            username__in=[row[0] for row in PEOPLE])}, stdout=None if options["quiet"] else self.stdout)

        from apps.ops.demo.holds import seed_holds

        seed_holds(people={user.username: user for user in User.objects.filter(
            username__in=[row[0] for row in PEOPLE])}, stdout=None if options["quiet"] else self.stdout)

        from apps.ops.demo.ocr import seed_ocr

        seed_ocr(people={user.username: user for user in User.objects.filter(
            username__in=[row[0] for row in PEOPLE])}, stdout=None if options["quiet"] else self.stdout)

        from apps.ops.demo.reports import seed_oversight_demo

        seed_oversight_demo(password=DEMO_PASSWORD, stdout=None if options["quiet"] else self.stdout)

        from apps.ops.demo.disclosures import seed_released_package

        seed_released_package(stdout=None if options["quiet"] else self.stdout)

        from apps.ops.demo.holds import seed_evidence_export

        seed_evidence_export(people={user.username: user for user in User.objects.filter(
            username__in=[row[0] for row in PEOPLE])}, stdout=None if options["quiet"] else self.stdout)
        from apps.ops.demo.audits import seed_accountability_demo

        seed_accountability_demo(stdout=None if options["quiet"] else self.stdout)
        from apps.ops.demo.misuse import seed_misuse_demo

        seed_misuse_demo(stdout=None if options["quiet"] else self.stdout)

        from apps.ops.demo.accounts import seed_mfa

        seed_mfa(people=User.objects.filter(is_active=True), stdout=None if options["quiet"] else self.stdout)

        from apps.audit.anchors import access_log_anchor

        # Anchor the demo's access log at once (beat does it every 15 minutes), so /transparency/ and
        # verify_access_log show a signed head from the start (R-AUD-1b).
        access_log_anchor()

        if not options["quiet"]:
            self._print_logins()

    def _print_logins(self) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for all: {DEMO_PASSWORD})"))
        # Every demo account, including those each capability's demo data adds (partner agencies, oversight bodies).
        base_order = {username: index for index, (username, *_rest) in enumerate(PEOPLE)}
        people = sorted(User.objects.filter(is_active=True).select_related("agency"),
                        key=lambda user: (base_order.get(user.username, len(base_order)), user.username))
        for user in people:
            role_text = ", ".join(user.role_labels) or "—"
            where = f", {user.agency}" if user.agency and not user.agency.is_deploying_agency else ""
            self.stdout.write(f"  {user.username:<14} {role_text:<28} {user.get_full_name()}, {user.job_title}{where}")
        self.stdout.write("  (lapsed: an investigator whose annual refresher is overdue: shows the training gate)")
        self.stdout.write("  (newhire: a contract analyst without a background check who has not acknowledged the "
                          "policy in force: shows the acknowledgment page and the background-check gate)")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Second factor (MFA): after the password, type the current code of the "
                                             "login's demo authenticator:"))
        self.stdout.write("  .venv/bin/python manage.py demo_totp <username>    e.g. manage.py demo_totp custodian")
        self.stdout.write("  (or add the key it prints to an authenticator app; oversight logins need no second "
                          "factor unless the agency requires it)")
        self.stdout.write("")
