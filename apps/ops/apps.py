from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations on top of every other app (issue #18): demo seeding (``seed_demo``), the benchmarks (``bench_*``),
    the load test (``loadtest``) and ``serve``, with the per-app demo and benchmark modules they use. Nothing imports
    ops; it may import any app (import-linter's layers contract in pyproject.toml)."""

    name = "apps.ops"
    label = "ops"
    verbose_name = "Operations: demo, benchmarks, load test"
