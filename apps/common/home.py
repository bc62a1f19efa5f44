"""Home-page sections: each capability registers what needs a person's attention, per role.

An app calls ``register_home_section`` in its AppConfig.ready(); the home view shows every section whose roles
intersect the person's roles, in ``order``. A section's ``context`` function returns a dict for its template, or
None to hide itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class HomeSection:
    key: str
    title: str
    roles: frozenset[str]
    template: str
    context: Callable[..., dict | None]
    order: int = 100


_SECTIONS: dict[str, HomeSection] = {}


def register_home_section(section: HomeSection) -> None:
    _SECTIONS[section.key] = section


def home_sections_for(*, user) -> list[dict]:
    shown = []
    for section in sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key)):
        if not (section.roles & user.roles) and not (user.is_superuser and "superuser" in section.roles):
            continue
        context = section.context(user=user)
        if context is None:
            continue
        shown.append({"key": section.key, "title": section.title, "template": section.template, **context})
    return shown
