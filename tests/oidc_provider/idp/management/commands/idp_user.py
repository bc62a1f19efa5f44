from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand

from idp.validators import MFA_GROUP


class Command(BaseCommand):
    help = "Create, change, disable or delete a person at the test provider."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--password")
        parser.add_argument("--groups", help="comma-separated; replaces the person's groups")
        parser.add_argument("--email", default=None)
        parser.add_argument("--first-name", default=None)
        parser.add_argument("--last-name", default=None)
        parser.add_argument("--mfa", action="store_true", default=None)
        parser.add_argument("--no-mfa", dest="mfa", action="store_false")
        parser.add_argument("--disable", action="store_true")
        parser.add_argument("--delete", action="store_true")

    def handle(self, *args, username, password, groups, email, first_name, last_name, mfa, disable, delete,
               **options):
        if delete:
            User.objects.filter(username=username).delete()
            return
        user, _ = User.objects.get_or_create(username=username)
        for field, value in (("email", email), ("first_name", first_name), ("last_name", last_name)):
            if value is not None:
                setattr(user, field, value)
        if password:
            user.set_password(password)
        if disable:
            user.is_active = False
        user.save()
        names = set(user.groups.values_list("name", flat=True))
        if groups is not None:
            names = {name for name in groups.split(",") if name} | (names & {MFA_GROUP})
        if mfa is not None:
            names = (names | {MFA_GROUP}) if mfa else (names - {MFA_GROUP})
        user.groups.set([Group.objects.get_or_create(name=name)[0] for name in names])
