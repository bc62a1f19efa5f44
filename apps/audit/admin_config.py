"""The admin app with the portal's site (``apps.audit.admin_site.PortalAdminSite``), named in INSTALLED_APPS instead of
``django.contrib.admin``. A module of its own: INSTALLED_APPS is read before any model may be imported."""

from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    default_site = "apps.audit.admin_site.PortalAdminSite"
