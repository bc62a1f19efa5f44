"""Deny-by-default API permissions."""

from rest_framework.permissions import DjangoModelPermissions


class StrictModelPermissions(DjangoModelPermissions):
    """Model permissions where reading also needs the ``view_<model>`` permission.

    DRF's own class lets any authenticated user GET; this portal's data is governed, so reads are permissions too.
    A view without a queryset fails closed (DRF raises), which is what we want for a forgotten endpoint.
    """

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }
