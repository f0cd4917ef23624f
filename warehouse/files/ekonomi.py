"""Financial series from a SIE export and from the forecast export, for the whole kommun
(breakdown 'T') or per förvaltning. Signs follow SIE: debit positive, so income and equity
are negative and årets resultat is −Σ of the result accounts (reference/ekonomi_hr.md §1.2).

- skuldsattningsgrad (%): skulder och avsättningar / tillgångar, from #UB of year 0; the
  result not yet closed to equity does not enter it (§1.4's trap concerns equity only);
- arets_resultat (kr): −Σ #RES(0) on the result accounts;
  both at the export's closing date (#OMFATTN, else the end of the last month with actuals,
  else the fiscal year's end), with that date's period: the year, a tertial, half-year or
  quarter by the catalog's frequency, or the month (_closing_period);
- resultat_ack, budget_resultat_ack, resultat_mot_budget (kr, month, year to date) up to the
  last month with actuals: #PSALDO (or, without it, the vouchers) against #PBUDGET summed to
  the same month (account totals `{}` of year 0);
- upparbetade_investeringar_kr (kr, month, year to date, to the same month) and _andel (% of
  the year's investment budget from the mapping; may pass 100): per voucher the net of the
  #TRANS rows (not #RTRANS/#BTRANS) on the investment accounts, floored at zero, so transfers
  between them (activations) net out (only rows with a project object when
  `projekt_dimension` is set); without vouchers, #PSALDO on them, which in the official files
  is the period's movement (and then includes depreciation: prefer 4E files).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, datetime

import pandas as pd

from indicator_catalog.ekonomi import EkonomiMapping, in_ranges
from sources.jsonstat import period_bounds
from sources.sie import SieFile
from warehouse.core.observations import COLUMNS, Scope, merge_observations

SOURCE = "ekonomi"
# Series whose months run year to date (or forecast the year): status compares a month with
# the same month a year earlier (SQL ind.year_to_date, kept equal by a test).
YEAR_TO_DATE = ("resultat_ack", "budget_resultat_ack", "resultat_mot_budget", "upparbetade_investeringar_kr",
                "upparbetade_investeringar_andel", "prognos_arets_resultat", "prognos_avvikelse_mot_budget")
EXTRA = ["period_start", "file_sha256"]


class SieContentError(ValueError):
    pass


def _row(series, breakdown, region, period, value, fetched_at, sha, status=""):
    start, end = period_bounds(period)
    return {"series": series, "breakdown": breakdown, "region": region, "period": period,
            "period_start": start, "period_end": end, "value": None if value is None else round(float(value), 2),
            "status": status, "is_deleted": False, "fetched_at": fetched_at, "response_id": None, "file_sha256": sha}


def sie_series(sie: SieFile, mapping: EkonomiMapping, *, region: str, fetched_at: datetime, sha: str,
               frequencies: dict[str, str] | None = None) -> pd.DataFrame:
    """The financial series of one SIE file (module docstring). `frequencies` (series ->
    the catalog's frequency: year, half_year, tertial, quarter, month) decides which period a
    balance at the export's closing date is given (_closing_period)."""
    if 0 in sie.years:
        start, end = sie.years[0]
    elif sie.kind == "4I":
        start, end = _year_of_vouchers(sie)
    else:
        raise SieContentError(f"{sie.path}: #RAR 0 (räkenskapsåret) saknas")
    if (start.month, start.day, end.month, end.day) != (1, 1, 12, 31) or start.year != end.year:
        raise SieContentError(f"{sie.path}: räkenskapsåret {start}–{end} är inget kalenderår (kommuner har kalenderår)")
    year = start.year
    voucher_months = {v.date.month for v in sie.vouchers if v.date.year == year}
    psaldo_months = {int(p[4:]) for r, y, p, _a, objs, _v in sie.periods if r == "PSALDO" and y == 0 and not objs}
    # The last month with actuals (vouchers or period balances); budget months do not count.
    last_actual = max(voucher_months | psaldo_months, default=None)
    closing = _closing_date(sie, year, end, last_actual)
    rows = _balance_rows(sie, mapping, closing, end, frequencies or {}, region, fetched_at, sha)
    rows += _result_rows(sie, mapping, year, last_actual, bool(psaldo_months), region, fetched_at, sha)
    rows += _investment_rows(sie, mapping, year, last_actual, region, fetched_at, sha)
    frame = pd.DataFrame(rows, columns=COLUMNS + EXTRA)
    return frame.astype({"value": "float64", "is_deleted": "bool", "response_id": "Int64"})


def _closing_date(sie: SieFile, year: int, year_end: date, last_actual: int | None) -> date:
    """The day the file's balances (#UB, #RES) are at: #OMFATTN when the file gives it, else
    the end of its last month with actuals, else (balances only) the fiscal year's end."""
    if sie.omfattn is not None:
        return min(sie.omfattn, year_end)
    if last_actual is not None:
        return date(year, last_actual, calendar.monthrange(year, last_actual)[1])
    return year_end


# Frequency -> (months that end one of its periods, their code): a balance at such a month's
# end gets that period; otherwise the month's.
_PERIOD_ENDS = {
    "tertial": {4: "T1", 8: "T2"},
    "half_year": {6: "H1"},
    "quarter": {3: "K1", 6: "K2", 9: "K3"},
}


def _closing_period(closing: date, year_end: date, frequency: str | None) -> tuple[str, str]:
    """(period code, status) of a balance at `closing`: the year at the fiscal year's end; the
    tertial, half-year or quarter (by the catalog's frequency) at its end; else the month,
    with 't.o.m. <day>' when the balance is not at the month's end."""
    if closing == year_end:
        return str(closing.year), ""
    month_end = closing.day == calendar.monthrange(closing.year, closing.month)[1]
    if not month_end:
        return f"{closing.year}M{closing.month:02d}", f"t.o.m. {closing.isoformat()}"
    code = _PERIOD_ENDS.get(frequency or "", {}).get(closing.month)
    return (f"{closing.year}{code}" if code else f"{closing.year}M{closing.month:02d}"), ""


def _balance_rows(sie, mapping, closing, year_end, frequencies, region, fetched_at, sha) -> list[dict]:
    """arets_resultat (−Σ #RES) and skuldsattningsgrad (#UB) at the closing date."""
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
        period, status = _closing_period(closing, year_end, frequencies.get("arets_resultat"))
        rows.append(_row("arets_resultat", "T", region, period, -res, fetched_at, sha, status))
    m = mapping.skuldsattningsgrad
    assets = sum(a for acc, a in ub.items() if in_ranges(acc, m.tillgangar))
    debts = sum(a for acc, a in ub.items() if in_ranges(acc, m.skulder_och_avsattningar))
    if ub and assets:
        period, status = _closing_period(closing, year_end, frequencies.get("skuldsattningsgrad"))
        rows.append(_row("skuldsattningsgrad", "T", region, period, -debts / assets * 100, fetched_at, sha, status))
    return rows


def _result_rows(sie, mapping, year, last_actual, has_psaldo, region, fetched_at, sha) -> list[dict]:
    """resultat_ack, budget_resultat_ack and resultat_mot_budget per month, year to date, up to
    the last month with actuals. Actuals from #PSALDO; a file without period balances (4E
    with #PBUDGET only, 4I) from its vouchers. The budget is summed to the same month."""
    actual, budget = defaultdict(float), defaultdict(float)
    for record, y, period, account, objs, amount in sie.periods:
        if y == 0 and not objs and in_ranges(account, mapping.resultat.konton):
            (actual if record == "PSALDO" else budget)[int(period[4:])] += amount
    if not has_psaldo:
        tx = sie.transactions
        for v, kind, account, amount in zip(tx.voucher, tx.kind, tx.account, tx.amount):
            day = sie.vouchers[v].date
            if kind == "TRANS" and day.year == year and in_ranges(account, mapping.resultat.konton):
                actual[day.month] += amount
    rows = []
    for month in range(1, (last_actual or 0) + 1):
        code = f"{year}M{month:02d}"
        actual_ack, budget_ack = -_to_date(actual, month), -_to_date(budget, month)
        rows.append(_row("resultat_ack", "T", region, code, actual_ack, fetched_at, sha))
        if budget:
            rows.append(_row("budget_resultat_ack", "T", region, code, budget_ack, fetched_at, sha))
            rows.append(_row("resultat_mot_budget", "T", region, code, actual_ack - budget_ack, fetched_at, sha))
    return rows


def _investment_rows(sie, mapping, year, last_actual, region, fetched_at, sha) -> list[dict]:
    """upparbetade_investeringar_kr and _andel per month, year to date, up to the last month
    with actuals: from the vouchers when the file has them, else from #PSALDO."""
    inv = mapping.upparbetade_investeringar
    per_month: dict[int, float] = defaultdict(float)
    if len(sie.transactions):
        # Per voucher, the net movement on the investment accounts, floored at zero: an
        # activation or reclassification within them (pågående 1180 → 1110) nets out, and
        # credits (depreciation, write-downs, sales) are no negative work. #RTRANS is always
        # followed by the same row as #TRANS and #BTRANS is a removed row (SIE 4B): only
        # #TRANS counts.
        net: dict[int, float] = defaultdict(float)
        tx = sie.transactions
        for v, kind, account, objs, amount in zip(tx.voucher, tx.kind, tx.account, tx.objects, tx.amount):
            if kind != "TRANS" or not in_ranges(account, inv.konton):
                continue
            if inv.projekt_dimension and not any(d == inv.projekt_dimension for d, _ in objs):
                continue
            net[v] += amount
        for v, amount in net.items():
            day = sie.vouchers[v].date
            if day.year == year and amount > 0:
                per_month[day.month] += amount
    elif not inv.projekt_dimension:
        # Period balances are each account's movement: transfers between the accounts net out
        # here too, but depreciation is included (prefer 4E files with vouchers).
        for record, y, period, account, objs, amount in sie.periods:
            if record == "PSALDO" and y == 0 and not objs and in_ranges(account, inv.konton):
                per_month[int(period[4:])] += amount
    else:
        return []
    rows = []
    budget_kr = inv.budget_kr.get(year)
    for month in range(1, (last_actual or 0) + 1):
        code = f"{year}M{month:02d}"
        cum = _to_date(per_month, month)
        rows.append(_row("upparbetade_investeringar_kr", "T", region, code, cum, fetched_at, sha))
        if budget_kr:
            rows.append(_row("upparbetade_investeringar_andel", "T", region, code, cum / budget_kr * 100, fetched_at, sha))
    return rows


def _to_date(per_month: dict[int, float], month: int) -> float:
    """The year to date at `month` of monthly amounts."""
    return sum(v for mo, v in per_month.items() if mo <= month)


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
