from django.apps import AppConfig


class JustificationsConfig(AppConfig):
    name = "apps.justifications"
    label = "justifications"
    verbose_name = "Protected-activity justifications"

    def ready(self) -> None:
        from apps.justifications.home import register

        register()
