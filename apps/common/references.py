"""Every database foreign key into a model, found through the model meta (R-RET-4).

``Model._meta.related_objects`` leaves out relations declared with ``related_name="+"``, yet the database enforces
those too: a purge that trusts it deletes rows something still refers to and fails on the IntegrityError. Purges
(the access log, reads, hot-list entries, …) ask here instead.
"""

from __future__ import annotations

from django.apps import apps
from django.db import models


def foreign_keys_into(model: type[models.Model]) -> list[models.ForeignKey]:
    """Concrete foreign keys (and one-to-one keys) of every installed model, auto-created ones included, that point
    at ``model`` and that the database enforces (``db_constraint``, or the triggers of ``apps.common.fields`` that
    replace it where the target is partitioned), hidden (``related_name="+"``) ones included."""
    found = []
    for candidate in apps.get_models(include_auto_created=True):
        for field in candidate._meta.get_fields(include_hidden=True):
            if (getattr(field, "concrete", False) and field.is_relation and (field.many_to_one or field.one_to_one)
                    and field.remote_field.model is model
                    and (getattr(field, "db_constraint", True) or getattr(field, "integrity_by_trigger", False))
                    and field.model is candidate):
                found.append(field)
    return found
