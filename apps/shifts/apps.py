from django.apps import AppConfig


class ShiftsConfig(AppConfig):
    name = "apps.shifts"
    label = "shifts"
    verbose_name = "Patrol shifts: unit sign-on and gap reviews"

    def ready(self) -> None:
        from apps.shifts.home import register

        register()
