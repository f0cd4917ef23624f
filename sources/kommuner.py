"""Kommun names to kommunkoder. Arbetsförmedlingen's files name kommuner, never code them.

`kommuner.csv` holds SCB's 290 kommun codes and names as labelled in the Region dimension of
the real TAB6471 metadata response (tests/fixtures/scb/TAB6471_metadata.json, SCB PxWebApi
2.0); rebuild it from a newer /tables/TAB6471/metadata answer when the kommun list changes.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

LIST = Path(__file__).with_name("kommuner.csv")
UNKNOWN = "uppgift saknas"  # AF's row for people without a known kommun


class UnknownKommun(ValueError):
    pass


def normalise(name: str) -> str:
    return " ".join(str(name).split()).casefold()


@lru_cache(maxsize=1)
def _by_name() -> dict[str, str]:
    with LIST.open(encoding="utf-8") as f:
        return {normalise(r["namn"]): r["kod"] for r in csv.DictReader(f)}


def code_for(name: str) -> str | None:
    """The kommunkod of `name`; None for AF's "Uppgift saknas"; an error for anything else."""
    key = normalise(name)
    if key == UNKNOWN:
        return None
    try:
        return _by_name()[key]
    except KeyError:
        raise UnknownKommun(f"okänt kommunnamn {name!r}: finns inte i {LIST.name} (SCB:s kommunlista)") from None
