from apps.accounts.roles import Role
from apps.common.home import HomeSection, register_home_section
from apps.notifications.selectors import notification_list_visible_to


def _unread(*, user):
    unread = list(notification_list_visible_to(user=user).filter(read_at__isnull=True)[:20])
    if not unread:
        return None
    return {"notifications": unread}


def register() -> None:
    register_home_section(HomeSection(
        key="notifications.unread", title="Alerts", roles=frozenset(Role.values),
        template="notifications/_home_unread.html", context=_unread, order=5,
    ))
