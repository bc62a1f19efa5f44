"""``manage.py camera_token <camera id or name>``: issue (or rotate) a camera's ingest token and print it once;
``--revoke [--reason …]`` revokes it (R-SEC-2). Tokens expire after ``CAMERA_TOKEN_LIFETIME_DAYS``."""

from django.core.management.base import BaseCommand, CommandError

from apps.reads.models import Camera
from apps.reads.services.tokens import camera_token_issue, camera_token_revoke


class Command(BaseCommand):
    help = "Issue a new ingest token for a camera (revoking its current one), or revoke it with --revoke."

    def add_arguments(self, parser):
        parser.add_argument("camera", help="Camera id or exact name.")
        parser.add_argument("--revoke", action="store_true", help="Only revoke the current token.")
        parser.add_argument("--reason", default="", help="Why the token is revoked (recorded).")

    def handle(self, *args, camera, revoke=False, reason="", **options):
        found = Camera.objects.filter(pk=int(camera)).first() if camera.isdigit() else None
        found = found or Camera.objects.filter(name=camera).first()
        if found is None:
            raise CommandError(f"No camera with id or name “{camera}”.")
        if revoke:
            count = camera_token_revoke(actor=None, camera=found,
                                        reason=reason or "Revoked with manage.py camera_token.")
            self.stdout.write(f"Revoked {count} token(s) of {found}.")
            return
        credential, raw_token = camera_token_issue(actor=None, camera=found)
        self.stdout.write(f"New ingest token for {found} (id {found.pk}); the previous one no longer works. "
                          f"It expires on {credential.expires_at:%Y-%m-%d}.")
        self.stdout.write("Store it in the camera's configuration now: it is not shown again.")
        self.stdout.write(raw_token)
