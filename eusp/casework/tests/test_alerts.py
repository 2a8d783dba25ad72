"""Alerts to services and élus: written to the outbox with the creation or assignment,
delivered by the worker to a real SMTP server."""

import datetime

import pytest

from eusp.casework.services import request_create, request_update
from eusp.directory.models import District, Origin, Priority, State
from eusp.directory.seed import seed_reference_data
from eusp.notifications.delivery import outbox_flush
from eusp.notifications.models import OutboxMessage
from tests.factories import AgentFactory, CategoryFactory, CentralFactory, ElectedFactory, ServiceFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def city():
    seed_reference_data(Origin, State, Priority)  # transactional tests start from empty tables
    roads, works = ServiceFactory(name="Voirie"), ServiceFactory(name="Régie", email="regie@ville.test")
    return {
        "central": CentralFactory(username="claire"),
        "elu": ElectedFactory(username="elu", email="elu@ville.test"),
        "roads_agent": AgentFactory(username="karim", email="karim@ville.test", services=[roads]),
        "retired": AgentFactory(username="ancien", email="ancien@ville.test", services=[roads], is_active=False),
        "category": CategoryFactory(
            name="Nid-de-poule", default_instructing_service=roads, default_executing_service=works
        ),
        "district": District.objects.create(name="Centre"),
    }


def _form(city, **extra):
    return {
        "origin": Origin.objects.get(name="Courrier").pk,
        "received_on": "2026-12-01",
        "category": city["category"].pk,
        "subject": "Trou rue des Lilas",
        "requester_address": "3 rue des Lilas",
        "district": city["district"].pk,
        "referent_official": city["elu"].pk,
        **extra,
    }


def test_a_new_request_alerts_its_services_and_its_elu(client, city, smtp_server):
    client.force_login(city["central"])
    response = client.post("/demandes/nouvelle/", _form(city))
    assert response.status_code == 302
    outbox_flush()  # what the worker does; the immediate task backend may already have done it
    by_address = {m.rcpt_tos[0]: m for m in smtp_server.messages}
    # Voirie through its active member, the Régie (no member) through its mailbox, the élu.
    assert set(by_address) == {"karim@ville.test", "regie@ville.test", "elu@ville.test"}
    mail = by_address["karim@ville.test"]
    reference = response["Location"].strip("/").split("/")[-1]
    assert str(mail.message["Subject"]).strip() == f"Nouvelle demande {reference} : Trou rue des Lilas"
    assert f"http://127.0.0.1:8000/demandes/{reference}/" in mail.body
    assert "service instructeur" in mail.body
    assert mail.message.get_body(preferencelist=("html",)) is not None
    assert OutboxMessage.objects.filter(status=OutboxMessage.Status.SENT).count() == 3


def test_a_service_without_members_is_alerted_at_each_of_its_shared_addresses(city, smtp_server):
    from eusp.casework.notify import service_recipients

    works = city["category"].default_executing_service
    works.email = "regie@ville.test, astreinte@ville.test"
    works.save()
    assert service_recipients(works) == [("regie@ville.test", None), ("astreinte@ville.test", None)]


def test_smtp_down_never_fails_the_creation_and_the_mail_waits(client, city, smtp_unreachable):
    client.force_login(city["central"])
    response = client.post("/demandes/nouvelle/", _form(city))
    assert response.status_code == 302
    assert OutboxMessage.objects.count() == 3
    assert not OutboxMessage.objects.filter(status=OutboxMessage.Status.SENT).exists()


def test_reassignment_alerts_only_the_newcomer(city, smtp_server):
    sr = request_create(
        actor=city["central"],
        data={
            "origin": Origin.objects.first(),
            "received_on": datetime.date(2026, 12, 1),
            "category": city["category"],
            "subject": "Lampadaire éteint",
        },
    )
    outbox_flush()
    before = len(smtp_server.messages)
    parks_agent = AgentFactory(username="sophie", email="sophie@ville.test", services=[ServiceFactory(name="Parcs")])
    request_update(
        sr=sr,
        actor=city["central"],
        data={"instructing_service": parks_agent.services.get()},
        expected_version=sr.version,
    )
    outbox_flush()
    new = smtp_server.messages[before:]
    assert [m.rcpt_tos for m in new] == [["sophie@ville.test"]]
    assert str(new[0].message["Subject"]).strip().startswith(f"Demande {sr.reference} confiée")
