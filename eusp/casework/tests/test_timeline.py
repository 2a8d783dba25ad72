import pytest

from eusp.casework.models import AppendOnlyError, EventKind, RequestEvent
from tests.factories import ServiceRequestFactory

pytestmark = pytest.mark.django_db


def test_an_event_cannot_be_rewritten(central):
    event = ServiceRequestFactory(created_by=central).events.get()
    event.note = "réécrit"
    with pytest.raises(AppendOnlyError):
        event.save()
    assert RequestEvent.objects.get(pk=event.pk).note == ""


def test_an_event_cannot_be_deleted(central):
    event = ServiceRequestFactory(created_by=central).events.get()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert RequestEvent.objects.filter(pk=event.pk, kind=EventKind.CREATED).exists()


def test_creation_event_names_who_the_request_went_to(central):
    sr = ServiceRequestFactory(created_by=central)
    changes = sr.events.get().changes
    assert changes["instructing_service"]["after"] == str(sr.instructing_service)
    assert changes["state"]["after"] == "Nouvelle"


def test_a_change_named_like_a_reverse_relation_keeps_its_stored_label(central):
    from eusp.casework.events import event_record

    sr = ServiceRequestFactory(created_by=central)
    event = event_record(
        sr, kind=EventKind.ANSWER, actor=central, changes={"duplicates": {"label": "Doublons", "after": "2"}}
    )
    assert event.change_rows()[0]["label"] == "Doublons"


def test_dates_in_changes_read_in_the_reader_format(central):
    from django.utils import translation

    from eusp.casework.events import event_record

    sr = ServiceRequestFactory(created_by=central)
    event = event_record(sr, kind=EventKind.INSTRUCTION, changes={"due_on": {"before": "", "after": "2026-12-18"}})
    with translation.override("fr"):
        assert event.change_rows()[0]["after"] == "18/12/2026"
    with translation.override("en"):
        assert event.change_rows()[0]["after"] == "12/18/2026"
