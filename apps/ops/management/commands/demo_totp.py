"""``manage.py demo_totp <username>``: the current 6-digit code of a demo login's authenticator (issue #22).

Only for the fixed demo secrets that ``seed_demo`` enrols (apps.ops.demo.accounts): a person whose device has any
other key is refused, so this command never reveals a real person's codes.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.mfa_devices import totp_code_now
from apps.ops.demo.accounts import DEMO_DEVICE_NAME, demo_totp_key, demo_totp_secret

NOT_A_DEMO_LOGIN = "{username} has no demo authenticator (only seed_demo's demo logins do): nothing to show."


class Command(BaseCommand):
    help = "Print the current TOTP code (and the key) of a demo login's authenticator enrolled by seed_demo."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        key = demo_totp_key(username)
        if not TOTPDevice.objects.filter(user__username=username, name=DEMO_DEVICE_NAME, key=key,
                                         confirmed=True).exists():
            raise CommandError(NOT_A_DEMO_LOGIN.format(username=username))
        code = totp_code_now(key_hex=key)
        self.stdout.write(f"{username}: {code}  (changes every 30 seconds; a code works once. "
                          f"Authenticator app key: {demo_totp_secret(username)})")
