"""Issue #19: the ingest and matching benchmarks report CPU seconds per 1,000 reads of the process AND of the
PostgreSQL backend serving it — read from /proc/<pg_backend_pid()>/stat, so work done by the database is counted
where it happens and work done in Python is not counted twice."""

from __future__ import annotations

import pytest
from django.db import connection

from apps.ops.benchmarks import CpuMeter

pytestmark = pytest.mark.django_db


def _python_work() -> int:
    return sum(i * i for i in range(2_000_000))


def test_the_meter_puts_database_work_on_the_backend_and_python_work_on_the_process():
    database, python = CpuMeter(), CpuMeter()
    with database.measure(), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM generate_series(1, 4000000) AS n WHERE n % 7 = 0")
        assert cursor.fetchone()[0] == 571428
    with python.measure():
        _python_work()
    assert database.backend > 0.1 and database.process < database.backend / 3
    assert python.process > 0.05 and python.backend < 0.05
    per_1000 = database.per_1000(2000)
    assert per_1000["backend_s"] == round(database.backend / 2, 4)
    assert per_1000["total_s"] == round((database.process + database.backend) / 2, 4)


@pytest.mark.django_db(transaction=True)  # the test closes the connection: not inside a test transaction
def test_a_replaced_connection_makes_the_backend_figure_unknown_not_wrong():
    meter = CpuMeter()
    with meter.measure():
        connection.close()  # the next query opens a new backend: the old one's CPU can no longer be read
    assert meter.backend is None and meter.per_1000(1000)["backend_s"] is None
    assert meter.per_1000(1000)["process_s"] >= 0
