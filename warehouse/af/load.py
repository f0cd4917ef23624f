"""Arbetsförmedlingen: recording downloads, reading files into per-kommun totals, and the
observations the catalog reads.

A file month is loaded from the newest download of each of its files (stg.af_latest_files).
Every PERIOD a file holds is loaded (whether AF's files hold only their own month or the
series back to 2023-01 is unverified; both work): a period revised by a newer file becomes
a new vintage. A period that a newer file month also holds is read from the newer file only,
so re-running an old month never turns a newer figure back into an older one. Observations:

- inskrivna_arbetslosa_andel (%), inskrivna_arbetslosa and arbetskraft (the 12-month BAS
  average) from the BAS file, per AF group (TOT, KVI, MAN, UNG, …), with the age band and
  the denominator basis of the file on every value;
- utan_arbete_6/12/24_manader (counts) from the tid file, breakdown 'T', '<5' kept as status.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from sources.af import AfFileError, bas_shares, file_totals
from sources.af_web import Download
from sources.jsonstat import period_bounds
from warehouse.core.db import transaction
from warehouse.core.observations import COLUMNS, NO_CHANGES, RetireGuard, Scope, merge_observations

TABLE = "stg.af_observations"
SOURCE = "arbetsformedlingen"
EXTRA = ["period_start", "file_sha256", "alder", "namnare"]
BAS_SERIES = {"andel": "inskrivna_arbetslosa_andel", "inskrivna": "inskrivna_arbetslosa", "arbetskraft": "arbetskraft"}
TID_SERIES = {"UA06": "utan_arbete_6_manader", "UA12": "utan_arbete_12_manader", "UA24": "utan_arbete_24_manader"}
CHECKS = {
    "sok_insal": "web-sok-lan-kom: Σ INSAL = ARBETSLÖSA (tid-filen)",
    "svag_samtliga": "svag konkurrensförmåga: Σ SAMTLIGA = ARBETSLÖSA",
    "yrke_kvar": "yrkesområde: Σ KVAR = ARBETSLÖSA",
    "bas_kvi_man": "BAS-filen: KVISOK + MANSOK = ARBETSLÖSA",
}


def record_downloads(conn, downloads: list[Download], *, file_month: str, alder: str | None,
                     namnare: str | None, run_id: str | None) -> None:
    with transaction(conn):
        for d in downloads:
            bas = d.kind == "bas"
            conn.execute("INSERT INTO raw.af_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         [file_month, d.kind, d.file_name, d.url, d.sha256, d.bytes, d.fetched_at, str(d.path),
                          alder if bas else None, namnare if bas else None, run_id])


def previous_sha(conn, file_month: str) -> dict[str, str]:
    """{kind: sha256} of the newest stored download of each file of the month."""
    return dict(conn.execute("SELECT kind, sha256 FROM stg.af_latest_files WHERE file_month = ?", [file_month]).fetchall())


def latest_files(conn, file_month: str) -> pd.DataFrame:
    return conn.execute("SELECT * FROM stg.af_latest_files WHERE file_month = ? ORDER BY kind", [file_month]).df()


def store_totals(conn, sha256: str, kind: str, totals: pd.DataFrame) -> None:
    """The file's per-kommun totals; a file read again replaces its own rows (idempotent)."""
    conn.register("incoming_totals", totals.assign(file_sha256=sha256, kind=kind))
    try:
        with transaction(conn):
            conn.execute("DELETE FROM stg.af_file_totals WHERE file_sha256 = ?", [sha256])
            conn.execute("INSERT INTO stg.af_file_totals BY NAME SELECT file_sha256, kind, period, region, measure, "
                         "value, low, high, status FROM incoming_totals")
    finally:
        conn.unregister("incoming_totals")


def superseded(conn, file_month: str, kind: str) -> set[str]:
    """Periods (YYYY-MM) that a newer file month's file of the same kind holds."""
    rows = conn.execute(
        "SELECT DISTINCT t.period FROM stg.af_latest_files f JOIN stg.af_file_totals t ON t.file_sha256 = f.sha256 "
        "WHERE f.kind = ? AND f.file_month > ?", [kind, file_month]).fetchall()
    return {p for (p,) in rows}


def _code(month: str) -> str:
    return month.replace("-", "M")  # 2026-10 -> 2026M10, the warehouse's month code


def _shape(frame: pd.DataFrame, fetched_at: datetime, sha: str) -> pd.DataFrame:
    bounds = frame.period.map(period_bounds)
    return frame.assign(period_start=bounds.str[0], period_end=bounds.str[1], is_deleted=False,
                        fetched_at=fetched_at, response_id=None, file_sha256=sha)


def bas_observations(shares: pd.DataFrame, fetched_at: datetime, sha: str) -> pd.DataFrame:
    parts = [pd.DataFrame({"series": series, "breakdown": shares.grupp, "region": shares.kommun,
                           "period": shares.period.map(_code), "value": shares[column],
                           "status": shares[f"{column}_status"], "alder": shares.alder, "namnare": shares.namnare})
             for column, series in BAS_SERIES.items()]
    return _shape(pd.concat(parts, ignore_index=True), fetched_at, sha)


