"""Helpers shared by the tests of the follow-up services (editing, workflow, instruction).

``nothing_changes`` is the promise every refusal keeps: the row, its version, its
timeline and its reminders are exactly as they were.
"""

from contextlib import contextmanager

from eusp.casework.models import Reminder, RequestEvent, ServiceRequest
from eusp.directory.models import State
from tests.factories import AgentFactory, ServiceFactory, ServiceRequestFactory


def state(label: str) -> State:
    return State.objects.get(label=label)


def works_service():
    """The executing service of the requests built here (the instructing one is Voirie)."""
    return ServiceFactory(name="Travaux")


def works_agent():
    """An agent of the executing service only."""
    return AgentFactory(username="agent-travaux", services=[works_service()])


def request_new(central, voirie, **kwargs) -> ServiceRequest:
    """A « Nouvelle » request instructed by Voirie and carried out by Travaux."""
    kwargs.setdefault("instructing_service", voirie)
    kwargs.setdefault("executing_service", works_service())
    return ServiceRequestFactory(created_by=central, **kwargs)


def reload(sr: ServiceRequest) -> ServiceRequest:
    return ServiceRequest.objects.select_related("state").get(pk=sr.pk)


def timeline(sr: ServiceRequest) -> list[RequestEvent]:
    return list(RequestEvent.objects.filter(service_request_id=sr.pk).order_by("pk"))


def kinds(sr: ServiceRequest) -> list[str]:
    return [event.kind for event in timeline(sr)]


def last_event(sr: ServiceRequest) -> RequestEvent:
    return timeline(sr)[-1]


def footprint(sr: ServiceRequest) -> dict:
    """Everything a write could leave behind on one request."""
    return {
        "row": ServiceRequest.objects.filter(pk=sr.pk).values().get(),
        "events": list(RequestEvent.objects.filter(service_request_id=sr.pk).values_list("pk", flat=True)),
        "reminders": list(Reminder.objects.filter(service_request_id=sr.pk).values_list("pk", flat=True)),
    }


@contextmanager
def nothing_changes(*requests: ServiceRequest):
    """Wrap a refused call: ``with nothing_changes(sr), pytest.raises(...): ...``."""
    before = [footprint(sr) for sr in requests]
    yield
    for sr, was in zip(requests, before, strict=True):
        now = footprint(sr)
        changed = {key: (was["row"][key], value) for key, value in now["row"].items() if was["row"][key] != value}
        assert not changed, f"{sr.reference}: row changed {changed}"
        assert now["events"] == was["events"], f"{sr.reference}: timeline changed"
        assert now["reminders"] == was["reminders"], f"{sr.reference}: reminders changed"
