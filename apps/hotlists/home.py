"""Home-page sections: the hot lists in use at the start of a shift (stale ones flagged), and open hits."""

from django.utils import timezone

from apps.accounts.roles import Role
from apps.common.home import HomeSection, register_home_section
from apps.hotlists.choices import HitStatus
from apps.hotlists.models import HotList
from apps.hotlists.selectors import hit_list_visible_to, hot_list_state


def _lists(*, user):
    if not user.has_perm("hotlists.view_hotlist"):
        return None
    now = timezone.now()
    rows = [{"list": hot_list, "state": hot_list_state(hot_list, now=now)}
            for hot_list in HotList.objects.filter(active=True).select_related("current_version")]
    return {"rows": rows, "stale": sum(1 for row in rows if row["state"].stale)}


def _open_hits(*, user):
    if not user.has_perm("hotlists.view_hit"):
        return None
    return {"unconfirmed": hit_list_visible_to(user=user).filter(status=HitStatus.NEW).count()}


def register() -> None:
    register_home_section(HomeSection(
        key="hotlists.hits", title="Hits", roles=frozenset({Role.OPERATOR, Role.SUPERVISOR}),
        template="hotlists/_home_hits.html", context=_open_hits, order=20,
    ))
    register_home_section(HomeSection(
        key="hotlists.lists", title="Hot lists in use this shift",
        roles=frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.SYSADMIN}), template="hotlists/_home_lists.html",
        context=_lists, order=25,
    ))
