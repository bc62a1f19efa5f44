"""The portal's admin site: every screen of a model that holds plate data asks why and logs first (R-AUD-1a).

By construction, not by remembering: ``PortalAdminSite.register`` looks at each model as it is registered — by the
portal's own apps and by libraries alike (django-auditlog's change log) — and when the model holds plate data it
mixes ``PlateDataAdminMixin`` into the admin class. The mixin wraps *every* URL the ModelAdmin serves (list, ``?q=``
search, add, change, history, delete, and custom views such as django-auditlog's history), so a new admin class,
view or action of a plate-bearing model cannot skip it. ``tests/test_plate_crawler.py`` proves it over every route.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import admin
from django.db.models.base import ModelBase
from django.http import HttpResponseRedirect
from django.urls import URLPattern

from apps.audit.access_context import (
    access_context_form_response,
    access_context_from_request,
    plate_access_log,
)
from apps.common.admin_initial import RelationInitialDataAdminMixin
from apps.common.errors import ApplicationError

# Models whose rows carry plates in free-form fields (JSON payloads, change diffs, search terms) that field names
# cannot reveal. Everything else is found by ``model_holds_plate_data``.
PLATE_DATA_MODELS = {
    "audit.AccessLog",  # the plates people searched for
    "audit.DomainEvent",  # hit and correction events carry the plate
    "auditlog.LogEntry",  # field diffs of governed records
}
# Models whose plate fields are not ALPR data, with the reason (R-AUD-1a applies to data gathered by ALPR).
NOT_ALPR_DATA = {
    "hotlists.HotListEntry": "a hot list names wanted plates; it is not information gathered by an ALPR system",
    "disclosures.DisclosureRequest": "the plates a partner asks about are its request, not data the cameras gathered; "
                                     "the reads released are logged when packaged and when downloaded",
}
PLATE_BEARING_TARGETS = {"reads.Read", "hotlists.Hit"}
# The portal's records of its own use and changes, which the custodian and the reviewers of the portal's use look at
# under its review purposes (by role, ``apps.audit.access_context.SYSTEM_PURPOSE_ROLES``). Every other plate screen
# shows read data (hits, corrections, …): only an authorized purpose and a case number the agency's formats accept
# open it (R-READ-3), so choosing a review purpose cannot side-step them.
AUDIT_TRAIL_MODELS = {"audit.AccessLog", "audit.DomainEvent", "auditlog.LogEntry", "audit.SecurityIncident"}


def model_holds_plate_data(model) -> bool:
    """A model holds plate data when it is declared to, has a plate or image field, or points to a read or a hit."""
    label = model._meta.label
    if label in PLATE_DATA_MODELS:
        return True
    if label in NOT_ALPR_DATA:
        return False
    for field in model._meta.get_fields():
        name = getattr(field, "name", "")
        if "plate" in name or name in ("vehicle_image", "plate_crop"):
            return True
        related = getattr(field, "related_model", None)
        if field.concrete and related is not None and related._meta.label in PLATE_BEARING_TARGETS:
            return True
    return False


class PlateDataAdminMixin:
    """Every admin view of the model: training gate, then the purpose and case number, then one access-log row
    (R-AUD-1a). People without the model's view permission get the admin's own refusal and are never asked."""

    plate_access_allow_system_purpose = False  # True for the audit trail (AUDIT_TRAIL_MODELS), set by register()

    def get_urls(self):
        urls = super().get_urls()
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                pattern.callback = self._plate_access_view(pattern.callback, pattern.name or "view")
        return urls

    def _plate_access_view(self, view, name: str):
        from apps.training.gate import access_gate_redirect

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not (user.is_active and user.is_staff and self._may_use(request, name)):
                return view(request, *args, **kwargs)  # the admin refuses by itself, showing nothing
            blocked = access_gate_redirect(request)
            if blocked is not None:
                return blocked
            allow_system = self.plate_access_allow_system_purpose
            try:
                context = access_context_from_request(request, allow_system_purpose=allow_system)
            except ApplicationError as exc:
                return self._ask_for_context(request, error=exc.message)
            if context is None:
                return self._ask_for_context(request)
            if "purpose" in request.GET or "case_number" in request.GET:
                # The admin would read them as list filters: they are remembered now, so drop them from the address.
                query = request.GET.copy()
                query.pop("purpose", None)
                query.pop("case_number", None)
                return HttpResponseRedirect(request.path + (f"?{query.urlencode()}" if query else ""))
            plate_access_log(
                request=request, context=context, action=f"admin.{self.model._meta.label_lower}.{name}",
                data_elements={"screen": name, "object_id": kwargs.get("object_id"),
                               "query": dict(request.GET.items())},
                allow_system_purpose=allow_system,
            )
            return view(request, *args, **kwargs)

        return wrapper

    def _may_use(self, request, name: str) -> bool:
        if name.endswith("_add"):
            return self.has_add_permission(request)
        if name.endswith("_delete"):
            return self.has_delete_permission(request)
        return self.has_view_or_change_permission(request)

    def _ask_for_context(self, request, *, error: str = ""):
        return access_context_form_response(
            request, error=error, allow_system_purpose=self.plate_access_allow_system_purpose,
            what=str(self.model._meta.verbose_name_plural),
            extra_context={**self.admin_site.each_context(request), "base_template": "admin/base_site.html",
                           "title": "Purpose and case number"},
        )


class PortalAdminSite(admin.AdminSite):
    site_header = "ALPR Portal administration"
    site_title = "ALPR Portal"
    index_title = "Records and people"

    def register(self, model_or_iterable, admin_class=None, **options):
        models = [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else list(model_or_iterable)
        for model in models:
            cls = admin_class or admin.ModelAdmin
            if model_holds_plate_data(model) and not issubclass(cls, PlateDataAdminMixin):
                cls = type(f"PlateData{cls.__name__}", (PlateDataAdminMixin, cls), {
                    "__module__": cls.__module__,
                    "plate_access_allow_system_purpose": model._meta.label in AUDIT_TRAIL_MODELS,
                })
            if not issubclass(cls, RelationInitialDataAdminMixin):
                cls = type(cls.__name__, (RelationInitialDataAdminMixin, cls), {"__module__": cls.__module__})
            super().register(model, cls, **options)
