"""R-AUD-3 with R-READ-3: searches whose case number the records system could not confirm (it was unreachable) are
flagged; searches whose number only had its format checked because the agency connects no records system are not —
that is the agency's configuration, not a person's doing."""

from __future__ import annotations

import pytest

from apps.misuse.choices import FlagKind, RmsMode
from apps.misuse.models import MisuseFlag, RmsConnection
from tests.misuse.support import day_of, log, moment, review

pytestmark = pytest.mark.django_db


def test_a_number_the_unreachable_records_system_could_not_confirm_is_flagged_and_format_only_is_not(
        agency, formats, ivy, leo):
    # R-READ-3: no records system connected: leo's number is format-checked only, and recorded so.
    plain = log(leo, moment(day_of(3)), case_number="2026-000555")
    assert plain.data_elements["case_verification"]["status"] == "format_checked"
    assert plain.data_elements["case_verification"].get("rms", "") != "unavailable"
    # R-READ-3: the agency's records system is connected but does not answer: ivy's searches go through, unconfirmed.
    RmsConnection.objects.create(agency=agency, mode=RmsMode.HTTP, http_url="http://127.0.0.1:9/lookup",
                                 timeout_seconds=0.5)
    rows = [log(ivy, moment(day_of(2), 9 + n), plate=f"7UNV00{n}", case_number="2026-000999") for n in range(2)]
    assert {row.data_elements["case_verification"]["rms"] for row in rows} == {"unavailable"}
    review()
    flags = list(MisuseFlag.objects.filter(kind=FlagKind.CASE_UNVERIFIED))
    assert [(f.subject, f.details["case_number"], f.row_seqs) for f in flags] == [
        (ivy, "2026-000999", [row.seq for row in rows])]
    assert flags[0].reason == ("2 searches under case number 2026-000999, not confirmed (records system "
                               "unavailable).")
    assert not MisuseFlag.objects.filter(subject=leo).exists()
