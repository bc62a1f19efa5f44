"""Roles (R-ACC-1) as Django groups, and the permissions each holds.

ROLE_PERMISSIONS is the single source of truth. Groups are synchronized from it by the data migration
``accounts.0002_role_groups`` and again after every ``migrate`` (later capabilities add their permissions here).
A permission listed here whose model does not exist yet is skipped until it does.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    OPERATOR = "operator", "Operator"
    INVESTIGATOR = "investigator", "Analyst / investigator"
    SUPERVISOR = "supervisor", "Supervisor"
    CUSTODIAN = "custodian", "Custodian of records"
    SYSADMIN = "sysadmin", "System administrator"
    OVERSIGHT = "oversight", "Oversight"
    PARTNER_REQUESTER = "partner_requester", "Partner agency requester"


# Roles whose members use the Django admin (custodians sign disclosures there; administrators manage people).
STAFF_ROLES = frozenset({Role.CUSTODIAN, Role.SYSADMIN})

# Roles that belong to the deploying agency's own staff and touch ALPR data; all need current training (R-ACC-2).
INTERNAL_ROLES = frozenset({Role.OPERATOR, Role.INVESTIGATOR, Role.SUPERVISOR, Role.CUSTODIAN, Role.SYSADMIN})

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.OPERATOR: [
        "audits.add_violationreport",  # R-AUD-4: any member reports violations and errors
        # Hot lists and hits (R-HOT-1, R-HOT-4): see the lists in use and hits; record confirmation and outcome.
        "hotlists.view_hotlist",
        "hotlists.view_hit",
        "hotlists.confirm_hit",
        "reads.add_camerastatusreport",  # report their own unit damaged (R-READ-5)
        # Sign their unit on for each patrol shift, with the start-of-shift inspection (R-OPS-1, R-READ-5a).
        "shifts.add_unitsignon",
        "shifts.view_unitsignon",
        "retention.view_retentionpolicy",
        "ocr.add_ocrjob",  # upload photos for OCR and review their own results (issue #4)
    ],
    Role.INVESTIGATOR: [
        "audits.add_violationreport",  # R-AUD-4: any member reports violations and errors
        # Hot lists (R-HOT-1): enter plates of their cases (with an optional logged back-search); see hits.
        "hotlists.view_hotlist",
        "hotlists.manage_entries",
        "hotlists.view_hit",
        "reads.query_reads",
        "reads.correct_read",
        # Evidence holds (R-RET-3): request, see their own and shared ones (guardian), export for evidence.
        "holds.view_evidencehold",
        "holds.add_evidencehold",
        "holds.add_evidenceexport",
        "retention.view_retentionpolicy",
        "ocr.add_ocrjob",  # upload photos for OCR, review and correct their own results (issue #4)
    ],
    Role.SUPERVISOR: [
        "audits.add_violationreport",  # R-AUD-4: any member reports violations and errors
        # R-AUD-3: the portal's review of its own log flags their team's searches; R-READ-3: they override a case
        # number the records system does not confirm, with a reason.
        "misuse.review_misuseflags",
        "misuse.add_casenumberoverride",
        # Hot lists and hits (R-HOT-1, R-HOT-2, R-HOT-3, R-HOT-4, R-HOT-5); their officers' ALPR usage and spot checks
        # (policy 002, R-AUD-3).
        "hotlists.view_hotlist",
        "hotlists.add_hotlist",
        "hotlists.change_hotlist",
        "hotlists.manage_entries",
        "hotlists.view_hit",
        "hotlists.confirm_hit",
        "hotlists.view_usage_report",
        # R-HOT-7: refer erroneous entries to their originating agency; record data-quality reviews.
        "hotlists.send_referral",
        "hotlists.view_hotlistentryerror",
        "hotlists.view_hotlistqualityreview",
        "hotlists.add_hotlistqualityreview",
        # R-PURP-2: review the justifications of searches without a plate and of "other" hot-list entries.
        "justifications.review_justifications",
        "hotlists.review_exigent_hit",  # actions taken before confirmation (R-HOT-4a)
        # Units of their officers: sign-ons, the shift gap report and its recorded review (R-OPS-1).
        "shifts.add_unitsignon",
        "shifts.view_unitsignon",
        "shifts.view_shiftgapreview",
        "shifts.add_shiftgapreview",
        # Their team's leave, so the review of the access log flags searches made on leave (R-AUD-3).
        "shifts.add_leaveperiod",
        "shifts.view_leaveperiod",
        "audit.view_accesslog",
        "training.view_trainingrecord",
        "training.view_course",
        "accounts.view_team",
        "reads.query_reads",
        "reads.correct_read",
        "reads.view_camera",
        "reads.view_camerastatusreport",
        "reads.add_camerastatusreport",
        # Query audits of their team (R-AUD-3).
        "audits.view_auditcampaign",
        "audits.add_auditcampaign",
        "audits.review_auditcampaign",
        # Evidence holds of their team (R-RET-3): approve or deny, release, export.
        "holds.view_evidencehold",
        "holds.add_evidencehold",
        "holds.approve_evidencehold",
        "holds.release_evidencehold",
        "holds.add_evidenceexport",
        "retention.view_retentionpolicy",
        # Imagery OCR: own uploads; every job's bookkeeping and misreads per engine version (R-HOT-5).
        "ocr.add_ocrjob",
        "ocr.view_ocrjob",
        "ocr.view_ocr_quality",
    ],
    Role.CUSTODIAN: [
        "audits.add_violationreport",  # R-AUD-4: any member reports violations and errors
        "misuse.review_misuseflags",  # R-AUD-3: flags of people who have no supervisor go to the custodian
        # R-SEC-1: the security incident and breach register; R-SEC-2: query-volume alerts.
        "audit.view_securityincident",
        "audit.add_securityincident",
        "audit.change_securityincident",
        "audit.view_queryvolumealert",
        "audits.view_all_violationreports",  # R-AUD-4: counted in the oversight reports
        "audit.view_accesslog",
        "audit.view_domainevent",
        "agencies.view_agency",
        "training.view_trainingrecord",
        "training.view_course",
        "auditlog.view_logentry",
        # Query audits of every user, and their approval (R-AUD-3); oversight reports (R-REP-1, R-REP-2).
        "audits.view_auditcampaign",
        "audits.add_auditcampaign",
        "audits.review_auditcampaign",
        "audits.approve_auditcampaign",
        "audits.view_audit_summary",
        # R-AUD-3a: the yearly schedule and the annual audit-trail inspection (policy 004 §IX).
        "audits.view_audittrailinspection",
        "audits.add_audittrailinspection",
        "reports.view_oversightreport",
        "reports.add_oversightreport",
        "reports.issue_oversightreport",
        "reports.review_oversightreport",
        # Adopted policy documents and the public comment on the public page (R-REP-3a, R-REP-4); who acknowledged
        # which policy version (R-ACC-7).
        "agencies.view_policydocument",
        "agencies.add_policydocument",
        "agencies.view_policyacknowledgment",
        "agencies.view_publiccomment",
        "agencies.add_publiccomment",
        "reports.add_reporttransmittal",  # R-REP-1a: records who sent which rendition to which body
        # Sharing (R-SHR-2, R-SHR-4): agreements and the review and written authorization of disclosures.
        "agreements.view_agreement",
        "agreements.add_agreement",
        "agreements.change_agreement",
        "agreements.view_agreementsignatory",
        "agreements.add_agreementsignatory",
        "agreements.change_agreementsignatory",
        "agreements.view_agreementrenewal",
        "disclosures.view_disclosurerequest",
        "disclosures.change_disclosurerequest",
        "disclosures.review_disclosurerequest",
        "disclosures.authorize_disclosure",
        "disclosures.enter_disclosurerequest",  # paper and e-mailed requests, never authorized by who entered (R-SHR-9)
        "disclosures.view_disclosureauthorization",
        "disclosures.view_releasepackage",
        # Retention (004 §XI: the custodian ensures archiving, deletion and extended-retention requests).
        "retention.view_retentionpolicy",
        "retention.change_retentionpolicy",
        "retention.view_retentionrun",
        "retention.run_retention",
        "holds.view_evidencehold",
        "holds.release_evidencehold",
        "holds.verify_evidencehold",  # verification of extended-retention requests (004 §XI, R-RET-3a)
    ],
    Role.SYSADMIN: [
        "audits.add_violationreport",  # R-AUD-4: any member reports violations and errors
        # R-SEC-1: the security incident and breach register; R-SEC-2: query-volume alerts.
        "audit.view_securityincident",
        "audit.add_securityincident",
        "audit.change_securityincident",
        "audit.view_queryvolumealert",
        # Hot lists: create lists, run imports and feeds (R-HOT-1, R-HOT-2); usage of every officer (R-AUD-3).
        "hotlists.view_hotlist",
        "hotlists.add_hotlist",
        "hotlists.change_hotlist",
        "hotlists.manage_entries",
        "hotlists.view_hit",
        "hotlists.view_usage_report",
        "hotlists.view_hotlistentryerror",
        "hotlists.view_hotlistqualityreview",
        "hotlists.add_hotlistqualityreview",
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_team",
        "agencies.view_agency",
        "agencies.add_agency",
        "agencies.change_agency",
        # Background checks (R-ACC-6, never one's own) and the ALPR Administrator's designation (R-ADM-1); the adopted
        # policy documents (R-REP-3a), acknowledgments (R-ACC-7) and the public comment (R-REP-4).
        "accounts.view_backgroundcheck",
        "accounts.add_backgroundcheck",
        "accounts.view_alpradministratordesignation",
        "accounts.add_alpradministratordesignation",
        "agencies.view_policydocument",
        "agencies.add_policydocument",
        "agencies.view_policyacknowledgment",
        "agencies.view_publiccomment",
        "agencies.add_publiccomment",
        "training.view_course",
        "training.add_course",
        "training.change_course",
        "training.view_trainingrecord",
        "training.add_trainingrecord",
        "audit.view_accesslog",
        "audit.view_domainevent",
        "auditlog.view_logentry",
        "audits.view_audittrailinspection",  # R-AUD-3a: the chain's inspections (a broken chain alerts them too)
        "authtoken.view_tokenproxy",
        "authtoken.add_tokenproxy",
        "authtoken.delete_tokenproxy",
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "axes.view_accessfailurelog",
        "reports.view_oversightprofile",  # which oversight body an oversight account belongs to
        "reports.add_oversightprofile",
        "reports.change_oversightprofile",
        "agreements.view_agreement",
        "agreements.add_agreement",
        "agreements.change_agreement",
        "agreements.view_agreementsignatory",
        "agreements.add_agreementsignatory",
        "agreements.change_agreementsignatory",
        "agreements.view_agreementrenewal",
        "disclosures.view_disclosurerequest",
        "disclosures.enter_disclosurerequest",  # paper and e-mailed requests (R-SHR-9)
        "disclosures.view_disclosureauthorization",
        "disclosures.view_releasepackage",
        "reads.query_reads",
        "reads.correct_read",
        "reads.view_camera",
        "reads.add_camera",
        "reads.change_camera",
        "reads.view_camerastatusreport",
        "reads.add_camerastatusreport",
        "reads.view_cameracredential",
        "reads.add_cameracredential",
        "reads.view_ingestbatch",
        "reads.view_readcorrection",
        # The ALPR System Administrator ensures held data is retained until authorized for deletion (004 §VI).
        "holds.view_evidencehold",
        "holds.release_evidencehold",
        "holds.add_evidenceexport",
        "retention.view_retentionpolicy",
        "retention.view_retentionrun",
        # Imagery OCR: own uploads; every job's bookkeeping and misreads per engine version (R-HOT-5).
        "ocr.add_ocrjob",
        "ocr.view_ocrjob",
        "ocr.view_ocr_quality",
    ],
    Role.OVERSIGHT: [
        # Issued reports (the rendition of their body, apps.reports.selectors) and audit summaries (R-ACC-1).
        "reports.view_oversightreport",
        "audits.view_audit_summary",
        "retention.view_retentionpolicy",
    ],
    Role.PARTNER_REQUESTER: [
        "disclosures.add_disclosurerequest",  # files its own agency's written requests (R-SHR-3); sees them by
        # django-guardian object permission only (R-ACC-4)
    ],
}


def sync_role_groups(apps) -> None:
    """Create one group per role and set its permissions to exactly ROLE_PERMISSIONS (idempotent)."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # Historical app configs have no models module, which create_permissions takes as "no models".
        original = getattr(app_config, "models_module", None)
        app_config.models_module = original or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = original

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=str(role))
        wanted = []
        for dotted in codenames:
            app_label, codename = dotted.split(".", 1)
            permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if permission is not None:
                wanted.append(permission)
        group.permissions.set(wanted)


def sync_role_groups_after_migrate(sender, app_config=None, **kwargs) -> None:
    # post_migrate fires once per app; the last app is enough, and each call is idempotent and cheap.
    from django.apps import apps as global_apps

    if app_config is not None and app_config.label == "accounts":
        sync_role_groups(global_apps)
