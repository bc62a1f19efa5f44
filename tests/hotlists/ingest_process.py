"""A process of its own that stores reads through the ingest service, as a gunicorn or Celery worker does: it keeps
its own compiled hot lists (``apps.hotlists.matching.matcher_cache``) from one batch to the next.

``python -m tests.hotlists.ingest_process <camera id>`` with the test database in ``DATABASE_URL``: each line on
stdin is a JSON list of reads (the ingest API's items); each answer on stdout is the JSON list of the stored read ids.
"""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alprportal.settings_test")
    import django

    django.setup()
    from apps.reads.models import Camera
    from apps.reads.services.ingest import read_batch_ingest

    camera = Camera.objects.get(pk=int(sys.argv[1]))
    for line in sys.stdin:
        result = read_batch_ingest(camera=camera, items=json.loads(line))
        print(json.dumps([item.id for item in result.results]), flush=True)


if __name__ == "__main__":
    main()
