"""Third-party apps under the names their admin sections show to custodians (issue #17: no "Axes"). Same app label
and tables; only the heading changes."""

from axes.apps import AppConfig as _AxesConfig


class LoginThrottlingConfig(_AxesConfig):
    verbose_name = "Login attempts and lockouts"
