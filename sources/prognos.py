"""The forecast export contract (Prognosticerat resultat is not in SIE: it lives in the
budget/forecast module, reference/ekonomi_hr.md §2). A project proposal, configurable:

    period;forvaltning;prognos_arets_resultat_mnkr;budget_arets_resultat_mnkr
    2025-08;Barn- och utbildningsförvaltningen;-3,2;0,5

One row per forecast month and förvaltning; amounts in mnkr, decimal comma or point.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sources.csv_export import MONTH, ContractFileError, decode_text, number, read_table


class PrognosFileError(ContractFileError):
    pass


@dataclass(frozen=True)
class PrognosContract:
    period: str = "period"
    forvaltning: str = "forvaltning"
    prognos: str = "prognos_arets_resultat_mnkr"
    budget: str = "budget_arets_resultat_mnkr"


def parse_prognos(raw: bytes | str, path: str | Path = "<prognos>", contract: PrognosContract = PrognosContract(),
                  *, not_after: str | None = None) -> pd.DataFrame:
    """The forecast rows. `not_after` (YYYY-MM, the current month by the warehouse clock)
    refuses a forecast month after it: a forecast is made in its month, so a later one is a
    typo or a test file, and would become the aktuellt värde and be due at KF."""
    def fail(message: str):
        raise PrognosFileError(path, message)

    header, rows = read_table(decode_text(raw), fail)
    need = [contract.period, contract.forvaltning, contract.prognos, contract.budget]
    missing = [c for c in need if c not in header]
    if missing:
        raise PrognosFileError(path, f"kolumner saknas: {', '.join(missing)} (kontraktet: {', '.join(need)})")
    idx = {c: header.index(c) for c in need}
    out = []
    for n, row in rows:
        period = row[idx[contract.period]].strip()
        if not MONTH.fullmatch(period):
            raise PrognosFileError(path, f"rad {n}, kolumn {contract.period}: inte en månad ÅÅÅÅ-MM")
        if not_after and period > not_after:
            raise PrognosFileError(path, f"rad {n}, kolumn {contract.period}: {period} ligger efter innevarande "
                                         f"månad {not_after}; en prognos kan inte gälla en kommande månad")
        rec = {"period": period, "forvaltning": row[idx[contract.forvaltning]].strip()}
        if not rec["forvaltning"]:
            raise PrognosFileError(path, f"rad {n}, kolumn {contract.forvaltning}: tomt")
        for key, col in (("prognos", contract.prognos), ("budget", contract.budget)):
            try:
                rec[key] = number(row[idx[col]])
            except ValueError:
                raise PrognosFileError(path, f"rad {n}, kolumn {col}: inte ett tal") from None
        out.append(rec)
    if not out:
        raise PrognosFileError(path, "filen har inga datarader")
    frame = pd.DataFrame(out)
    if frame.duplicated(["period", "forvaltning"]).any():
        raise PrognosFileError(path, "samma period och förvaltning förekommer flera gånger")
    return frame
