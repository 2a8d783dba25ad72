"""Form pieces the administration areas share: ids read from user input, checked before any
query."""

import re

from django import forms
from django.core.exceptions import ValidationError

# A database key: a positive 64-bit signed integer (PostgreSQL's bigint, SQLite's INTEGER).
PK_PATTERN = re.compile(r"[0-9]{1,19}")
PK_MAX = 2**63 - 1


def parse_pk(value) -> int | None:
    """The id ``value`` stands for, or None when it is not one a database key can hold:
    1 to 19 ASCII digits (no sign, space or other script's digits), from 1 to 2**63 - 1.

    Checked before any query: SQLite cannot even be asked about a larger number
    (OverflowError), and PostgreSQL refuses it too."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= PK_MAX else None
    if not isinstance(value, str) or not PK_PATTERN.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= PK_MAX else None


class PkMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField whose values are checked with ``parse_pk`` before the
    query: anything else is « Sélectionnez un choix valide », never a 500."""

    def _check_values(self, value):
        for item in value:
            if parse_pk(item if isinstance(item, int) else str(item)) is None:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": item}
                )
        return super()._check_values(value)
