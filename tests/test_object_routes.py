"""Generated object-level authorization (R-ACC-1, R-AUD-1a): every route that opens an object × every demo login ×
objects each login can and cannot see, on the demo data. Nothing here names a route.

- **The oracle is the selectors.** Each app's ``selectors`` module says who may see what through functions named
  ``<entity>_list_visible_to(*, user)`` (all a person may see) and other ``*_visible_to(*, user)`` (more ways to
  see some); they are discovered, not listed. A model without a ``_list_`` one is also judged through its parent
  (an OCR item through its job, a hot-list entry through its list). A model with neither fails
  ``test_every_object_route_has_a_visibility_oracle`` by name.
- **Another's object is 404.** For every object route (from the URLconf), GET and POST, each login asks for an object
  the oracle hides from them. The answer must refuse: 404, or 401/403/405 or a redirect to sign in or to training
  when the login may not use the route at all (403 without permission). When the same login gets a real answer for
  an object it can see, the hidden one must be exactly 404, so an id's existence never leaks.
- **URL tampering.** A route with two ids (a hot list and its entry, a hold and its export) given a child of another
  parent refuses.
- **Admin screens follow the model permissions.** Every registered ModelAdmin's list, change, history and delete
  screens: people who are not staff are sent to the admin's sign-in; staff without the model's view/change (or
  delete) permission get 403.

Every request runs in a savepoint that is rolled back, so a POST that would change something changes nothing.
"""

from __future__ import annotations

import inspect
import pkgutil
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.db import models, transaction
from django.urls import reverse

from apps.accounts.models import User
from tests.route_discovery import CHOICES, KWARG_SOURCES, Rollback, Route, object_kwargs, object_routes, route_path

PRINCIPALS = ["anonymous", "sysadmin", "custodian", "supervisor", "operator", "investigator", "lapsed", "oversight",
              "commission", "partner", "reno.partner"]
REFUSALS = {401, 403, 404, 405}


def visibility_selectors() -> dict[type[models.Model], list]:
    """Every ``*_visible_to(*, user)`` function of every app's modules (``selectors`` and the others, e.g.
    ``apps.audit.security``), by the model of the queryset it returns."""
    found: dict[type[models.Model], list] = {}
    probe = User.objects.filter(is_superuser=False).order_by("pk").first() or AnonymousUser()
    for config in django_apps.get_app_configs():
        if not config.name.startswith("apps."):
            continue
        for module in _app_modules(config.name):
            for name, function in inspect.getmembers(module, inspect.isfunction):
                if function.__module__ != module.__name__ or not name.endswith("_visible_to"):
                    continue
                if list(inspect.signature(function).parameters) != ["user"]:
                    continue
                result = function(user=probe)
                if hasattr(result, "model") and function not in found.get(result.model, []):
                    found.setdefault(result.model, []).append(function)
    return found


def _app_modules(package_name: str):
    """The app's modules that may hold selectors (``selectors`` first); migrations, commands and demos excluded."""
    package = import_module(package_name)
    names = [f"{package_name}.selectors"] + sorted(
        info.name for info in pkgutil.walk_packages(package.__path__, f"{package_name}.")
        if not any(part in info.name for part in (".migrations", ".management", ".demo", ".benchmarks", ".tests")))
    for name in dict.fromkeys(names):
        try:
            yield import_module(name)
        except ModuleNotFoundError:
            continue


