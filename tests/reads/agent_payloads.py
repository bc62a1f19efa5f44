"""Sample OpenALPR / Rekor Scout agent webhook messages (tests/reads/payloads/*.json), written for these tests after
the fields agents send (alpr_group final and preview, heartbeat, alpr_alert). Loaded with their times moved to now."""

from __future__ import annotations

import json
import time
from pathlib import Path

PAYLOADS = Path(__file__).parent / "payloads"
SAMPLE_EPOCH_MS = 1764940000000  # the epoch_start the files were written with
_TIME_KEYS = {"epoch_start", "epoch_end", "timestamp", "cpu_last_update", "last_update", "last_plate_read", "t",
              "epoch_time", "disk_quota_earliest_result"}


def _shift(value, delta: int):
    if isinstance(value, dict):
        return {key: (item + delta if key in _TIME_KEYS and isinstance(item, int) else _shift(item, delta))
                for key, item in value.items()}
    if isinstance(value, list):
        return [_shift(item, delta) for item in value]
    return value


def agent_payload(name: str, *, seconds_ago: float = 60) -> dict:
    """The sample ``name`` (file stem) as the agent would send it now: its times ``seconds_ago`` in the past."""
    payload = json.loads((PAYLOADS / f"{name}.json").read_text())
    return _shift(payload, int(time.time() * 1000 - seconds_ago * 1000) - SAMPLE_EPOCH_MS)
