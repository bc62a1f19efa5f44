"""Template context every page needs: the person's roles and the navigation they may use."""

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from apps.accounts.roles import INTERNAL_ROLES, Role

# (label, url name, roles that see it, permission required or None). A link is shown only if the person has a role
# listed AND the permission; the view checks the same again (the menu is a convenience, never the control).
NAVIGATION = [
    ("Home", "home", set(Role.values), None),
    # Only staff who touch ALPR data keep training (oversight and partner accounts have none to keep).
    ("My training", "training:mine", set(INTERNAL_ROLES), None),
    ("Plate search", "reads:search", {Role.INVESTIGATOR, Role.SUPERVISOR, Role.SYSADMIN}, "reads.query_reads"),
    ("Evidence holds", "holds:list", {Role.INVESTIGATOR, Role.SUPERVISOR, Role.CUSTODIAN, Role.SYSADMIN},
     "holds.view_evidencehold"),
    ("Retention", "retention:policy", {Role.CUSTODIAN, Role.SYSADMIN}, "retention.view_retentionpolicy"),
    ("Hits", "hotlists:hits", {Role.OPERATOR, Role.SUPERVISOR, Role.INVESTIGATOR}, "hotlists.view_hit"),
    ("Hot lists", "hotlists:list", {Role.OPERATOR, Role.INVESTIGATOR, Role.SUPERVISOR, Role.SYSADMIN},
     "hotlists.view_hotlist"),
    ("Unit sign-on", "shifts:sign_on", {Role.OPERATOR}, "shifts.add_unitsignon"),
    ("ALPR usage", "hotlists:usage", {Role.SUPERVISOR, Role.SYSADMIN}, "hotlists.view_usage_report"),
    ("Justification reviews", "justifications:queue", {Role.SUPERVISOR}, "justifications.review_justifications"),
    ("Hot-list quality", "hotlists:quality", {Role.SUPERVISOR, Role.SYSADMIN}, "hotlists.view_usage_report"),
    ("Shift gaps", "shifts:gaps", {Role.SUPERVISOR}, "shifts.view_shiftgapreview"),
    ("Exigent reviews", "hotlists:exigent_queue", {Role.SUPERVISOR}, "hotlists.review_exigent_hit"),
    ("Photo OCR", "ocr:upload", {Role.OPERATOR, Role.INVESTIGATOR, Role.SUPERVISOR, Role.SYSADMIN}, "ocr.add_ocrjob"),
    ("Cameras", "reads:cameras", {Role.OPERATOR, Role.SUPERVISOR, Role.SYSADMIN}, None),
    ("Disclosure requests", "disclosures:list", {Role.PARTNER_REQUESTER}, "disclosures.add_disclosurerequest"),
    ("Enter a written request", "disclosures:enter", {Role.CUSTODIAN, Role.SYSADMIN},
     "disclosures.enter_disclosurerequest"),
    ("Report a violation", "audits:violations", {Role.OPERATOR, Role.INVESTIGATOR, Role.SUPERVISOR, Role.CUSTODIAN,
                                                  Role.SYSADMIN}, "audits.add_violationreport"),
    ("Query audits", "audits:list", {Role.SUPERVISOR, Role.CUSTODIAN}, "audits.view_auditcampaign"),
    ("Misuse flags", "misuse:list", {Role.SUPERVISOR, Role.CUSTODIAN}, "misuse.review_misuseflags"),
    ("Oversight reports", "reports:list", {Role.CUSTODIAN, Role.OVERSIGHT}, "reports.view_oversightreport"),
    ("Audit summaries", "audits:summaries", {Role.OVERSIGHT}, "audits.view_audit_summary"),
    ("Access log", "audit:access_log", {Role.SUPERVISOR, Role.CUSTODIAN, Role.SYSADMIN}, "audit.view_accesslog"),
    ("Security incidents", "audit:incidents", {Role.CUSTODIAN, Role.SYSADMIN}, "audit.view_securityincident"),
    ("Administration", "admin:index", {Role.CUSTODIAN, Role.SYSADMIN}, None),
    ("API docs", "api-docs", {Role.INVESTIGATOR, Role.SYSADMIN}, None),
]


def _nav_for(user) -> list[dict]:
    items = []
    for label, url_name, roles, permission in NAVIGATION:
        if not (user.roles & roles):
            continue
        if permission and not user.has_perm(permission):
            continue
        try:
            items.append({"label": label, "url": reverse(url_name), "name": url_name})
        except NoReverseMatch:
            continue
    return items


def portal(request):
    user = getattr(request, "user", None)
    context = {"agency_name": settings.PORTAL["AGENCY_NAME"]}
    if user is not None and user.is_authenticated:
        context["nav_items"] = _nav_for(user)
        context["user_role_labels"] = user.role_labels
    return context
