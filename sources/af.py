"""Arbetsförmedlingen's monthly unemployment per kommun from `web-inskrivna-arbetslosa-andel-
av-bas-YYYY-MM.xlsx` (reference/arbetsformedlingen.md §2–4).

The pivot cache has PERIOD, LAN, KOM (names) and numerator/denominator pairs `<X>SOK`
(inskrivna arbetslösa) and `<X>AK` (arbetskraft, a 12-month average of SCB's BAS). Shares are
computed from summed numerators and denominators per kommun (a kommun listed under two län,
like Heby, is collapsed), never by averaging shares. The age band is read from the heading of
sheet `andel`; the denominator basis (BAS or RAMS) from the file name. Whether a file carries
öppet arbetslösa separately is unverified: `cache_fields` lists what it has, and nothing here
assumes more than the documented fields.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pandas as pd

from sources.af_pivot import cache_fields, records, sheet_text
from sources.kommuner import code_for

GROUPS = ("TOT", "KVI", "MAN", "UNG", "GAM", "INR", "UTR", "FG", "GY", "EG")
MASKED = "<5"
_BAND = re.compile(r"(\d{2})\s*[-–]\s*(\d{2})\s*år")
_MONTH = re.compile(r"(20\d\d)-(0[1-9]|1[0-2])")


class AfFileError(ValueError):
    def __init__(self, path, message: str):
        self.path = str(path)
        super().__init__(f"{Path(path).name}: {message}")


def basis_from_name(path: str | Path) -> str:
    name = Path(path).name
    if "andel-av-bas" in name:
        return "BAS"
    if "andel-av-reg" in name:
        return "RAMS"
    raise AfFileError(path, "filnamnet säger inte om nämnaren är BAS eller RAMS (andel-av-bas / andel-av-reg…)")


def age_band(path: str | Path) -> str:
    """'16-65' or '16-64', as the heading of sheet `andel` says (never assumed)."""
    text = " ".join(sheet_text(path, "andel"))
    m = _BAND.search(text)
    if not m:
        raise AfFileError(path, f"åldersintervallet (t.ex. '16-65 år') saknas i rubriken på bladet andel")
    return f"{m.group(1)}-{m.group(2)}"


def _number(value, path, n, field):
    if value is None or value == MASKED:
        return None  # missing or masked: never 0 or 5
    if isinstance(value, (int, float)):
        return float(value)
    raise AfFileError(path, f"post {n}, fält {field}: inte ett tal")


def bas_shares(path: str | Path) -> pd.DataFrame:
    """One row per month, kommun and group: inskrivna, arbetskraft, andel (%), masked flag."""
    fields, _ = cache_fields(path)
    missing = [f for f in ("PERIOD", "KOM", "TOTSOK", "TOTAK") if f not in fields]
    if missing:
        raise AfFileError(path, f"fält saknas i pivotcachen: {', '.join(missing)} (har: {', '.join(fields)})")
    groups = [g for g in GROUPS if f"{g}SOK" in fields and f"{g}AK" in fields]
    band, basis = age_band(path), basis_from_name(path)
    sums: dict[tuple, list] = defaultdict(lambda: [0.0, 0.0, False])
    for n, r in enumerate(records(path), start=1):
        period = str(r["PERIOD"])
        if not _MONTH.fullmatch(period):
            raise AfFileError(path, f"post {n}, fält PERIOD: inte en månad ÅÅÅÅ-MM")
        code = code_for(r["KOM"])
        if code is None:
            continue  # "Uppgift saknas": counts for riket only, not for a kommun
        for g in groups:
            sok = _number(r[f"{g}SOK"], path, n, f"{g}SOK")
            ak = _number(r[f"{g}AK"], path, n, f"{g}AK")
            acc = sums[(period, code, g)]
            if sok is None or ak is None:
                acc[2] = True
                continue
            acc[0] += sok
            acc[1] += ak
    rows = [{"period": p, "kommun": c, "grupp": g, "inskrivna": None if m else s, "arbetskraft": None if m else a,
             "andel": None if m or not a else 100 * s / a, "masked": m, "alder": band, "namnare": basis}
            for (p, c, g), (s, a, m) in sorted(sums.items())]
    return pd.DataFrame(rows)
