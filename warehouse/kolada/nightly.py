"""Whether a nightly Kolada run needs a data request at all.

Kolada has no last-modified signal for values. What it has is release information per KPI
(`publ_period`, `prel_publication_date`, `publication_date`, pointing at the next release;
reference/kolada.md §5). Every run first reads that metadata (one request per 25 KPIs); a
nightly run fetches a year's data only when something may be new since the partition's last
fetch:

- the partition was never fetched, or its last fetch kept no release information;
- a KPI's release information differs from what the last fetch saw (a release happened and
  Kolada moved on to the next one);
- a publication date falls after the last fetch and on or before today (released, metadata
  not yet moved on: it lags, §5).

Otherwise the night makes **no data request**. Kolada also revises values without notice (§6);
those are caught by the weekly full refresh (KoladaResource.full_refresh_weekday, default
Sunday), which fetches regardless. Backfills and manual runs always fetch.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from sources.clock import STOCKHOLM
from warehouse.core import raw

FIELDS = ("publ_period", "publication_date", "prel_publication_date")


def _release(record: dict) -> tuple:
    """(publ_period, publication_date, prel_publication_date) as text, dates as YYYY-MM-DD."""
    period, *dates = (record.get(f) for f in FIELDS)
    return (str(period) if period is not None else None, *(str(d)[:10] if d else None for d in dates))


def why_fetch(conn: duckdb.DuckDBPyConnection, partition_key: str, records: list[dict], today: date,
              kpis: list[str], municipalities: set[str]) -> str | None:
    """The reason the partition needs a data fetch, or None when nothing can be new."""
    last = raw.latest_fetch(conn, partition_key)
    if last is None:
        return "ingen tidigare hämtning av året"
    if set(last["kpis"]) != set(kpis) or set(last["municipalities"]) != set(municipalities):
        return "katalogens KPI:er eller kommuner har ändrats sedan förra hämtningen"
    answered = {r.get("id") for r in records}
    missing = sorted(set(kpis) - answered)
    if missing:
        # Kolada answers unknown ids with an empty list: no metadata is no proof of no news.
        return f"Koladas metadata saknar {', '.join(missing)}"
    seen = {kpi: (p, str(d) if d else None, str(pd) if pd else None) for kpi, p, d, pd in conn.execute(
        "SELECT kpi, publ_period, publication_date, prel_publication_date FROM raw.kolada_release_snapshots "
        "WHERE fetch_id = ?", [last["fetch_id"]]).fetchall()}
    if not seen:
        return "förra hämtningen sparade ingen publiceringsinformation"
    last_day = last["fetched_at"].astimezone(STOCKHOLM).date()
    for record in sorted(records, key=lambda r: r["id"]):
        kpi = record["id"]
        if kpi not in seen:
            return f"{kpi}: ny i katalogen sedan förra hämtningen"
        if _release(record) != seen[kpi]:
            return f"{kpi}: ny publiceringsinformation (förra: {seen[kpi]}, nu: {_release(record)})"
        for field in FIELDS[1:]:
            d = record.get(field)
            # <=: the nightly fetch on a publication day runs before Kolada publishes.
            if d and last_day <= _day(d) <= today:
                return f"{kpi}: publicering {str(d)[:10]} efter förra hämtningen {last_day}"
    return None


WEEKLY_REFRESH = "veckans fullständiga hämtning (fångar revideringar utan ny publicering)"


def years_to_fetch(conn: duckdb.DuckDBPyConnection, partition_keys: list[str], records: list[dict], today: date,
                   kpis: list[str], municipalities: set[str], full_refresh_weekday: int) -> dict[str, str | None]:
    """Per year of a nightly run, why it fetches data (why_fetch, or the weekly full refresh
    on `full_refresh_weekday`, 0 = Monday), or None: nothing can be new, no data request."""
    weekly = today.weekday() == full_refresh_weekday
    out = {}
    for key in partition_keys:
        reason = why_fetch(conn, key, records, today, kpis, municipalities)
        out[key] = reason or (WEEKLY_REFRESH if weekly else None)
    return out


def _day(value) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return date.max  # an unreadable date never proves "nothing new"


def store_snapshot(conn: duckdb.DuckDBPyConnection, fetch_ids: list[str], records: list[dict]) -> None:
    """The release information read before a fetch, once per fetch row (a backfill has one
    per year), in one insert: row-by-row inserts took 0.6 s per year for 300 KPIs."""
    # The KPIs once, crossed with the fetch ids in SQL (a frame of every pair cost 0.2 s).
    frame = pd.DataFrame([(r["id"], *_release(r)) for r in records], columns=["kpi", *FIELDS], dtype=object)
    conn.register("incoming_snapshot", frame)
    try:
        conn.execute("INSERT INTO raw.kolada_release_snapshots SELECT f.fetch_id, s.kpi, s.publ_period, "
                     "TRY_CAST(s.publication_date AS DATE), TRY_CAST(s.prel_publication_date AS DATE) "
                     "FROM incoming_snapshot s CROSS JOIN (SELECT unnest(?::VARCHAR[]) AS fetch_id) f", [list(fetch_ids)])
    finally:
        conn.unregister("incoming_snapshot")
