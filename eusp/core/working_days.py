"""Working days as a French town hall counts them: no weekends, no public holidays.

"10 jours" given by a service means ten working days (jours ouvrés). Which weekdays are
worked is the city's setting (Monday to Friday unless changed); public holidays never are.
"""

from datetime import date, timedelta
from functools import cache

import holidays

from .city_settings import city_settings


@cache
def _french_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("FR", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() in city_settings().working_weekday_numbers and day not in _french_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself never counts)."""
    if days < 0:
        raise ValueError("days must be positive")
    if days and not city_settings().working_weekday_numbers:
        # The settings page refuses it; a row written otherwise must not loop forever.
        raise ValueError("no weekday is worked")
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end`` <= ``start``)."""
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        count += is_working_day(current)
    return count
