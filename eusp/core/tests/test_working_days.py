from datetime import date

import pytest

from eusp.core.city_settings import city_settings
from eusp.core.working_days import add_working_days, is_working_day, working_days_between

# Which weekdays are worked is the city's setting, kept in the database.
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 12, 4), True),  # a Friday
        (date(2026, 12, 5), False),  # Saturday
        (date(2026, 12, 25), False),  # Noël
        (date(2026, 7, 14), False),  # fête nationale
        (date(2026, 5, 14), False),  # Ascension 2026
        (date(2026, 5, 25), False),  # lundi de Pentecôte 2026
    ],
)
def test_french_public_holidays_and_weekends_are_not_worked(day, working):
    assert is_working_day(day) is working


def test_ten_days_skip_weekends_and_christmas():
    # Friday 18 December 2026 + 10 working days: 21–24, (25 Noël), 28–31, (1 Jan), 4 → 5 January.
    assert add_working_days(date(2026, 12, 18), 10) == date(2027, 1, 5)


def test_zero_days_is_the_same_day():
    assert add_working_days(date(2026, 12, 4), 0) == date(2026, 12, 4)


def test_counting_back_matches_adding():
    start = date(2026, 4, 30)
    end = add_working_days(start, 7)
    assert working_days_between(start, end) == 7


def test_a_city_that_works_on_saturday_counts_it():
    city = city_settings()
    city.working_weekdays = "012345"
    city.save()
    assert is_working_day(date(2026, 12, 5))  # a Saturday
    assert not is_working_day(date(2026, 12, 6))  # Sunday stays off
    assert not is_working_day(date(2026, 12, 25))  # and Noël
    # Friday 4 December + 1 working day is now Saturday 5, not Monday 7.
    assert add_working_days(date(2026, 12, 4), 1) == date(2026, 12, 5)


def test_a_settings_row_with_no_working_day_is_refused_not_looped_on():
    from django.core.exceptions import ValidationError

    city = city_settings()
    city.working_weekdays = ""
    with pytest.raises(ValidationError):
        city.full_clean()
    city.save()  # written around the settings page, as a script could
    with pytest.raises(ValueError):
        add_working_days(date(2026, 12, 4), 3)
