"""R-ACC-1: roles are groups with permissions created by migration; admin access follows the role."""

import pytest
from django.contrib.auth.models import Group

from apps.accounts.roles import ROLE_PERMISSIONS, Role
from apps.accounts.services import user_create, user_set_roles
from apps.audit.models import DomainEvent
from apps.common.errors import ApplicationError

pytestmark = pytest.mark.django_db


def test_every_role_exists_as_a_group_with_its_permissions():
    for role, permissions in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        assert held == set(permissions), role


def test_custodian_and_admin_get_the_admin_site_others_do_not(sysadmin, make_user):
    from tests.factories import DeployingAgencyFactory

    agency = DeployingAgencyFactory()
    custodian = user_create(actor=sysadmin, username="carmen", password=None, agency=agency, roles=[Role.CUSTODIAN],
                            job_title="Custodian of Records")
    assert custodian.is_staff
    user_set_roles(actor=sysadmin, user=custodian, roles=[Role.INVESTIGATOR])
    custodian.refresh_from_db()
    assert not custodian.is_staff
    event = DomainEvent.objects.get(code="alprportal.accounts.user.roles_changed", target_id=str(custodian.pk))
    assert event.data == {"old": ["custodian"], "new": ["investigator"]}
    assert event.actor == sysadmin


def test_unknown_role_is_refused(sysadmin):
    from tests.factories import DeployingAgencyFactory

    with pytest.raises(ApplicationError, match="Unknown role"):
        user_create(actor=sysadmin, username="x", password=None, agency=DeployingAgencyFactory(), roles=["god"],
                    job_title="Deity")


def test_user_changes_are_in_the_auditlog_history(sysadmin, investigator):
    from auditlog.models import LogEntry

    investigator.job_title = "Sergeant"
    investigator.save()
    entry = LogEntry.objects.get_for_object(investigator).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert entry.changes_dict["job_title"][1] == "Sergeant"
