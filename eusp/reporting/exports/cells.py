"""What may go in a cell of an exported file, whatever its format.

Citizens type the requests' text, and a cell that begins with ``=``, ``+``, ``-`` or ``@``
(or a tab or carriage return) is run as a formula by a spreadsheet that opens a CSV, and
by one that re-imports a copied cell: every text cell of every format gets the OWASP
neutralisation, a leading single quote. Numbers and dates are cells of their own type and
are never text.
"""

import re

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Characters XML 1.0 forbids (control characters but tab and line feed — carriage
# returns are turned into line feeds — and non-characters): dropped from XLSX and ODS,
# which are XML, or the file would not open at all.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def neutralise(value: str) -> str:
    """``value`` as a spreadsheet shows it and never evaluates it."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


# Anything in a text that xml_text has to change; most cells have none (one search: at
# millions of cells the export's main cost).
XML_SPECIAL = re.compile("[&<>\x00-\x08\x0b-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(value: str) -> str:
    """A neutralised text cell as XML character data: forbidden characters dropped (before
    the neutralisation, which must see what is left), line ends as line feeds (a
    spreadsheet's line break in a cell), ``& < >`` escaped."""
    if XML_SPECIAL.search(value) is None:
        return neutralise(value)
    value = neutralise(XML_ILLEGAL.sub("", value))
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
