"""The PostgreSQL side of the word search, created by migration casework 0005.

``search_vector`` is a stored generated column (PostgreSQL keeps it up to date on every
write, whoever writes), weighted by where a word is found: A the subject, B the
requester (names, e-mail, phone digits), C the addresses and postcode, D the description
and the timeline's notes. Internal notes have their own vector, searched only for those
who may read them. Both are indexed with GIN. ``eusp_fold`` does what
``search.text.fold`` does in Python (unaccent, lower case); it is declared IMMUTABLE so
that a generated column may use it — true as long as the unaccent rules do not change.
"""

FOLD_FUNCTION = """
CREATE OR REPLACE FUNCTION eusp_fold(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$
"""

WEIGHTED = {
    "A": ("french", "subject"),
    "B": (
        "simple",
        "requester_last_name || ' ' || requester_first_name || ' ' || translate(requester_email, '@.-_+', '     ')"
        " || ' ' || regexp_replace(requester_phone, '\\D', '', 'g')",
    ),
    "C": (
        "french",
        "location_address || ' ' || requester_address || ' ' || requester_postcode || ' ' || requester_city",
    ),
    "D": ("french", "description || ' ' || search_notes"),
}


def _vector() -> str:
    return " || ".join(
        f"setweight(to_tsvector('{config}'::regconfig, eusp_fold({text})), '{weight}')"
        for weight, (config, text) in WEIGHTED.items()
    )


CREATE = [
    "CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public",
    FOLD_FUNCTION,
    f"ALTER TABLE casework_servicerequest ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({_vector()}) STORED",
    "ALTER TABLE casework_servicerequest ADD COLUMN search_internal_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('french'::regconfig, eusp_fold(search_internal_notes))) STORED",
    "CREATE INDEX request_search_idx ON casework_servicerequest USING gin (search_vector)",
    "CREATE INDEX request_search_internal_idx ON casework_servicerequest USING gin (search_internal_vector)",
]

DROP = [
    "DROP INDEX IF EXISTS request_search_internal_idx",
    "DROP INDEX IF EXISTS request_search_idx",
    "ALTER TABLE casework_servicerequest DROP COLUMN IF EXISTS search_internal_vector",
    "ALTER TABLE casework_servicerequest DROP COLUMN IF EXISTS search_vector",
    "DROP FUNCTION IF EXISTS eusp_fold(text)",
]
