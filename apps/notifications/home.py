from apps.accounts.roles import Role
from apps.common.home import HomeSection, register_home_section
from apps.notifications.models import Notification


def _unread(*, user):
    unread = list(Notification.objects.filter(recipient=user, read_at__isnull=True)[:20])
    if not unread:
        return None
    return {"notifications": unread}


def register() -> None:
    register_home_section(HomeSection(
        key="notifications.unread", title="Alerts", roles=frozenset(Role.values),
        template="notifications/_home_unread.html", context=_unread, order=5,
    ))
