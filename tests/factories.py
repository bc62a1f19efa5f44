"""factory_boy factories shared by every app's tests."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from apps.accounts.models import User
from apps.agencies.models import Agency
from apps.training.models import Course, CourseKind, TrainingRecord


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Test Police Department {n}")
    ori = factory.Sequence(lambda n: f"CA{n:07d}")
    kind = "law_enforcement"
    government_level = "municipal"
    state = "CA"


class DeployingAgencyFactory(AgencyFactory):
    name = "Test County Sheriff's Department"
    ori = "CA0000001"
    government_level = "county"
    is_deploying_agency = True


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    job_title = "Deputy sheriff"
    agency = factory.SubFactory(DeployingAgencyFactory)
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery-staple")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if not create:
            return
        from apps.accounts.services import user_roles_apply

        self.save()
        if extracted:
            user_roles_apply(self, list(extracted))


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course
        django_get_or_create = ("code",)

    code = "alpr-initial"
    title = "ALPR initial training"
    kind = CourseKind.INITIAL
    covers_sb34 = True
    covers_sb54 = True
    covers_agency_policy = True


class RefresherCourseFactory(CourseFactory):
    code = "alpr-refresher"
    title = "ALPR annual refresher"
    kind = CourseKind.REFRESHER


class TrainingRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingRecord

    person = factory.SubFactory(UserFactory)
    course = factory.SubFactory(CourseFactory)
    completed_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=10))
    instructor = "Training Unit"


def background_check_for(person, *, days_ago: int = 400):
    """A completed background check of ``person`` (R-ACC-6), recorded by a separate records clerk."""
    from apps.accounts.models import BackgroundCheck

    clerk = User.objects.filter(username="records-clerk").first() or UserFactory(username="records-clerk",
                                                                                 job_title="Records clerk")
    return BackgroundCheck.objects.create(person=person, recorded_by=clerk,
                                          completed_on=timezone.localdate() - timedelta(days=days_ago))
