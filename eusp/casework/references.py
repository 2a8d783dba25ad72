"""Human references ``YYYY-NNNNN``: unique and gap-free per year, even under concurrency."""

from django.db import transaction
from django.db.models import F

from .models import ReferenceCounter


def format_reference(year: int, number: int) -> str:
    return f"{year}-{number:05d}"


def reference_allocate(year: int, count: int = 1) -> int:
    """Reserve ``count`` consecutive numbers of ``year``; return the first.

    The UPDATE locks the year's counter row until the caller's transaction ends,
    so concurrent creations queue on it instead of reading the same value
    (PostgreSQL row lock; SQLite's IMMEDIATE transactions serialise writers).
    """
    assert transaction.get_connection().in_atomic_block, "call inside the creating transaction"
    ReferenceCounter.objects.bulk_create([ReferenceCounter(year=year, last_number=0)], ignore_conflicts=True)
    ReferenceCounter.objects.filter(year=year).update(last_number=F("last_number") + count)
    last = ReferenceCounter.objects.filter(year=year).values_list("last_number", flat=True).get()
    return last - count + 1
