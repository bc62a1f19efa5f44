"""R-AUD-1a: the live hits feed the hits page polls shows plate data, so a bad poll must be refused before anything
is shown or logged, with a clear message — never a 500. Found by the helper-5 attack (2026-12-05): a ``since`` that
is well formed but no moment (``2026-02-30T00:00:00``, an offset of ``+99:00``) raised ValueError (500)."""

from __future__ import annotations

import pytest

from apps.audit.models import AccessLog
from apps.hotlists.api.views import SINCE_INVALID

pytestmark = pytest.mark.django_db

ACCESS = {"purpose": "crime_prevention", "case_number": "INC-26-000001"}


@pytest.mark.parametrize("since", ["2026-02-30T00:00:00", "2026-01-01T00:00:00+99:00", "yesterday"])
def test_a_poll_with_a_since_that_is_no_moment_is_refused_and_shows_nothing(api_client, operator, hit, since):
    api_client.force_authenticate(operator)
    response = api_client.get("/api/v1/hits/", {"after": 1, "since": since, **ACCESS})
    assert response.status_code == 400, response.content[:300]
    error = response.json()["error"]
    assert error["code"] == "since_invalid"
    assert error["message"].startswith(SINCE_INVALID.split("{")[0])
    assert "7ABC123" not in response.content.decode()
    assert AccessLog.objects.count() == 0


def test_a_poll_with_the_previous_server_time_follows_changes(api_client, operator, hit):
    api_client.force_authenticate(operator)
    first = api_client.get("/api/v1/hits/", ACCESS).json()
    assert [row["plate"] for row in first["hits"]] == ["7ABC123"]
    again = api_client.get("/api/v1/hits/", {"after": first["last_id"], "since": first["server_time"], **ACCESS})
    assert again.status_code == 200 and again.json()["hits"] == []
    assert AccessLog.objects.count() == 1  # the second answer showed no hit
