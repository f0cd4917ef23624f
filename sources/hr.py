"""The HR export contract: sick leave, working time, headcount and leavers, aggregated per
förvaltning and month (a project proposal, reference/ekonomi_hr.md §4; no public standard
exists, so the column names are configurable through `HrContract`).

The warehouse holds aggregates only. A file that looks person-level (a personnummer-like
value anywhere, or a column named like one that identifies a person) is refused before any
row is kept, and the error never repeats the value it found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sources.csv_export import MONTH, decode_text, number, read_table
from sources.personnummer import personnummer_line


class HrFileError(ValueError):
    def __init__(self, path, message: str, *, person_data: bool = False):
        self.path = str(path)
        self.person_data = person_data  # the caller must delete such a file, not keep it
        super().__init__(f"{path}: {message}")


@dataclass(frozen=True)
class HrContract:
    """Column names of the export; change them here (or in configuration) to fit a system."""

    period: str = "period"                         # YYYY-MM
    forvaltning: str = "forvaltning"
    measures: tuple[str, ...] = (
        "ordinarie_arbetstid_timmar",
        "sjuk_timmar_dag1_14",
        "sjuk_timmar_dag15_59",
        "sjuk_timmar_dag60plus",
        "antal_tillsvidareanstallda_medel",
        "avgangar_egen_begaran",
        "avgangar_pension",
        "avgangar_ovrigt",
        "nyanstallda",
    )
    optional: tuple[str, ...] = ("kon", "aldersgrupp")


@dataclass
class HrExport:
    path: str
    frame: pd.DataFrame            # one row per period × förvaltning (× kön × åldersgrupp)
    warnings: list[str] = field(default_factory=list)


def parse_hr(raw: bytes | str, path: str | Path = "<hr>", contract: HrContract = HrContract(),
             *, not_after: str | None = None) -> HrExport:
    """The export's rows. `not_after` (YYYY-MM, the current month by the warehouse clock)
    refuses a month after it: outcomes of a month that has not begun cannot exist."""
    def fail(message: str, person_data: bool = False):
        raise HrFileError(path, message, person_data=person_data)

    text = decode_text(raw)
    line = personnummer_line(text)
    if line:
        raise HrFileError(path, f"rad {line} innehåller något som liknar ett personnummer; filen ser ut att "
                                "innehålla personuppgifter och lagras inte (bara aggregat per förvaltning och månad)",
                          person_data=True)
    header, rows = read_table(text, fail)
    required = [contract.period, contract.forvaltning, *contract.measures]
    # An allowlist, not a blocklist of suspicious names: any column outside the contract may
    # hold names or ids, so the file is refused (and deleted) rather than partly read.
    extra = [h for h in header if h not in required and h not in contract.optional]
    if extra:
        raise HrFileError(path, f"kolumner utanför kontraktet ({', '.join(extra)}) kan innehålla uppgifter om "
                                "enskilda personer; filen lagras inte", person_data=True)
    missing = [c for c in required if c not in header]
    if missing:
        raise HrFileError(path, f"kolumner saknas: {', '.join(missing)} (kontraktet: {', '.join(required)})")
    keep = required + [c for c in contract.optional if c in header]
    idx = {c: header.index(c) for c in keep}
    records = []
    for n, row in rows:
        rec = {c: row[i].strip() for c, i in idx.items()}
        if not MONTH.fullmatch(rec[contract.period]):
            raise HrFileError(path, f"rad {n}, kolumn {contract.period}: inte en månad ÅÅÅÅ-MM")
        if not_after and rec[contract.period] > not_after:
            raise HrFileError(path, f"rad {n}, kolumn {contract.period}: {rec[contract.period]} ligger efter "
                                    f"innevarande månad {not_after}; utfall kan inte gälla en kommande månad")
        if not rec[contract.forvaltning]:
            raise HrFileError(path, f"rad {n}, kolumn {contract.forvaltning}: tomt")
        for m in contract.measures:
            try:
                value = number(rec[m])
            except ValueError:
                raise HrFileError(path, f"rad {n}, kolumn {m}: inte ett tal") from None
            if value < 0:
                raise HrFileError(path, f"rad {n}, kolumn {m}: negativt värde")
            rec[m] = value
        records.append(rec)
    if not records:
        raise HrFileError(path, "filen har inga datarader")
    frame = pd.DataFrame(records).rename(columns={contract.period: "period", contract.forvaltning: "forvaltning"})
    keys = ["period", "forvaltning"] + [c for c in contract.optional if c in frame.columns]
    if frame.duplicated(keys).any():
        # Several rows per förvaltning and month is what a per-employee export looks like.
        raise HrFileError(path, f"samma {', '.join(keys)} förekommer flera gånger: filen ser ut att ha en rad per "
                                "person, inte aggregat; den lagras inte", person_data=True)
    return HrExport(str(path), frame)
