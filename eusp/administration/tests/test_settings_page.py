"""/administration/parametres/: the central service sets the city's name, letters, sender,
reminder delays, working days, upload limit and retention; each change is recorded and
takes effect where it is used."""

import datetime

import pytest

from eusp.administration.models import AdminChange
from eusp.casework.models import AnswerChannel
from eusp.casework.services import request_answer
from eusp.casework.services.reminder_schedule import ReminderPolicy
from eusp.core.city_settings import city_settings
from eusp.core.models import CitySettings
from eusp.notifications.delivery import outbox_flush
from tests.factories import ServiceRequestFactory

pytestmark = pytest.mark.django_db

URL = "/administration/parametres/"


def _form(**changes) -> dict:
    values = {
        "city_name": "Ville de Valmont-sur-Loire",
        "letterhead": "",
        "signature": "",
        "sender_name": "",
        "sender_email": "",
        "reminder_first_after_days": "5",
        "reminder_every_days": "5",
        "reminder_max": "3",
        "working_weekdays": ["0", "1", "2", "3", "4"],
        "upload_max_mb": "10",
        "retention_months": "36",
    }
    return {**values, **changes}


def test_the_form_shows_the_current_settings(client, central):
    client.force_login(central)
    body = client.get(URL).content.decode()
    assert 'value="Ville de Valmont-sur-Loire"' in body
    assert 'name="retention_months" value="36"' in body
    assert 'value="0" id="id_working_weekdays_0" checked' in body  # Monday on
    assert 'value="5" id="id_working_weekdays_5">' in body  # Saturday off


def test_saving_changes_the_settings_and_records_before_and_after(client, central):
    client.force_login(central)
    response = client.post(URL, _form(city_name="Mairie de Bourg-Neuf", reminder_max="1"), follow=True)
    assert "Les paramètres sont enregistrés." in response.content.decode()
    city = CitySettings.objects.get()
    assert (city.city_name, city.reminder_max) == ("Mairie de Bourg-Neuf", 1)
    change = AdminChange.objects.get(target_type="core.citysettings")
    assert change.actor == central and change.action == AdminChange.Action.UPDATED
    assert change.changes["city_name"]["before"] == "Ville de Valmont-sur-Loire"
    assert change.changes["city_name"]["after"] == "Mairie de Bourg-Neuf"
    assert change.changes["reminder_max"] == {
        "label": "nombre maximal de relances automatiques par service",
        "before": "3",
        "after": "1",
    }
    assert set(change.changes) == {"city_name", "reminder_max"}  # only what changed
    # Every page shows the new name at once.
    assert "Mairie de Bourg-Neuf" in client.get("/").content.decode()


def test_saving_unchanged_settings_records_nothing(client, central):
    client.force_login(central)
    client.post(URL, _form())
    assert not AdminChange.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"city_name": ""}, "city_name", "Ce champ est obligatoire."),
        ({"working_weekdays": []}, "working_weekdays", "Cochez au moins un jour travaillé."),
        ({"working_weekdays": ["7"]}, "working_weekdays", "Sélectionnez un choix valide."),
        ({"reminder_every_days": "0"}, "reminder_every_days", "supérieure ou égale à 1"),
        ({"reminder_max": "11"}, "reminder_max", "inférieure ou égale à 10"),
        ({"upload_max_mb": "51"}, "upload_max_mb", "inférieure ou égale à 50"),
        ({"upload_max_mb": "dix"}, "upload_max_mb", "Saisissez un nombre entier."),
        ({"retention_months": "0"}, "retention_months", "supérieure ou égale à 1"),
        ({"retention_months": "99999999999"}, "retention_months", "inférieure ou égale à 240"),
        ({"sender_email": "mairie"}, "sender_email", "Saisissez une adresse de courriel valide."),
        ({"sender_name": "Mairie\r\nBcc: x@evil.test"}, "sender_name", "Saisissez ce texte sur une seule ligne."),
        ({"city_name": "Valmont\nBcc"}, "city_name", "Saisissez ce texte sur une seule ligne."),
    ],
)
def test_wrong_values_are_refused_with_a_message_and_change_nothing(client, central, changes, field, message):
    client.force_login(central)
    response = client.post(URL, _form(**changes))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Les paramètres ne sont pas enregistrés" in body
    assert message in body
    city = CitySettings.objects.get()
    assert (city.city_name, city.working_weekdays, city.upload_max_mb) == ("Ville de Valmont-sur-Loire", "01234", 10)
    assert not AdminChange.objects.exists()


