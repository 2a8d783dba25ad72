import pytest
from django.urls import reverse

from eusp.notifications.models import OutboxMessage
from eusp.notifications.outbox import outbox_enqueue


@pytest.mark.django_db
def test_the_central_service_lists_failed_mail_and_resends_it(client, central, no_delivery_task):
    central.is_staff = central.is_superuser = True
    central.save()
    message = outbox_enqueue(to="inconnu@ville.test", subject="Relance", text="Bonjour", kind="reminder")
    OutboxMessage.objects.filter(pk=message.pk).update(status="failed", attempts=8, last_error="550 no such user")
    client.force_login(central)
    url = reverse("admin:notifications_outboxmessage_changelist")

    response = client.get(url, {"status__exact": "failed", "q": "inconnu"})
    assert response.status_code == 200
    assert "inconnu@ville.test" in response.content.decode()

    response = client.post(url, {"action": "resend", "_selected_action": [message.pk]}, follow=True)
    assert "1 courriel remis en file d&#x27;envoi." in response.content.decode()
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 0)


@pytest.mark.django_db
def test_the_technical_admin_never_shows_a_live_password_link(client, central, no_delivery_task):
    from eusp.accounts.password_link import password_link_send
    from tests.factories import AgentFactory

    central.is_staff = central.is_superuser = True
    central.save()
    message = password_link_send(AgentFactory(username="nouvel-agent"), actor=central)
    secret = message.body_text.split("/compte/mot-de-passe/")[1].split()[0]
    client.force_login(central)
    url = reverse("admin:notifications_outboxmessage_change", args=[message.pk])
    body = client.get(url).content.decode()
    assert "/compte/mot-de-passe/…" in body
    assert secret not in body
    assert secret.split("/")[1] not in body  # the token, in the HTML body's link too
