"""Routes discovered from the URLconf, shared by the crawler (tests/test_plate_crawler.py) and the generated
object-level authorization tests (tests/test_object_routes.py): nothing here lists a route by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib import admin
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver

# Which seeded object fills a URL keyword. Keyed by (path prefix, keyword): a route whose keyword is not here fails
# the crawl by name, so a new kind of object route cannot be skipped silently.
KWARG_SOURCES: dict[tuple[str, str], str] = {
    ("training/records/", "pk"): "training.TrainingRecord",
    ("reads/cameras/", "pk"): "reads.Camera",
    ("reads/", "pk"): "reads.Read",
    ("reads/", "kind"): "kind",
    ("hotlists/hits/", "pk"): "hotlists.Hit",
    ("hotlists/hits/", "kind"): "kind",
    ("hotlists/", "pk"): "hotlists.HotList",
    ("hotlists/", "entry_pk"): "hotlists.HotListEntry",
    ("hotlists/", "import_pk"): "hotlists.HotListImport",
    ("hotlists/", "version_pk"): "hotlists.HotListVersion",
    ("hotlists/", "error_pk"): "hotlists.HotListEntryError",
    ("hotlists/", "referral_pk"): "hotlists.HotListEntryReferral",
    ("justifications/", "log_pk"): "audit.AccessLog",
    ("justifications/", "entry_pk"): "hotlists.HotListEntry",
    ("notifications/", "pk"): "notifications.Notification",
    ("shifts/", "pk"): "shifts.UnitSignOn",
    ("shifts/", "camera_pk"): "reads.Camera",
    ("api/v1/shifts/", "pk"): "shifts.UnitSignOn",
    ("audits/", "pk"): "audits.AuditCampaign",
    ("audits/", "sample_pk"): "audits.AuditSample",
    ("audits/violations/", "pk"): "audits.ViolationReport",
    ("audits/violations/", "action"): "violation_action",
    ("misuse/", "pk"): "misuse.MisuseFlag",
    ("audit/incidents/", "pk"): "audit.SecurityIncident",
    ("audit/incidents/", "action"): "incident_action",
    ("audit/query-volume-alerts/", "pk"): "audit.QueryVolumeAlert",
    ("reports/", "pk"): "reports.OversightReport",
    ("reports/", "audience"): "audience",
    ("transparency/summaries/", "pk"): "reports.ReportRendition",
    ("transparency/policies/", "pk"): "agencies.PolicyDocument",
    ("transparency/public-comment/", "pk"): "agencies.PublicComment",
    ("disclosures/", "pk"): "disclosures.DisclosureRequest",
    ("holds/", "pk"): "holds.EvidenceHold",
    ("holds/", "export_id"): "holds.EvidenceExport",
    ("retention/", "pk"): "retention.RetentionRun",
    ("ocr/jobs/", "pk"): "ocr.OcrJob",
    ("ocr/items/", "pk"): "ocr.OcrItem",
    ("api/v1/disclosures/", "pk"): "disclosures.DisclosureRequest",
    ("api/v1/reads/", "pk"): "reads.Read",
    ("api/v1/cameras/", "pk"): "reads.Camera",
    ("api/v1/hits/", "pk"): "hotlists.Hit",
    ("api/v1/hotlists/", "pk"): "hotlists.HotList",
    ("api/v1/ocr/jobs/", "pk"): "ocr.OcrJob",
    ("admin/accounts/user/", "id"): "accounts.User",
    ("admin/disclosures/disclosurerequest/", "attachment_pk"): "disclosures.DisclosureAttachment",
}
CHOICES = {"kind": ["plate_crop", "vehicle_image"], "audience": ["inspector_general", "commission", "public"],
           "violation_action": ["review", "close"], "incident_action": ["scope", "decide", "close"]}


@dataclass
class Route:
    name: str
    pattern: str
    kwargs: list[str] = field(default_factory=list)
    model: type[models.Model] | None = None  # the admin's model, for admin routes


def walk_routes(resolver: URLResolver, namespace: str = "", prefix: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from walk_routes(pattern, inner, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield Route(f"{namespace}{pattern.name}", prefix + str(pattern.pattern),
                        list(pattern.pattern.regex.groupindex))


def admin_model(route_name: str):
    """The model behind an admin route name (``admin:hotlists_hit_change`` → Hit)."""
    short = route_name.removeprefix("admin:")
    for model in admin.site._registry:
        stem = f"{model._meta.app_label}_{model._meta.model_name}_"
        if short.startswith(stem):
            return model
    return None


def discover_routes() -> list[Route]:
    routes = []
    for route in walk_routes(get_resolver()):
        if route.name.startswith("admin:"):
            route.model = admin_model(route.name)
        routes.append(route)
    return routes


def route_path(route: Route, kwargs: dict[str, str]) -> str:
    path = route.pattern
    for kwarg, value in kwargs.items():
        path = re.sub(rf"<(?:\w+:)?{kwarg}>", value, path)
    path = re.sub(r"^\^|\$$", "", path)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: kwargs.get(m.group(1), ""), path)
    return "/" + path.replace("\\", "")


class Rollback(Exception):
    pass


def object_kwargs(route: Route) -> list[tuple[str, type[models.Model]]]:
    """The route's keywords that name an object, with its model, outermost first (``pk`` then ``entry_pk``)."""
    found = []
    for kwarg in route.kwargs:
        source = next((label for (prefix, name), label in sorted(KWARG_SOURCES.items(), key=lambda i: -len(i[0][0]))
                       if name == kwarg and route.pattern.startswith(prefix)), None)
        if source and source not in CHOICES:
            found.append((kwarg, apps.get_model(source)))
    return found


def object_routes() -> list[Route]:
    return [route for route in discover_routes() if not route.name.startswith("admin:") and object_kwargs(route)]
