"""Admin add forms take initial values from the query string (``?person=3``). Django hands a relation's value to the
database unchecked when the field is an autocomplete, so ``?person=abc`` answered 500. Values a relation cannot hold
are dropped here, for every ModelAdmin the portal's admin site registers (``apps.audit.admin_site``): the form opens
empty for that field instead of failing.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError


class RelationInitialDataAdminMixin:
    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        for field in self.model._meta.get_fields():
            if not (field.is_relation and field.concrete and field.name in initial):
                continue
            target = field.target_field
            values = initial[field.name]
            values = values if isinstance(values, list) else [values]
            try:
                for value in values:
                    target.to_python(value)
            except (ValidationError, TypeError, ValueError):
                del initial[field.name]
        return initial
