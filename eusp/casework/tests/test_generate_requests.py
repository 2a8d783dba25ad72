from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from eusp.accounts.models import User
from eusp.casework.models import EventKind, ReferenceCounter, RequestEvent, ServiceRequest
from eusp.casework.references import format_reference
from eusp.casework.services import request_create
from eusp.directory.models import Category, Origin

pytestmark = pytest.mark.django_db


def generate(count: int, seed: int, *extra: str) -> str:
    out = StringIO()
    call_command("generate_requests", "--count", str(count), "--batch", "200", "--seed", str(seed), *extra, stdout=out)
    return out.getvalue()


def create_one() -> ServiceRequest:
    return request_create(
        actor=User.objects.get(username="central"),
        data={
            "origin": Origin.objects.first(),
            "received_on": timezone.localdate(),
            "category": Category.objects.first(),
            "subject": "Créée à la main",
        },
    )


@pytest.mark.parametrize("method", ["auto", "orm"])
def test_generated_requests_coexist_with_interactive_ones(method):
    output = generate(500, 1, "--method", method)
    assert "Terminé : 500 demandes" in output
    assert User.objects.filter(username="central").exists()  # empty database: the demo city's staff was created
    manual = create_one()
    generate(500, 2, "--method", method)

    assert ServiceRequest.objects.count() == 1001
    references = list(ServiceRequest.objects.values_list("reference", "year", "number"))
    assert len({r for r, _, _ in references}) == 1001
    numbers = defaultdict(list)
    for reference, year, number in references:
        assert reference == format_reference(year, number)
        numbers[year].append(number)
    for sequence in numbers.values():  # every number handed out once, none skipped
        assert sorted(sequence) == list(range(1, len(sequence) + 1))
    assert dict(ReferenceCounter.objects.values_list("year", "last_number")) == {y: len(s) for y, s in numbers.items()}
    assert manual.number in numbers[manual.year]


def test_each_generated_request_has_a_short_chronological_timeline():
    generate(300, 3)
    requests = {
        pk: (created_at, version)
        for pk, created_at, version in ServiceRequest.objects.values_list("pk", "created_at", "version")
    }
    timelines = defaultdict(list)
    for sr_id, kind, at in RequestEvent.objects.order_by("pk").values_list("service_request", "kind", "created_at"):
        timelines[sr_id].append((kind, at))
    assert timelines.keys() == requests.keys()
    assert {len(events) for events in timelines.values()} <= {2, 3, 4, 5}
    for sr_id, events in timelines.items():
        created_at, version = requests[sr_id]
        assert events[0] == (EventKind.CREATED, created_at)
        assert [at for _, at in events] == sorted(at for _, at in events)
        assert version == len(events)
