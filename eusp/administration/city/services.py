from django.db import transaction

from eusp.casework.services.anonymisation import retention_due
from eusp.core.city_settings import SETTINGS_PK
from eusp.core.models import CitySettings

from ..access import administration_authorize
from ..audit import Action, audit_record, snapshot


class RetentionConfirmationNeeded(Exception):
    """A shorter retention period erases data the next night: how much, before it is confirmed
    (the settings page words it)."""

    def __init__(self, months: int, count: int):
        super().__init__(f"{count} requests anonymised at {months} months")
        self.months, self.count = months, count


@transaction.atomic
def city_settings_update(*, actor, changed: dict, confirm_retention: bool = False) -> CitySettings:
    """Save the settings the form validated, with the record of what changed.

    Shortening the retention period needs ``confirm_retention``: until then
    ``RetentionConfirmationNeeded`` says how many requests the next night anonymises.
    """
    administration_authorize(actor)
    city = CitySettings.objects.select_for_update().get_or_create(pk=SETTINGS_PK)[0]
    months = changed.get("retention_months", city.retention_months)
    if months < city.retention_months and not confirm_retention:
        raise RetentionConfirmationNeeded(months, retention_due(months=months).count())
    fields = list(changed)
    before = snapshot(city, fields)
    for name, value in changed.items():
        setattr(city, name, value)
    city.save()
    audit_record(actor, Action.UPDATED, city, before=before, after=snapshot(city, fields))
    return city
