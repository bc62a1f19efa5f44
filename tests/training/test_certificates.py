"""Training certificates are private files: only the person, their supervisor and training staff may fetch them."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from apps.accounts.roles import Role
from tests.factories import TrainingRecordFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def record_with_certificate(make_user):
    person = make_user(Role.INVESTIGATOR, trained=False)
    record = TrainingRecordFactory(person=person)
    record.certificate.save("cert.pdf", ContentFile(b"%PDF-1.4 certificate"), save=True)
    return record


def test_the_person_downloads_their_own_certificate(client, record_with_certificate):
    client.force_login(record_with_certificate.person)
    response = client.get(reverse("training:certificate", args=[record_with_certificate.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_colleague_gets_404_and_the_administrator_gets_the_file(client, record_with_certificate, make_user):
    client.force_login(make_user(Role.INVESTIGATOR))
    assert client.get(reverse("training:certificate", args=[record_with_certificate.pk])).status_code == 404
    client.force_login(make_user(Role.SYSADMIN))
    assert client.get(reverse("training:certificate", args=[record_with_certificate.pk])).status_code == 200


def test_the_persons_supervisor_may_see_it(client, make_user):
    boss = make_user(Role.SUPERVISOR)
    person = make_user(Role.OPERATOR, supervisor=boss)
    record = TrainingRecordFactory(person=person, course__code="alpr-refresher", course__kind="refresher")
    record.certificate.save("c.pdf", ContentFile(b"%PDF-1.4"), save=True)
    client.force_login(boss)
    assert client.get(reverse("training:certificate", args=[record.pk])).status_code == 200
