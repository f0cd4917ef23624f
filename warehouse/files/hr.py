"""HR aggregates into indicator series, per förvaltning and month and for the whole kommun.

Definitions (reference/ekonomi_hr.md §4), all in percent:
- sjukfranvaro_total_andel: all sick hours / ordinary working time;
- sjukfranvaro_korttid_andel: sick hours of days 1–14 / ordinary working time (the
  sjuklöneperiod; korttid has no legal definition, so the day limits follow the export);
- sjukfranvaro_langtid_andel: sick hours of spells of 60+ days / all sick hours (the legal
  disclosure, KRL 4:1a / LKBR 11 kap.);
- sjukfranvaro_langtid_av_arbetstid: the same hours / ordinary working time (what many
  kommuner report beside it);
- personalomsattning_manad: leavers (own request, pension, other) / average permanent
  headcount, for the month;
- personalomsattning_12m: leavers of the last 12 months / their mean headcount, from the
  stored monthly counts (avgangar_antal, tillsvidareanstallda_medel). With fewer than 12
  months stored it covers the months there are, unscaled, and says so in status ('6 av 12
  mån'): a scaled month presented as a year is not a year, and status says "kan inte bedömas".
A group of ten or fewer permanent employees is not published (value NULL, status '≤10'):
the law forbids figures that could identify a person. Known gap: the kommun total 'T' still
includes such groups (no secondary suppression yet).

A file replaces the months it covers: it must hold every förvaltning of those months (a
förvaltning missing from a re-sent month is tombstoned, and 'T' is the sum of the file).
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pandas as pd

from sources.jsonstat import period_bounds
from warehouse.core.observations import COLUMNS, MergeResult, Scope, merge_observations

TABLE = "stg.file_observations"
EXTRA = ["period_start", "file_sha256"]
TOTAL = "T"  # breakdown for the whole kommun
MIN_GROUP = 10
SICK = ["sjuk_timmar_dag1_14", "sjuk_timmar_dag15_59", "sjuk_timmar_dag60plus"]
LEAVERS = ["avgangar_egen_begaran", "avgangar_pension", "avgangar_ovrigt"]
SERIES = ["sjukfranvaro_total_andel", "sjukfranvaro_korttid_andel", "sjukfranvaro_langtid_andel",
          "sjukfranvaro_langtid_av_arbetstid", "personalomsattning_manad", "avgangar_antal",
          "tillsvidareanstallda_medel", "sjuk_timmar_totalt", "sjuk_timmar_dag60plus"]
TURNOVER = "personalomsattning_12m"


def _pct(num: pd.Series, den: pd.Series) -> pd.Series:
    return (num / den.where(den > 0)) * 100


def series_frame(hr: pd.DataFrame, *, region: str, fetched_at: datetime, file_sha256: str) -> pd.DataFrame:
    """One row per series × (förvaltning or kommun total) × month, in the observations shape."""
    measures = [c for c in hr.columns if c not in ("period", "forvaltning", "kon", "aldersgrupp")]
    per_unit = hr.groupby(["period", "forvaltning"], as_index=False)[measures].sum()
    total = per_unit.groupby("period", as_index=False)[measures].sum().assign(forvaltning=TOTAL)
    groups = pd.concat([per_unit, total], ignore_index=True)
    sick = groups[SICK].sum(axis=1)
    values = {
        "sjukfranvaro_total_andel": _pct(sick, groups["ordinarie_arbetstid_timmar"]),
        "sjukfranvaro_korttid_andel": _pct(groups["sjuk_timmar_dag1_14"], groups["ordinarie_arbetstid_timmar"]),
        "sjukfranvaro_langtid_andel": _pct(groups["sjuk_timmar_dag60plus"], sick),
        "sjukfranvaro_langtid_av_arbetstid": _pct(groups["sjuk_timmar_dag60plus"], groups["ordinarie_arbetstid_timmar"]),
        "personalomsattning_manad": _pct(groups[LEAVERS].sum(axis=1), groups["antal_tillsvidareanstallda_medel"]),
        "avgangar_antal": groups[LEAVERS].sum(axis=1),
        "tillsvidareanstallda_medel": groups["antal_tillsvidareanstallda_medel"],
        # Hours, so yearly shares can be summed the right way (the Kolada cross-check).
        "sjuk_timmar_totalt": sick,
        "sjuk_timmar_dag60plus": groups["sjuk_timmar_dag60plus"],
    }
    small = groups["antal_tillsvidareanstallda_medel"] <= MIN_GROUP
    rows = []
    for i, g in groups.iterrows():
        code = g["period"].replace("-", "M")  # 2025-01 -> 2025M01, the period codes used elsewhere
        start, end = period_bounds(code)
        for name in SERIES:
            v = values[name].iloc[i]
            suppressed = bool(small.iloc[i])
            rows.append({
                "series": name, "breakdown": g["forvaltning"], "region": region, "period": code,
                "period_start": start, "period_end": end,
                "value": None if suppressed or pd.isna(v) else round(float(v), 4),
                "status": "≤10" if suppressed else "", "is_deleted": False,
                "fetched_at": fetched_at, "response_id": None, "file_sha256": file_sha256,
            })
    frame = pd.DataFrame(rows, columns=COLUMNS + EXTRA)
    return frame.astype({"value": "float64", "is_deleted": "bool", "response_id": "Int64"})


def load(conn: duckdb.DuckDBPyConnection, frame: pd.DataFrame, fetched_at: datetime) -> MergeResult:
    """Merge one file's series (a förvaltning missing from a re-sent month is tombstoned),
    then the 12-month turnover of the file's months from all stored months."""
    regions, periods = sorted(frame["region"].unique()), sorted(frame["period"].unique())
    scope = Scope(series=SERIES, regions=regions, periods=periods, fetched_at=fetched_at)
    result = merge_observations(conn, TABLE, "hr", frame, scope, extra=EXTRA)
    # Every stored month, not only the file's: a month loaded late (January after February)
    # changes the twelve-month windows of the months after it.
    stored = [p for (p,) in conn.execute(
        "SELECT DISTINCT period FROM stg.current_observations WHERE source = 'hr' AND series = 'avgangar_antal' "
        "AND list_contains(?, region) ORDER BY period", [list(regions)]).fetchall()]
    months = sorted(set(stored) | set(periods))
    turnover = turnover_frame(conn, regions, months, fetched_at, frame["file_sha256"].iloc[0])
    if not turnover.empty:
        scope = Scope(series=[TURNOVER], regions=regions, periods=months, fetched_at=fetched_at)
        more = merge_observations(conn, TABLE, "hr", turnover, scope, extra=EXTRA)
        result += more
    return result


