from django.db import transaction

from eusp.core.models import CitySettings

from ..audit import Action, audit_record, snapshot


@transaction.atomic
def city_settings_update(*, actor, city: CitySettings, changed: dict) -> CitySettings:
    """Save the settings the form validated, with the record of what changed."""
    fields = list(changed)
    before = snapshot(CitySettings.objects.select_for_update().get(pk=city.pk), fields)
    for name, value in changed.items():
        setattr(city, name, value)
    city.save()
    audit_record(actor, Action.UPDATED, city, before=before, after=snapshot(city, fields))
    return city
