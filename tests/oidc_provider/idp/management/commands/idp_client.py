from django.core.management.base import BaseCommand
from oauth2_provider.models import Application


class Command(BaseCommand):
    help = "Register (or update) a confidential OIDC client of the test provider."

    def add_arguments(self, parser):
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--client-secret", required=True)
        parser.add_argument("--redirect-uri", required=True)

    def handle(self, *args, client_id, client_secret, redirect_uri, **options):
        app, _ = Application.objects.get_or_create(client_id=client_id, defaults={
            "name": "ALPR Portal", "client_type": Application.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE, "algorithm": Application.RS256_ALGORITHM,
        })
        app.client_secret = client_secret
        app.redirect_uris = redirect_uri
        app.skip_authorization = True
        app.save()