def turnover_frame(conn, regions, periods, fetched_at, sha) -> pd.DataFrame:
    counts = conn.execute(
        """
        SELECT breakdown, region, period, period_end,
               max(value) FILTER (WHERE series = 'avgangar_antal') AS leavers,
               max(value) FILTER (WHERE series = 'tillsvidareanstallda_medel') AS headcount
        FROM stg.current_observations
        WHERE source = 'hr' AND series IN ('avgangar_antal', 'tillsvidareanstallda_medel') AND list_contains(?, region)
        GROUP BY ALL
        """,
        [list(regions)],
    ).df()
    rows = []
    for code in periods:
        start, end = period_bounds(code)
        window_start = date(end.year - 1, end.month + 1, 1) if end.month < 12 else date(end.year, 1, 1)
        ends = pd.to_datetime(counts["period_end"])
        window = counts[(ends >= pd.Timestamp(window_start)) & (ends <= pd.Timestamp(end))]
        for (breakdown, region), g in window.groupby(["breakdown", "region"]):
            g = g.dropna(subset=["leavers", "headcount"])
            if g.empty or g["headcount"].mean() <= 0:
                continue
            months = len(g)
            # Never scaled up: fewer months are shown as they are, with how many they are, and
            # the status rule does not judge them (ind.incomplete: 'kan inte bedömas').
            value = g["leavers"].sum() / g["headcount"].mean() * 100
            rows.append({
                "series": TURNOVER, "breakdown": breakdown, "region": region, "period": code,
                "period_start": start, "period_end": end, "value": round(float(value), 4),
                "status": "" if months == 12 else f"{months} av 12 mån", "is_deleted": False,
                "fetched_at": fetched_at, "response_id": None, "file_sha256": sha,
            })
    frame = pd.DataFrame(rows, columns=COLUMNS + EXTRA)
    return frame.astype({"value": "float64", "is_deleted": "bool", "response_id": "Int64"})
