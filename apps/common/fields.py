"""Foreign keys whose integrity the database keeps with triggers instead of a FOREIGN KEY constraint.

PostgreSQL cannot make a FOREIGN KEY point at a partitioned table unless it names the whole partition key: reads are
partitioned by capture time (``apps.reads.partitions``), so the tables that refer to a read (corrections, agent
alerts, hits, OCR alternates and items) keep ``read_id`` with ``db_constraint=False`` and migration
``reads.0012_partition_reads`` adds, on PostgreSQL, deferred constraint triggers that do what the FOREIGN KEY did:
a row may only refer to a read that exists, and a read may not be deleted while something still refers to it.
Django's ``on_delete`` (CASCADE, SET_NULL) is unchanged: it is done by Django, as before.

``apps.common.references.foreign_keys_into`` counts these as enforced keys (retention keeps what they refer to).

Also here: ``HttpsURLField``, a web address whose forms take one typed without a scheme as https.
"""

from __future__ import annotations

from django.db import models


class _IntegrityByTrigger:
    """No database constraint: triggers keep the integrity (see the module docstring); migrations never say so."""

    integrity_by_trigger = True

    def __init__(self, *args, **kwargs):
        kwargs["db_constraint"] = False
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("db_constraint", None)
        return name, path, args, kwargs


class TriggerCheckedForeignKey(_IntegrityByTrigger, models.ForeignKey):
    """A ForeignKey without a database constraint whose integrity is kept by triggers (see the module docstring)."""


class TriggerCheckedOneToOneField(_IntegrityByTrigger, models.OneToOneField):
    """A OneToOneField without a database constraint whose integrity is kept by triggers (see the module docstring)."""


class HttpsURLField(models.URLField):
    """A web address that, typed without a scheme in any form, is taken as https (Django 6's default; Django 5 takes
    http and warns on every form built from a plain ``URLField``, the admin's read-only screens included)."""

    def formfield(self, **kwargs):
        return super().formfield(**{"assume_scheme": "https", **kwargs})