class Oracle:
    """Who may see which object, from the selectors, following a model's foreign keys to a parent that has one."""

    def __init__(self):
        self.selectors = visibility_selectors()
        self._cache: dict[tuple[type[models.Model], int | None], set[int]] = {}

    def parent_field(self, model: type[models.Model]):
        for field in model._meta.concrete_fields:
            if field.is_relation and field.many_to_one and not field.null and self.judges(field.related_model):
                return field
        return None

    def judges(self, model: type[models.Model]) -> bool:
        return model in self.selectors or self.parent_field(model) is not None

    def visible(self, model: type[models.Model], user) -> set[int]:
        key = (model, user.pk)
        if key not in self._cache:
            pks: set[int] = set()
            for selector in self.selectors.get(model, []):
                pks.update(selector(user=user).values_list("pk", flat=True))
            # A model without its own ``<entity>_list_visible_to`` is also seen through its parent (an audit sample
            # through its campaign, besides the follow-ups sent to the person).
            if not any(selector.__name__.endswith("_list_visible_to") for selector in self.selectors.get(model, [])):
                parent = self.parent_field(model)
                if parent is not None:
                    parents = self.visible(parent.related_model, user)
                    pks.update(model._default_manager.filter(**{f"{parent.attname}__in": parents})
                               .values_list("pk", flat=True))
            self._cache[key] = pks
        return self._cache[key]


def _kwargs_for(route: Route, subject) -> dict[str, str] | None:
    """URL keywords that open ``subject`` (the route's innermost object), its parent filled from its foreign key."""
    objects = object_kwargs(route)
    values = {objects[-1][0]: str(subject.pk)}
    for kwarg, model in objects[:-1]:
        link = next((f for f in type(subject)._meta.concrete_fields
                     if f.is_relation and f.many_to_one and f.related_model is model), None)
        if link is None:
            return None
        values[kwarg] = str(getattr(subject, link.attname))
    for kwarg in route.kwargs:
        if kwarg not in values:
            source = next(label for (prefix, name), label in KWARG_SOURCES.items()
                          if name == kwarg and route.pattern.startswith(prefix))
            values[kwarg] = CHOICES[source][0]
    return values


def _answer(client, method: str, path: str):
    outcome = {}
    try:
        with transaction.atomic():
            response = client.get(path) if method == "GET" else client.post(path, {})
            outcome.update(status=response.status_code, location=response.headers.get("Location", ""))
            raise Rollback
    except Rollback:
        pass
    return outcome["status"], outcome["location"]


def _refused(status: int, location: str) -> bool:
    if status in REFUSALS:
        return True
    return status == 302 and location.startswith((reverse("accounts:login"), reverse("training:required"),
                                                  reverse("admin:login")))


def _login(client, username: str):
    client.logout()
    if username == "anonymous":
        return AnonymousUser()
    person = User.objects.get(username=username)
    client.force_login(person)
    return person


