"""factory_boy factories, one per model; requests go through the service layer."""

import datetime

import factory
from django.utils import timezone

from eusp.accounts.models import Profile, User
from eusp.casework.models import ServiceRequest
from eusp.casework.services import request_create
from eusp.directory.models import Category, District, Origin, Service


class OriginFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Origin
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Origine {n}")


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Quartier {n}")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Service {n}")
    email = factory.LazyAttribute(lambda o: f"{o.name.lower().replace(' ', '-')}@ville.test")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Catégorie {n}")
    default_instructing_service = factory.SubFactory(ServiceFactory)
    default_executing_service = factory.SubFactory(ServiceFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Martin{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@ville.test")
    profile = Profile.AGENT
    password = factory.django.Password("motdepasse-de-test")

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if create and extracted:
            self.services.set(extracted)

    @factory.post_generation
    def districts(self, create, extracted, **kwargs):
        if create and extracted:
            self.districts.set(extracted)


class CentralFactory(UserFactory):
    profile = Profile.CENTRAL


class ElectedFactory(UserFactory):
    profile = Profile.ELECTED


class AgentFactory(UserFactory):
    profile = Profile.AGENT


class ServiceRequestFactory(factory.django.DjangoModelFactory):
    """Builds the form data and creates through ``request_create`` (reference, event)."""

    class Meta:
        model = ServiceRequest

    created_by = factory.SubFactory(CentralFactory)
    origin = factory.SubFactory(OriginFactory)
    category = factory.SubFactory(CategoryFactory)
    district = factory.SubFactory(DistrictFactory)
    received_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=1))
    subject = factory.Sequence(lambda n: f"Nid de poule n°{n}")
    description = "Trou dangereux sur la chaussée."
    requester_last_name = "Durand"
    requester_first_name = "Jeanne"
    requester_address = "12 rue des Lilas"
    requester_email = "jeanne.durand@example.org"

    @classmethod
    def _create(cls, model_class, *args, created_by, **kwargs):
        return request_create(actor=created_by, data=kwargs)