def tid_observations(totals: pd.DataFrame, fetched_at: datetime, sha: str) -> pd.DataFrame:
    t = totals[totals.measure.isin(list(TID_SERIES))]
    frame = pd.DataFrame({"series": t.measure.map(TID_SERIES), "breakdown": "T", "region": t.region,
                          "period": t.period.map(_code), "value": t.value,
                          "status": t.status, "alder": None, "namnare": None})
    return _shape(frame, fetched_at, sha)


class CrossChecksFailed(ValueError):
    """The month's files disagree: nothing of the month was merged into the observations."""

    def __init__(self, file_month: str, checks: pd.DataFrame):
        self.checks = checks
        bad = checks[checks.utfall.isin(FAILING)]
        counts = ", ".join(f"{k} {n}" for k, n in bad.groupby("kontroll").size().items())
        missing = sorted(set(CHECKS) - set(checks.kontroll))
        text = f"AF {file_month}: filerna stämmer inte med varandra ({counts or 'inga avvikelser'}"
        text += f"; kontroll utan underlag: {', '.join(missing)})" if missing else ")"
        super().__init__(text + "; månaden lästes inte in, tidigare värden gäller")


FAILING = ("avvikelse", "saknas")


def failing(checks: pd.DataFrame) -> bool:
    return checks.utfall.isin(FAILING).any() or set(checks.kontroll) != set(CHECKS)


def _scope(conn, file_month: str, kind: str, series: list[str], newer: set[str], fetched_at) -> Scope:
    """Everything the month's files of this kind have ever held (older downloads included), so
    a month that a replacement file no longer has for a kommun it does have is tombstoned, not
    left current (a kommun the file lacks altogether keeps its values: warehouse/core/observations.py)."""
    rows = conn.execute(
        "SELECT DISTINCT t.region, t.period FROM raw.af_files f JOIN stg.af_file_totals t ON t.file_sha256 = f.sha256 "
        "WHERE f.file_month = ? AND f.kind = ?", [file_month, kind]).fetchall()
    return Scope(series, sorted({r for r, _ in rows}), sorted({_code(p) for _, p in rows if p not in newer}), fetched_at)


def load_month(conn: duckdb.DuckDBPyConnection, file_month: str, *, log=lambda msg: None,
               guard: RetireGuard | None = RetireGuard()) -> dict:
    """Read the month's newest files, store their totals, run the cross-file checks and, only
    if they hold, merge the observations, all of the month's series in one transaction.

    Every file is parsed before anything is written, so an unreadable file changes nothing;
    failing checks raise CrossChecksFailed and leave the observations as they were. A kommun
    that a replacement file lacks keeps its values (an incomplete file, not a deletion), and
    files that would retire more than `guard` allows raise RetirementRefused and change
    nothing (guard None: confirmed).
    """
    files = latest_files(conn, file_month)
    if files.empty:
        raise LookupError(f"Inga AF-filer är hämtade för {file_month}; kör raw/af_files för månaden först")
    parsed = []
    for f in files.itertuples():
        path = Path(f.path)
        if not path.exists():
            raise FileNotFoundError(f"{f.file_name}: den hämtade filen {path} saknas; hämta månaden igen")
        totals = file_totals(path)
        held = sorted(set(totals.period))
        if file_month not in held:
            raise AfFileError(path, f"filen gäller {file_month} enligt namnet men innehåller "
                                    f"{', '.join(held) or 'inga perioder'}; fel fil för månaden, inget läses in")
        log(f"{f.file_name}: {len(totals)} summor, perioder {', '.join(held)}")
        parsed.append((f, totals))
    for f, totals in parsed:
        store_totals(conn, f.sha256, f.kind, totals)
    checks = cross_checks(conn, file_month)
    if failing(checks):
        raise CrossChecksFailed(file_month, checks)
    merged, periods = NO_CHANGES, set()
    with transaction(conn):
        for f, totals in parsed:
            if f.kind not in ("bas", "tid"):
                continue  # read for the cross-file checks only
            newer = superseded(conn, file_month, f.kind) & set(totals.period)
            if newer:
                log(f"{f.file_name}: {', '.join(sorted(newer))} finns i nyare filer och läses därifrån")
                totals = totals[~totals.period.isin(newer)]
            if f.kind == "bas":
                frame, series = bas_observations(bas_shares(f.path, totals), f.fetched_at, f.sha256), list(BAS_SERIES.values())
            else:
                frame, series = tid_observations(totals, f.fetched_at, f.sha256), list(TID_SERIES.values())
            periods |= set(frame.period)
            r = merge_observations(conn, TABLE, SOURCE, frame[COLUMNS + EXTRA],
                                   _scope(conn, file_month, f.kind, series, newer, f.fetched_at),
                                   extra=EXTRA, compare=["alder", "namnare"], transaction=False, guard=guard)
            if r.kept:
                log(f"{f.file_name}: {r.kept_note('filen', 'kommuner som inte finns med alls')}")
            merged += r
    return {"result": merged, "periods": sorted(periods), "files": len(files), "checks": checks}


def cross_checks(conn, file_month: str) -> pd.DataFrame:
    return conn.execute("SELECT * FROM stg.af_korskontroller WHERE file_month = ? ORDER BY kontroll, period, region",
                        [file_month]).df()
