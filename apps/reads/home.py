"""Home-page sections about cameras: an operator's own units, and units out of service for supervisors/admins."""

from apps.accounts.roles import Role
from apps.common.home import HomeSection, register_home_section
from apps.reads.choices import CameraStatus
from apps.reads.models import Camera


def _my_units(*, user):
    units = list(Camera.objects.filter(assigned_officer=user).order_by("name"))
    if not units:
        return None
    return {"cameras": units, "empty": ""}


def _out_of_service(*, user):
    cameras = list(Camera.objects.filter(status=CameraStatus.OUT_OF_SERVICE).order_by("name"))
    return {"cameras": cameras, "empty": "Every camera and unit is in service."}


def register() -> None:
    register_home_section(HomeSection(
        key="reads.my_units", title="Your units", roles=frozenset({Role.OPERATOR}),
        template="reads/_home_units.html", context=_my_units, order=30,
    ))
    register_home_section(HomeSection(
        key="reads.out_of_service", title="Cameras and units out of service",
        roles=frozenset({Role.SUPERVISOR, Role.SYSADMIN}), template="reads/_home_units.html", context=_out_of_service,
        order=40,
    ))