def test_a_refused_form_leaves_the_live_settings_alone(client, central):
    client.force_login(central)
    city_settings()  # this process reads the settings row, as every page does
    wrong = _form(city_name="", working_weekdays=["5", "6"], retention_months="1", upload_max_mb="1")
    assert client.post(URL, wrong).status_code == 400
    live = city_settings()
    assert (live.working_weekdays, live.retention_months, live.upload_max_mb) == ("01234", 36, 10)


def test_the_reminder_policy_reads_the_settings(client, central):
    client.force_login(central)
    client.post(URL, _form(reminder_first_after_days="8", reminder_every_days="3", reminder_max="0"))
    assert ReminderPolicy.from_settings() == ReminderPolicy(first_after_days=8, every_days=3, max_reminders=0)


def test_the_letter_prints_the_letterhead_and_the_signature(client, central):
    client.force_login(central)
    client.post(
        URL,
        _form(letterhead="Hôtel de ville\n1 place de la Mairie", signature="Le Maire,\nJean Dupont"),
    )
    sr = ServiceRequestFactory(created_by=central, requester_last_name="Durand")
    [answer] = request_answer(
        sr=sr, actor=central, channel=AnswerChannel.LETTER, text="C'est fait.", answered_on=datetime.date.today()
    )
    body = client.get(f"/demandes/{sr.reference}/reponses/{answer.pk}/lettre/").content.decode()
    assert "Hôtel de ville<br>1 place de la Mairie" in body
    assert "Le Maire,<br>Jean Dupont" in body
    assert "Pour le Maire et par délégation," not in body  # the city's own signature replaces it


def test_mail_leaves_from_the_citys_sender(client, central, smtp_server):
    client.force_login(central)
    client.post(URL, _form(sender_name="Mairie de Valmont", sender_email="proximite@valmont.test"))
    sr = ServiceRequestFactory(created_by=central, requester_email="jeanne@example.org")
    request_answer(
        sr=sr,
        actor=central,
        channel=AnswerChannel.EMAIL,
        text="C'est fait.",
        subject="Votre demande",
        answered_on=datetime.date.today(),
    )
    outbox_flush()
    [mail] = [m for m in smtp_server.messages if m.rcpt_tos == ["jeanne@example.org"]]
    assert mail.message["From"] == "Mairie de Valmont <proximite@valmont.test>"


def test_another_process_sees_a_change_within_the_cache_time(central, monkeypatch):
    from eusp.core import city_settings as module

    city_settings()  # this process has read the row
    CitySettings.objects.filter(pk=1).update(city_name="Changée ailleurs")  # another server saved it
    assert city_settings().city_name != "Changée ailleurs"
    clock = module.time.monotonic() + module.CACHE_SECONDS + 1
    monkeypatch.setattr(module.time, "monotonic", lambda: clock)
    assert city_settings().city_name == "Changée ailleurs"


def test_a_shorter_retention_says_how_many_requests_lose_their_data_and_waits_for_confirmation(client, central):
    from django.utils import timezone

    from eusp.casework.models import ServiceRequest

    old = ServiceRequestFactory(created_by=central)
    recent = ServiceRequestFactory(created_by=central)
    for sr, months in ((old, 20), (recent, 6)):
        archived_at = timezone.now() - datetime.timedelta(days=30 * months)
        ServiceRequest.objects.filter(pk=sr.pk).update(is_archived=True, archived_at=archived_at)
    client.force_login(central)
    response = client.post(URL, _form(retention_months="12"))
    body = response.content.decode()
    assert response.status_code == 400
    assert "Avec une conservation de 12 mois, 1 demande archivée perdra la nuit prochaine" in body
    assert CitySettings.objects.get().retention_months == 36  # not yet
    client.post(URL, _form(retention_months="12", confirm_retention="on"))
    assert CitySettings.objects.get().retention_months == 12
    # A longer period needs no confirmation.
    client.post(URL, _form(retention_months="48"))
    assert CitySettings.objects.get().retention_months == 48
