"""Every foreign key into a table retention purges is handled (R-RET-4, issue #14 finding 6 "look for the same class
of bug elsewhere").

The keys are *discovered* through Django's model meta (every installed model, auto-created and hidden
``related_name="+"`` ones included), not listed: a new model that refers to reads, hits, hot-list entries, OCR rows or
the access log fails here, with its name, until the purge of that table handles it. A key is handled when

- the database does not enforce it (``db_constraint=False``), or
- the same step deletes the referring rows first (listed earlier in the data class's ``purges``), or
- the purge keeps a referenced row (``references=KEEPS_REFERENCED``) and its guard SQL checks that key, or
- the purge detaches it (``references=DETACHES_REFERENCES``): the key is nullable and is set to null.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models

from apps.common.references import foreign_keys_into
from apps.retention.engine import referenced_sql
from apps.retention.registry import DETACHES_REFERENCES, KEEPS_REFERENCED, data_classes


def _purged():
    for data_class in data_classes():
        for index, label in enumerate(data_class.purges):
            yield data_class, apps.get_model(label), [apps.get_model(x) for x in data_class.purges[:index]]


def _every_key_into_purged_tables():
    cases = []
    for data_class, model, deleted_first in _purged():
        for field in foreign_keys_into(model):
            cases.append(pytest.param(data_class, model, deleted_first, field,
                                      id=f"{data_class.key}:{field.model._meta.label}.{field.name}"))
    return cases


def test_the_registered_purges_declare_what_they_delete():
    declared = {label for data_class in data_classes() for label in data_class.purges}
    assert {"reads.Read", "hotlists.Hit", "hotlists.HotListEntry", "ocr.OcrItem", "audit.AccessLog"} <= declared


def test_discovery_sees_hidden_relations_that_related_objects_misses():
    from apps.audit.models import AccessLog
    from apps.audits.models import AuditSample

    assert AuditSample._meta.get_field("access_log") in foreign_keys_into(AccessLog)
    assert not any(r.related_model is AuditSample for r in AccessLog._meta.related_objects)  # why meta alone failed


@pytest.mark.parametrize(("data_class", "model", "deleted_first", "field"), _every_key_into_purged_tables())
def test_every_foreign_key_into_a_purged_table_is_handled(data_class, model, deleted_first, field):
    where = f"{field.model._meta.label}.{field.name} → {model._meta.label} (step {data_class.key})"
    if field.model in deleted_first:
        return
    if data_class.references == KEEPS_REFERENCED:
        guard = referenced_sql(model, "t", deleted_with=tuple(deleted_first))
        assert f"FROM {field.model._meta.db_table} x WHERE x.{field.column} = t." in guard, where
        return
    if data_class.references == DETACHES_REFERENCES:
        assert field.null, f"{where}: a detached reference must be nullable (the purge sets it to null)"
        assert field.remote_field.on_delete is models.SET_NULL, where
        return
    pytest.fail(f"{where}: the purge neither deletes the referring rows first, keeps referenced rows, nor detaches "
                f"the reference — the nightly run would fail on an IntegrityError")
