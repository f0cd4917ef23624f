"""Financial series from a SIE export and from the forecast export, for the whole kommun
(breakdown 'T') or per förvaltning. Signs follow SIE: debit positive, so income and equity
are negative and årets resultat is −Σ of the result accounts (reference/ekonomi_hr.md §1.2).

- skuldsattningsgrad (%, year): skulder och avsättningar / tillgångar, from #UB of year 0;
  the result not yet closed to equity does not enter it (§1.4's trap concerns equity only);
- arets_resultat (kr, year): −Σ #RES(0) on the result accounts;
- resultat_ack, budget_resultat_ack, resultat_mot_budget (kr, month, year to date): from
  #PSALDO and #PBUDGET (account totals `{}`) of year 0;
- upparbetade_investeringar_kr (kr, month, year to date) and _andel (% of the year's
  investment budget from the mapping): debits (#TRANS, not #RTRANS/#BTRANS) on the
  investment accounts (only those with a project object when `projekt_dimension` is set);
  without vouchers, #PSALDO on them, which in the official files is the period's movement
  (and then includes depreciation: prefer 4E files).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

import pandas as pd

from indicator_catalog.ekonomi import EkonomiMapping, in_ranges
from sources.jsonstat import period_bounds
from sources.sie import SieFile
from warehouse.observations import COLUMNS, Scope, merge_observations

SOURCE = "ekonomi"
EXTRA = ["period_start", "file_sha256"]


class SieContentError(ValueError):
    pass


def _row(series, breakdown, region, period, value, fetched_at, sha, status=""):
    start, end = period_bounds(period)
    return {"series": series, "breakdown": breakdown, "region": region, "period": period,
            "period_start": start, "period_end": end, "value": None if value is None else round(float(value), 2),
            "status": status, "is_deleted": False, "fetched_at": fetched_at, "response_id": None, "file_sha256": sha}


def sie_series(sie: SieFile, mapping: EkonomiMapping, *, region: str, fetched_at: datetime, sha: str) -> pd.DataFrame:
    if 0 in sie.years:
        start, end = sie.years[0]
    elif sie.kind == "4I":
        start, end = _year_of_vouchers(sie)
    else:
        raise SieContentError(f"{sie.path}: #RAR 0 (räkenskapsåret) saknas")
    if (start.month, start.day, end.month, end.day) != (1, 1, 12, 31) or start.year != end.year:
        raise SieContentError(f"{sie.path}: räkenskapsåret {start}–{end} är inget kalenderår (kommuner har kalenderår)")
    year = start.year
    rows = []
    ub = defaultdict(float)
    res = 0.0
    for record, y, account, objs, amount in sie.balances:
        if y != 0 or objs:
            continue
        if record == "UB":
            ub[account] += amount
        elif record == "RES" and in_ranges(account, mapping.resultat.konton):
            res += amount
    if any(r[0] == "RES" for r in sie.balances):
        rows.append(_row("arets_resultat", "T", region, str(year), -res, fetched_at, sha))
    m = mapping.skuldsattningsgrad
    assets = sum(a for acc, a in ub.items() if in_ranges(acc, m.tillgangar))
    debts = sum(a for acc, a in ub.items() if in_ranges(acc, m.skulder_och_avsattningar))
    if ub and assets:
        rows.append(_row("skuldsattningsgrad", "T", region, str(year), -debts / assets * 100, fetched_at, sha))

    # Year to date per month from #PSALDO/#PBUDGET account totals.
    monthly = {"PSALDO": defaultdict(float), "PBUDGET": defaultdict(float)}
    inv_psaldo = defaultdict(float)
    inv = mapping.upparbetade_investeringar
    for record, y, period, account, objs, amount in sie.periods:
        if y != 0 or objs:
            continue
        month = int(period[4:])
        if in_ranges(account, mapping.resultat.konton):
            monthly[record][month] += amount
        if record == "PSALDO" and in_ranges(account, inv.konton):
            inv_psaldo[month] += amount
    last_month = max((p for d in monthly.values() for p in d), default=0)
    for month in range(1, last_month + 1):
        code = f"{year}M{month:02d}"
        actual = -sum(v for mo, v in monthly["PSALDO"].items() if mo <= month)
        budget = -sum(v for mo, v in monthly["PBUDGET"].items() if mo <= month)
        rows.append(_row("resultat_ack", "T", region, code, actual, fetched_at, sha))
        if monthly["PBUDGET"]:
            rows.append(_row("budget_resultat_ack", "T", region, code, budget, fetched_at, sha))
            rows.append(_row("resultat_mot_budget", "T", region, code, actual - budget, fetched_at, sha))

    # Investments: vouchers when the file has them, else the period movements.
    per_month = defaultdict(float)
    if len(sie.transactions):
        tx = sie.transactions
        for v, kind, account, objs, amount in zip(tx.voucher, tx.kind, tx.account, tx.objects, tx.amount):
            # #RTRANS is always followed by the same row as #TRANS and #BTRANS is a removed
            # row (SIE 4B): only #TRANS counts. Credits on the investment accounts are
            # depreciation, write-downs or sales, not work done: only debits count.
            if kind != "TRANS" or amount <= 0 or not in_ranges(account, inv.konton):
                continue
            if inv.projekt_dimension and not any(d == inv.projekt_dimension for d, _ in objs):
                continue
            day = sie.vouchers[v].date
            if day.year == year:
                per_month[day.month] += amount
    elif not inv.projekt_dimension:
        per_month = inv_psaldo
    if per_month or len(sie.transactions):
        # The series runs to the last month the file covers (vouchers or period balances).
        voucher_months = [v.date.month for v in sie.vouchers if v.date.year == year]
        last = max(list(per_month) + voucher_months + [last_month, 1])
        budget_kr = inv.budget_kr.get(year)
        for month in range(1, last + 1):
            code = f"{year}M{month:02d}"
            cum = sum(v for mo, v in per_month.items() if mo <= month)
            rows.append(_row("upparbetade_investeringar_kr", "T", region, code, cum, fetched_at, sha))
            if budget_kr:
                rows.append(_row("upparbetade_investeringar_andel", "T", region, code, cum / budget_kr * 100, fetched_at, sha))
    frame = pd.DataFrame(rows, columns=COLUMNS + EXTRA)
    return frame.astype({"value": "float64", "is_deleted": "bool", "response_id": "Int64"})


def _year_of_vouchers(sie: SieFile) -> tuple[date, date]:
    """An import file (4I) without fiscal-year dates: the calendar year all its vouchers are
    in (kommuner have calendar years); refused when they span several or there are none."""
    years = sorted({v.date.year for v in sie.vouchers})
    if len(years) != 1:
        found = ", ".join(map(str, years)) or "inga verifikationer"
        raise SieContentError(f"{sie.path}: #RAR 0 saknar datum och verifikationerna avgör inte räkenskapsåret "
                              f"({found}); ange #RAR 0 med start och slut")
    return date(years[0], 1, 1), date(years[0], 12, 31)


def prognos_series(frame: pd.DataFrame, *, region: str, fetched_at: datetime, sha: str) -> pd.DataFrame:
    """prognos_arets_resultat and prognos_avvikelse_mot_budget (mnkr) per förvaltning and 'T'."""
    total = frame.groupby("period", as_index=False)[["prognos", "budget"]].sum().assign(forvaltning="T")
    rows = []
    for _, r in pd.concat([frame, total], ignore_index=True).iterrows():
        code = r["period"].replace("-", "M")
        rows.append(_row("prognos_arets_resultat", r["forvaltning"], region, code, r["prognos"], fetched_at, sha))
        rows.append(_row("prognos_avvikelse_mot_budget", r["forvaltning"], region, code, r["prognos"] - r["budget"], fetched_at, sha))
    out = pd.DataFrame(rows, columns=COLUMNS + EXTRA)
    return out.astype({"value": "float64", "is_deleted": "bool", "response_id": "Int64"})


def load(conn, frame: pd.DataFrame, fetched_at: datetime):
    """Merge one file's series; within the file's series and periods it replaces what was there."""
    scope = Scope(series=sorted(frame["series"].unique()), regions=sorted(frame["region"].unique()),
                  periods=sorted(frame["period"].unique()), fetched_at=fetched_at)
    return merge_observations(conn, "stg.file_observations", SOURCE, frame, scope, extra=EXTRA)
