from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "apps.agencies"
    label = "agencies"
    verbose_name = "Agencies"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from apps.agencies.models import Agency, PolicyDocument, PublicComment

        auditlog.register(Agency)
        auditlog.register(PolicyDocument)
        auditlog.register(PublicComment)
