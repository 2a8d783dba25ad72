"""How words are compared: case and accents folded, punctuation dropped, phone numbers
as one string of digits. Used on both sides — what is stored and what is typed — and
registered as SQLite's ``eusp_fold`` function; PostgreSQL does the same with unaccent."""

import re
import unicodedata
from datetime import date

from django.utils import timezone

# Letters a plain NFKD decomposition leaves alone, folded as French readers expect.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "đ": "d", "ł": "l"})
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_DIGIT_GROUPS = re.compile(r"^\+?[\d\s.\-()]{6,}$")
_REFERENCE = re.compile(r"^\s*(?:(\d{4})-)?0*(\d{1,7})\s*$")

MAX_TERMS = 12  # a pasted paragraph is not a search: the first words are enough


def fold(text: str | None) -> str:
    """« Éclairage – Rue Louis-Pasteur » → « eclairage rue louis pasteur »."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_LIGATURES))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NOT_WORD.split(bare)).strip()


def query_terms(query: str) -> list[str]:
    """The words to look for; a phone number typed with spaces or dots is one word."""
    query = (query or "").replace("\x00", "")
    if _DIGIT_GROUPS.match(query.strip()):
        digits = re.sub(r"\D", "", query)
        return [digits] if digits else []
    seen: list[str] = []
    for term in fold(query).split():
        # A lone letter (« l » of « l'école ») would match nearly everything; a house number is kept.
        if term not in seen and (len(term) > 1 or term.isdigit()):
            seen.append(term)
    return seen[:MAX_TERMS]


def reference_in(query: str, today: date | None = None) -> str | None:
    """The reference a query names, if it is one: « 2026-00042 », or « 42 » for this year."""
    match = _REFERENCE.match(query or "")
    if not match:
        return None
    year = int(match.group(1)) if match.group(1) else (today or timezone.localdate()).year
    return f"{year}-{int(match.group(2)):05d}"
