"""Signals other capabilities may listen to (e.g. hot-list matching, R-HOT-3).

``reads_stored`` is sent after the transaction that stored new reads commits, with ``camera_id`` and ``read_ids``.
Receivers should enqueue work (a Celery task) rather than do it inline: ingest must stay fast.
"""

from django.dispatch import Signal

reads_stored = Signal()
