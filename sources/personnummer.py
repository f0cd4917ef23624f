"""Personnummer (and samordningsnummer) in files and names: found, masked, never repeated.

The warehouse holds aggregates only (DEVELOPERS.md). Every inbox file is scanned before
anything else, whatever it claims to be, and a file with something personnummer-like in it
is deleted, keeping only a note that names the line, never the value. File names are masked
before they reach a table, a note, a log line, a run's config or tags.

A personnummer is 6 or 8 digits of birth date (day + 60 for a samordningsnummer), an
optional - or +, and 4 digits: YYMMDD-NNNN, YYYYMMDDNNNN, … An organisation number has a
"month" of 20 or more, so it never matches.

SIE files hold amounts, which can be ten digits without a separator ("1203011234.50" kr),
so in SIE records (lines that start with '#', '{' or '}') the unseparated form counts only
inside a quoted string or an object list {…}; the separated form (…-NNNN, …+NNNN) counts
anywhere. Lines that are not SIE syntax are scanned like any text.
"""

from __future__ import annotations

import re

_BIRTH_DATE = r"(?<!\d)(?:19|20)?\d{2}(?:0[1-9]|1[0-2])(?:[0-8]\d|9[01])"
PERSONNUMMER = re.compile(_BIRTH_DATE + r"[-+]?\d{4}(?!\d)")
SEPARATED = re.compile(_BIRTH_DATE + r"[-+]\d{4}(?!\d)")  # …-NNNN, …+NNNN
# A SIE record's tokens: a quoted string, an object list, or a bare field (sources/sie.py).
_SIE_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\{[^}]*\}|\S+')
MASK = "ÅÅMMDD-XXXX"


def mask(text: str) -> str:
    """`text` with every personnummer-like sequence replaced by ÅÅMMDD-XXXX."""
    return PERSONNUMMER.sub(MASK, text)


def personnummer_line(text: str, *, sie: bool = False) -> int | None:
    """The first line holding something personnummer-like, or None. With `sie`, SIE records
    are read as SIE (module docstring); other lines as plain text."""
    if not PERSONNUMMER.search(text):  # the usual case, one pass over the whole text
        return None
    for i, line in enumerate(text.splitlines(), 1):
        if not PERSONNUMMER.search(line):
            continue
        if not sie or not line.lstrip().startswith(("#", "{", "}")):
            return i
        for token in _SIE_TOKEN.findall(line):
            quoted = token[0] in '"{'
            if (PERSONNUMMER if quoted else SEPARATED).search(token):
                return i
    return None


class PersonalData(ValueError):
    """A file holds person-level data: it must be deleted, not kept (person_data is True)."""

    person_data = True

    def __init__(self, name: str, line: int):
        super().__init__(f"{name}: rad {line} innehåller något som liknar ett personnummer; filen lagras inte "
                         "(bara aggregat tas emot)")
