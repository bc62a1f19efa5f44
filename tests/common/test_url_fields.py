"""A web address typed without a scheme is taken as https in every form (Django 6's default; Django 5 takes http and
warns). Discovered, not listed: every URL field of every model of the portal's apps is an ``HttpsURLField``; the
crawlers (tests/test_plate_crawler.py) fail any page that still builds a Django-5-default URL field
(``filterwarnings`` in pyproject.toml)."""

from __future__ import annotations

from django.apps import apps
from django.db import models
from django.forms import modelform_factory

from apps.agencies.models import PublicComment
from apps.common.fields import HttpsURLField


def test_every_url_field_of_the_portal_takes_https_for_an_address_without_a_scheme():
    found = [(model, field) for model in apps.get_models() if model.__module__.startswith("apps.")
             for field in model._meta.get_fields() if isinstance(field, models.URLField)]
    assert found, "the portal's models have URL fields (the minutes of a public comment, an RMS address)"
    plain = [f"{model._meta.label}.{field.name}" for model, field in found if not isinstance(field, HttpsURLField)]
    assert not plain, f"URL fields that would take a typed address as http: {plain}"


def test_a_minutes_link_typed_without_a_scheme_is_stored_as_https():
    form = modelform_factory(PublicComment, fields=["minutes_url"])(data={"minutes_url": "example.org/minutes.pdf"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["minutes_url"] == "https://example.org/minutes.pdf"
