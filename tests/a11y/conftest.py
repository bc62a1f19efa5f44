"""The browser journeys' log_in fixture, for the accessibility tests too."""

from tests.journeys.conftest import log_in  # noqa: F401