@pytest.fixture
def demo(demo_seeded, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.MEDIA_ROOT = demo_seeded


@pytest.mark.django_db
def test_every_object_route_has_a_visibility_oracle(demo):
    """A new object route whose model has no ``*_visible_to`` selector (nor a parent with one) fails here by name,
    and so does a route whose keyword the crawler cannot fill."""
    oracle = Oracle()
    routes = object_routes()
    assert len(routes) > 40, "the URLconf should have plenty of object routes"
    unjudged = sorted({f"{route.name}: {model.__name__}" for route in routes for _, model in object_kwargs(route)
                       if not oracle.judges(model)})
    assert not unjudged, "Object routes without a visibility selector:\n" + "\n".join(unjudged)


@pytest.mark.django_db
def test_another_persons_or_agencys_object_is_refused_on_every_route(client, demo):
    """R-ACC-1: on every object route, GET and POST, every login is refused an object the selectors hide from it —
    404 whenever the login can use the route for an object it may see."""
    oracle = Oracle()
    failures: list[str] = []
    tried = 0
    exercised: set[str] = set()
    for route in object_routes():
        subject_model = object_kwargs(route)[-1][1]
        everything = list(subject_model._default_manager.order_by("pk").values_list("pk", flat=True))
        for username in PRINCIPALS:
            person = _login(client, username)
            seen = oracle.visible(subject_model, person)  # public objects are visible to anonymous too
            hidden = [pk for pk in everything if pk not in seen]
            visible = [pk for pk in everything if pk in seen]
            if not hidden:
                continue
            hidden_obj = subject_model._default_manager.get(pk=hidden[0])
            hidden_kwargs = _kwargs_for(route, hidden_obj)
            visible_kwargs = (_kwargs_for(route, subject_model._default_manager.get(pk=visible[0]))
                              if visible else None)
            for method in ("GET", "POST"):
                status, location = _answer(client, method, route_path(route, hidden_kwargs))
                tried += 1
                exercised.add(route.name)
                where = f"{method} {route.name} {route_path(route, hidden_kwargs)} as {username}"
                if not _refused(status, location):
                    failures.append(f"{where}: answered {status} {location} for an object the selectors hide")
                    continue
                if status in (404, 405) or visible_kwargs is None:
                    continue
                # Refused otherwise (403, a redirect): right only if this login is refused a visible object too.
                seen_status, seen_location = _answer(client, method, route_path(route, visible_kwargs))
                if not _refused(seen_status, seen_location) and seen_status < 500:
                    failures.append(f"{where}: answered {status}, but 404 for a hidden object (the login uses "
                                    "this route for objects it may see)")
    print(f"object routes: {tried} requests for hidden objects over {len(exercised)} routes")
    assert len(exercised) > 40, "most object routes should have an object someone may not see"
    assert not failures, f"{len(failures)} object routes leak:\n" + "\n".join(failures)


@pytest.mark.django_db
def test_an_object_under_another_parent_is_refused(client, demo):
    """URL tampering: a route with two ids (a list and its entry, a hold and its export) refuses a child that belongs
    to another parent, for every login, even the system administrator."""
    failures: list[str] = []
    tried = 0
    person = _login(client, "sysadmin")
    for route in object_routes():
        objects = object_kwargs(route)
        if len(objects) < 2:
            continue
        (parent_kwarg, parent_model), (_, child_model) = objects[0], objects[-1]
        for child in child_model._default_manager.order_by("pk")[:50]:
            kwargs = _kwargs_for(route, child)
            other_parent = parent_model._default_manager.exclude(pk=kwargs[parent_kwarg]).order_by("pk").first()
            if other_parent is None:
                continue
            kwargs[parent_kwarg] = str(other_parent.pk)
            for method in ("GET", "POST"):
                status, location = _answer(client, method, route_path(route, kwargs))
                tried += 1
                if not _refused(status, location):
                    failures.append(f"{method} {route.name} {route_path(route, kwargs)} as {person.username}: "
                                    f"answered {status} for a child of another parent")
            break
    assert tried, "the demo should have a route with two ids and two parents"
    assert not failures, "\n".join(failures)


ADMIN_SCREENS = {"changelist": "view", "change": "view", "history": "view", "delete": "delete"}


@pytest.mark.django_db
def test_admin_screens_follow_the_model_permissions(client, demo):
    """Every registered ModelAdmin: the list, change, history and delete screens send non-staff to the admin's
    sign-in and answer 403 to staff without the model's permission (view or change; delete for delete)."""
    failures: list[str] = []
    tried = 0
    for model in admin.site._registry:
        meta = model._meta
        obj = model._default_manager.order_by("pk").first()
        for screen, action in ADMIN_SCREENS.items():
            name = f"admin:{meta.app_label}_{meta.model_name}_{screen}"
            if screen != "changelist" and obj is None:
                continue
            path = reverse(name, args=[] if screen == "changelist" else [obj.pk])
            for username in PRINCIPALS:
                person = _login(client, username)
                staff = person.is_authenticated and person.is_active and person.is_staff
                allowed = staff and (person.has_perm(f"{meta.app_label}.{action}_{meta.model_name}") or (
                    action == "view" and person.has_perm(f"{meta.app_label}.change_{meta.model_name}")))
                if allowed:
                    continue  # what the permitted see (and log) is the crawler's business
                status, location = _answer(client, "GET", path)
                tried += 1
                if not staff:
                    expected_ok = status == 302 and location.startswith(reverse("admin:login"))
                    if not expected_ok:
                        failures.append(f"{name} as {username} (not staff): answered {status} {location}")
                    continue
                if status != 403:
                    failures.append(f"{name} as {username} (no {action} permission): answered {status}")
    assert tried > 100
    assert not failures, f"{len(failures)} admin screens ignore the model permissions:\n" + "\n".join(failures)
