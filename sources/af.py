"""Arbetsförmedlingen's monthly statistics files, parsed into per-kommun totals
(reference/arbetsformedlingen.md §2–4, §6).

AF publishes pivot-table workbooks, one per statistic and month (`<prefix>-YYYY-MM.xlsx`). The
warehouse reads five of them (`FILES`). Each parser sums the file's raw rows per month and
kommun (a kommun listed under two län, like Heby, is collapsed) and returns one tidy frame:
period (YYYY-MM), region (kommunkod), measure, value, low, high, status. A measure is named
after the file's own field (TOTSOK, INSAL, SAMTLIGA, …), so nothing is renamed on the way in.

- Kommuner are named, never coded: names map to codes with SCB's list (sources/kommuner.py);
  an unknown name is an error, AF's "Uppgift saknas" rows count for no kommun.
- A count shown as `<5` (the tid-utan-arbete file) is masked: value NULL and status '<5',
  never 0 or 5. A sum with masked parts is masked too, but keeps what is known: low = the
  sum of the unmasked parts, high = low + 4 per masked part (a masked count is 0–4), which
  the cross-file checks compare. An empty cell (`<m/>`, a blank sheet cell) is not a
  masked count: its sum is unknown, status '..' (SCB's symbol for a missing figure).
- Shares (`bas_shares`) come from summed numerators and denominators, never averaged shares.
- Whether a file also carries öppet arbetslösa separately is unverified (reference §7):
  `cache_fields` lists what a file has, and nothing here assumes more than the documented
  fields. Whether a caller's breakdown fields (KOEN, ALDGR, …) also hold total rows is
  unverified too; the sums follow what KA's parser does (all raw rows), and the cross-file
  checks (warehouse/af/load.py) would show a doubled total at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from sources.af_pivot import cache_fields, cache_numbers, records, sheet_text
from sources.kommuner import UnknownKommun, code_for

MASKED = "<5"
GROUPS = ("TOT", "KVI", "MAN", "UNG", "GAM", "INR", "UTR", "FG", "GY", "EG")
_BAND = re.compile(r"(\d{2})\s*[-–]\s*(\d{2})\s*år")
MONTH = re.compile(r"(20\d\d)-(0[1-9]|1[0-2])")
COLUMNS = ["period", "region", "measure", "value", "low", "high", "status"]
MASK_MAX = 4  # a count shown as <5 is 0–4 (whether AF shows 0 as <5 is unverified)


@dataclass(frozen=True)
class AfFile:
    kind: str
    prefix: str
    description: str


# The files the warehouse reads; a month is fetched only when every one of them shows it.
FILES = {
    f.kind: f for f in (
        AfFile("bas", "web-inskrivna-arbetslosa-andel-av-bas",
               "Inskrivna arbetslösa, andel av arbetskraften (BAS), per kommun"),
        AfFile("sok", "web-sok-lan-kom", "Inskrivna arbetslösa per län och kommun, med bakgrund"),
        AfFile("tid", "web-inskrivna-arbetslosa-tid-utan-arbete-lan-kom",
               "Inskrivna arbetslösa efter tid utan arbete, per kommun"),
        AfFile("svag", "web-inskrivna-arbetslosa-svag-konkurrensformaga",
               "Inskrivna arbetslösa med svag konkurrensförmåga, per kommun"),
        AfFile("yrke", "web-arbetslosa-yrkesomrade", "Inskrivna arbetslösa efter yrkesområde, per kommun"),
    )
}


class AfFileError(ValueError):
    def __init__(self, path, message: str):
        self.path = str(path)
        super().__init__(f"{Path(path).name}: {message}")


def kind_of(path: str | Path) -> str:
    """Which of FILES a file is, from its name (`<prefix>-YYYY-MM.xlsx`)."""
    name = Path(path).name
    if re.fullmatch(r"web-inskrivna-arbetslosa-andel-av-reg\S*-20\d\d-\d\d\.xlsx", name):
        return "bas"  # the older RAMS-based share (to 2022-12): the same layout, basis RAMS
    for f in FILES.values():
        if re.fullmatch(re.escape(f.prefix) + r"-20\d\d-\d\d\.xlsx", name):
            return f.kind
    raise AfFileError(path, f"okänt filnamn; väntade något av {', '.join(f.prefix + '-ÅÅÅÅ-MM.xlsx' for f in FILES.values())}")


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
        raise AfFileError(path, "åldersintervallet (t.ex. '16-65 år') saknas i rubriken på bladet andel")
    return f"{m.group(1)}-{m.group(2)}"


def _number(value, path, where: str):
    """A float, MASKED for "<5", or None for an empty cell."""
    if value is None or value == MASKED:
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise AfFileError(path, f"{where}: inte ett tal ({value!r})")


def _period(value, path, where: str) -> str:
    if isinstance(value, (date, datetime)):
        return f"{value.year}-{value.month:02d}"
    text = str(value).strip()
    if not MONTH.fullmatch(text):
        raise AfFileError(path, f"{where}: PERIOD {value!r} är inte en månad ÅÅÅÅ-MM")
    return text


class _Sums:
    """Per (month, kommun): for each measure the sum of known parts, the number of masked
    parts and whether a part was empty. Millions of records, a few hundred months and
    kommuner: one entry per (month, kommun), not per record."""

    def __init__(self, measures: list[str]):
        self.measures = measures
        self.acc: dict[tuple, tuple[list, list, list]] = {}

    def entry(self, period: str, region: str) -> tuple[list, list, list]:
        key = (period, region)
        e = self.acc.get(key)
        if e is None:
            k = len(self.measures)
            e = self.acc[key] = ([0.0] * k, [0] * k, [False] * k)
        return e

    @staticmethod
    def add(entry, i: int, value) -> None:
        if value.__class__ is float:
            entry[0][i] += value
        elif value is None:
            entry[2][i] = True
        else:  # MASKED
            entry[1][i] += 1

    def frame(self) -> pd.DataFrame:
        rows = []
        for (period, region), (sums, masked, empty) in sorted(self.acc.items()):
            for i, m in enumerate(self.measures):
                if empty[i]:
                    rows.append((period, region, m, None, None, None, ".."))
                elif masked[i]:
                    rows.append((period, region, m, None, sums[i], sums[i] + MASK_MAX * masked[i], MASKED))
                else:
                    rows.append((period, region, m, sums[i], sums[i], sums[i], ""))
        return pd.DataFrame(rows, columns=COLUMNS).sort_values(["period", "region", "measure"], ignore_index=True)


def _kommun(codes: dict, name, path, where: str):
    """The kommunkod of a name (each name mapped once); an unknown one names file and place."""
    if name in codes:
        return codes[name]
    try:
        code = code_for(name) if name is not None else _missing_name()
    except UnknownKommun as exc:
        raise AfFileError(path, f"{where}: {exc}") from None
    codes[name] = code
    return code


def _missing_name():
    raise UnknownKommun("kommunnamnet saknas (tom cell)")


def _pick_cache(path, required: list[str]) -> int:
    """The cache holding every required field; of several, the one with fewest fields (the
    web-sok file has three caches, the plain one without FODLGRP/UTBILDNING is wanted)."""
    found = []
    for n in cache_numbers(path):
        fields, _ = cache_fields(path, n)
        if all(f in fields for f in required):
            found.append((len(fields), n))
    if not found:
        have = {n: cache_fields(path, n)[0] for n in cache_numbers(path)}
        raise AfFileError(path, f"ingen pivotcache har fälten {', '.join(required)} (har: {have})")
    return min(found)[1]


def pivot_totals(path: str | Path, kommun_field: str, measures: list[str]) -> pd.DataFrame:
    """Sum `measures` per month and kommun over every raw record of the matching cache."""
    cache = _pick_cache(path, ["PERIOD", kommun_field, *measures])
    sums, periods, codes = _Sums(measures), {}, {}
    for n, r in enumerate(records(path, cache), start=1):
        raw = r["PERIOD"]
        period = periods.get(raw) or periods.setdefault(raw, _period(raw, path, f"cache {cache}, post {n}"))
        region = _kommun(codes, r[kommun_field], path, f"cache {cache}, post {n}, fält {kommun_field}")
        if region is None:
            continue  # "Uppgift saknas": counts for riket only, not for a kommun
        entry = sums.entry(period, region)
        for i, m in enumerate(measures):
            value = r[m]
            if value.__class__ is not float:  # a number needs no check; anything else does
                value = _number(value, path, f"cache {cache}, post {n}, fält {m}")
            sums.add(entry, i, value)
    return sums.frame()


# Sheet `Total` of the tid-utan-arbete file: header on row 5 (KA); read by these names.
TID_SHEET = "Total"
TID_COLUMNS = {
    "ARBETSLÖSA": "ARBETSLOSA",
    "Utan arbete mer än 6 månader": "UA06",
    "Utan arbete mer än 12 månader": "UA12",
    "Utan arbete mer än 24 månader": "UA24",
}
TID_KOMMUN = "KOMMUN"


def tid_totals(path: str | Path) -> pd.DataFrame:
    """The tid-utan-arbete file, read from its sheet `Total` (it is a plain table with `<5`
    masking, reference §2); the header row is found by its PERIOD cell (row 5 in AF's files)."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a file that is no workbook
        raise AfFileError(path, f"kan inte öppnas som xlsx: {exc}") from None
    try:
        if TID_SHEET not in wb.sheetnames:
            raise AfFileError(path, f"bladet {TID_SHEET!r} saknas (har: {', '.join(wb.sheetnames)})")
        sums, header, codes = _Sums(list(TID_COLUMNS.values())), None, {}
        for line, row in enumerate(wb[TID_SHEET].iter_rows(values_only=True), start=1):
            cells = [c.strip() if isinstance(c, str) else c for c in row]
            if header is not None:
                cells += [None] * (max(header.values()) + 1 - len(cells))  # short rows: blank trailing cells
            if header is None:
                if "PERIOD" in cells:
                    header = {name: i for i, name in enumerate(cells) if isinstance(name, str)}
                    missing = [c for c in ["PERIOD", TID_KOMMUN, *TID_COLUMNS] if c not in header]
                    if missing:
                        raise AfFileError(path, f"blad {TID_SHEET}, rad {line}: kolumner saknas: {', '.join(missing)}")
                continue
            first = cells[header["PERIOD"]]
            if all(c is None for c in cells) or (isinstance(first, str) and first.startswith("Total")):
                continue  # empty rows and the pivot view's grand total
            where = f"blad {TID_SHEET}, rad {line}"
            period = _period(first, path, where)
            region = _kommun(codes, cells[header[TID_KOMMUN]], path, f"{where}, kolumn {TID_KOMMUN}")
            if region is None:
                continue
            entry = sums.entry(period, region)
            for i, column in enumerate(TID_COLUMNS):
                sums.add(entry, i, _number(cells[header[column]], path, f"{where}, kolumn {column}"))
        if header is None:
            raise AfFileError(path, f"blad {TID_SHEET}: ingen rubrikrad med PERIOD")
        return sums.frame()
    finally:
        wb.close()


def file_totals(path: str | Path) -> pd.DataFrame:
    """The per-kommun totals of any of FILES, by its name."""
    kind = kind_of(path)
    if kind == "bas":
        return pivot_totals(path, "KOM", _bas_measures(path))
    if kind == "sok":
        return pivot_totals(path, "KOMMUN_BESKR", ["INSAL"])
    if kind == "tid":
        return tid_totals(path)
    if kind == "svag":
        return pivot_totals(path, "KOMMUN_BESKR", ["SAMTLIGA", "UTSATTA"])
    return pivot_totals(path, "KOMMUN", ["KVAR"])


def _bas_measures(path) -> list[str]:
    fields, _ = cache_fields(path, _pick_cache(path, ["PERIOD", "KOM"]))
    missing = [f for f in ("TOTSOK", "TOTAK") if f not in fields]
    if missing:
        raise AfFileError(path, f"fält saknas i pivotcachen: {', '.join(missing)} (har: {', '.join(fields)})")
    return [f"{g}{s}" for g in GROUPS if f"{g}SOK" in fields and f"{g}AK" in fields for s in ("SOK", "AK")]


def bas_shares(path: str | Path, totals: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per month, kommun and group: inskrivna, arbetskraft and andel (%), each with its
    status ('' | '<5' | '..'), plus the age band (from the heading) and the denominator basis
    (from the file name). The share is summed inskrivna over summed arbetskraft; a masked or
    missing part leaves the share NULL, and the other part keeps its value."""
    band, basis = age_band(path), basis_from_name(path)
    totals = pivot_totals(path, "KOM", _bas_measures(path)) if totals is None else totals
    parts = {(r.period, r.region, r.measure): (r.value, r.status) for r in totals.itertuples()}
    rows = []
    for period, region in sorted({(p, r) for p, r, _ in parts}):
        for g in GROUPS:
            if (period, region, f"{g}SOK") not in parts:
                continue
            (sok, sok_status), (ak, ak_status) = parts[(period, region, f"{g}SOK")], parts[(period, region, f"{g}AK")]
            share_status = ".." if ".." in (sok_status, ak_status) else MASKED if MASKED in (sok_status, ak_status) else ""
            share = 100 * sok / ak if share_status == "" and ak > 0 else None
            rows.append((period, region, g, sok, sok_status, ak, ak_status, share, share_status, band, basis))
    return pd.DataFrame(rows, columns=["period", "kommun", "grupp", "inskrivna", "inskrivna_status", "arbetskraft",
                                       "arbetskraft_status", "andel", "andel_status", "alder", "namnare"])
