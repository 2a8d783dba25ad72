import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from eusp.casework.models import EventKind
from tests.factories import (
    AgentFactory,
    CategoryFactory,
    DistrictFactory,
    ElectedFactory,
    ServiceFactory,
    ServiceRequestFactory,
)

pytestmark = pytest.mark.django_db


def test_references_follow_each_other_within_the_year(central):
    first = ServiceRequestFactory(created_by=central)
    second = ServiceRequestFactory(created_by=central)
    year = timezone.localdate().year
    assert first.reference == f"{year}-00001"
    assert second.reference == f"{year}-00002"


def test_creation_is_on_the_timeline_with_who(central):
    sr = ServiceRequestFactory(created_by=central)
    (event,) = sr.events.all()
    assert event.kind == EventKind.CREATED
    assert event.actor == central


def test_empty_services_fall_back_on_category_defaults(central):
    roads, works = ServiceFactory(name="Voirie"), ServiceFactory(name="Travaux")
    category = CategoryFactory(default_instructing_service=roads, default_executing_service=works)
    sr = ServiceRequestFactory(created_by=central, category=category)
    assert (sr.instructing_service, sr.executing_service) == (roads, works)
    assert sr.state.is_initial


def test_chosen_services_win_over_category_defaults(central):
    chosen = ServiceFactory(name="Propreté")
    sr = ServiceRequestFactory(created_by=central, instructing_service=chosen)
    assert sr.instructing_service == chosen


def test_the_quartiers_elu_becomes_the_referent_official(central):
    north, south = DistrictFactory(name="Nord"), DistrictFactory(name="Sud")
    elu = ElectedFactory(districts=[north])
    chosen = ElectedFactory()
    assert ServiceRequestFactory(created_by=central, district=north).referent_official == elu
    assert (
        ServiceRequestFactory(created_by=central, district=north, referent_official=chosen).referent_official == chosen
    )
    assert ServiceRequestFactory(created_by=central, district=south).referent_official is None


def test_no_referent_is_guessed_when_the_quartier_has_two_elus_or_a_deactivated_one(central):
    shared, former = DistrictFactory(name="Centre"), DistrictFactory(name="Gare")
    ElectedFactory(districts=[shared]), ElectedFactory(districts=[shared])
    ElectedFactory(districts=[former], is_active=False)
    assert ServiceRequestFactory(created_by=central, district=shared).referent_official is None
    assert ServiceRequestFactory(created_by=central, district=former).referent_official is None


def test_the_categorys_default_delay_gives_the_due_date(central):
    import datetime

    category = CategoryFactory(default_delay_days=10)
    received = datetime.date(2026, 12, 18)  # a Friday; Noël and 1 January are not worked
    sr = ServiceRequestFactory(created_by=central, category=category, received_on=received)
    assert (sr.expected_delay_days, sr.due_on) == (10, datetime.date(2027, 1, 5))
    assert ServiceRequestFactory(created_by=central, category=CategoryFactory()).due_on is None


def test_an_agent_cannot_create_a_request(db):
    with pytest.raises(PermissionDenied):
        ServiceRequestFactory(created_by=AgentFactory())


def test_a_service_that_only_executes_cannot_instruct(central):
    from django.core.exceptions import ValidationError

    from eusp.directory.models import Service

    crew = ServiceFactory(name="Régie travaux", kind=Service.Kind.EXECUTING)
    with pytest.raises(ValidationError) as error:
        ServiceRequestFactory(created_by=central, instructing_service=crew)
    assert error.value.message_dict["instructing_service"] == ["Ce service n'instruit pas les demandes."]


def test_a_blank_subject_is_refused_by_the_model_too(central):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        ServiceRequestFactory(created_by=central, subject="   ")
    assert "subject" in error.value.message_dict
