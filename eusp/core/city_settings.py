"""The city's settings row, read at most once per minute per process.

Every page shows the city's name and many services read a delay or a limit, so the row
is kept in the process for ``CACHE_SECONDS``: a change reaches the process that saved it
at once, and the other app servers and workers within that time.
"""

import copy
import time

from .models import CitySettings

CACHE_SECONDS = 60
SETTINGS_PK = 1
_cached: dict = {}


def city_settings(*, fresh: bool = False) -> CitySettings:
    row, read_at = _cached.get("row"), _cached.get("read_at", 0.0)
    if fresh or row is None or time.monotonic() - read_at > CACHE_SECONDS:
        # A fixed key: two processes creating the row at once get the same one.
        row, _created = CitySettings.objects.get_or_create(pk=SETTINGS_PK)
        _cached.update(row=row, read_at=time.monotonic())
    # A copy: a caller that changes it (a form bound to it) changes nothing for the others.
    return copy.copy(row)


def city_settings_forget() -> None:
    """After a save, or between tests: the next read goes to the database."""
    _cached.clear()
