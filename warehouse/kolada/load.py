"""Kolada: from landed raw responses to tidy observations."""

from __future__ import annotations

import duckdb
import pandas as pd

from warehouse.core import raw
from warehouse.core.db import one, transaction
from warehouse.core.observations import NO_CHANGES, MergeResult, RetireGuard, Scope, merge_observations

TABLE = "stg.kolada_observations"


# A partition's rows of a landed fetch as observations. A multi-year fetch (a backfill) has
# every year's rows under the same responses; each partition reads its own year. first_seen
# is the fetch's time, never the time a byte-identical body was first stored: a value that
# returns in this fetch is first seen now (the KF due rule reads first_seen). A national
# fetch asks for every unit Kolada has; only the fetch's units (its scope) are observations,
# so a unit Kolada adds stays in raw until the unit lists know it.
OBSERVATIONS_SQL = """
    SELECT kpi AS series, gender AS breakdown, municipality AS region, CAST(period AS VARCHAR) AS period,
           make_date(period, 12, 31) AS period_end, value, status, isdeleted AS is_deleted,
           CAST($fetched_at AS TIMESTAMPTZ) AS fetched_at, response_id
    FROM raw.kolada_values
    WHERE response_id IN (SELECT unnest($ids)) AND list_contains($years, period)
      AND municipality IN (SELECT unnest($units))"""


def load_partitions(conn: duckdb.DuckDBPyConnection, partition_keys: list[str], *,
                    guard: RetireGuard | None = None, dry_run: bool = False) -> MergeResult:
    """Merge the latest landed fetch of each partition into stg.kolada_observations.

    Partitions whose latest fetch is the same (a backfill's years) are merged in one go.
    `guard` and `dry_run` as in merge_observations: raw/kolada_values runs this as a dry run
    with the guard before its landing commits, so a refused answer is never landed.
    """
    groups: dict[tuple, list[int]] = {}
    for key in partition_keys:
        fetch = raw.latest_fetch(conn, key)
        if fetch is None:
            raise LookupError(f"Kolada: ingen hämtning landad för partition {key}; kör raw/kolada_values först")
        same = (tuple(fetch["kpis"]), tuple(fetch["municipalities"]), fetch["fetched_at"], tuple(fetch["response_ids"]))
        groups.setdefault(same, []).extend(fetch["years"])
    results = []
    for (kpis, municipalities, fetched_at, ids), years in groups.items():
        scope = Scope(series=kpis, regions=municipalities, periods=[str(y) for y in years], fetched_at=fetched_at)
        params = {"fetched_at": fetched_at, "ids": list(ids), "years": years, "units": list(municipalities)}
        results.append(merge_observations(conn, TABLE, "kolada", OBSERVATIONS_SQL, scope, params=params,
                                          guard=guard, dry_run=dry_run))
    return sum(results, NO_CHANGES)


def current_counts(conn: duckdb.DuckDBPyConnection, partition_keys: list[str]) -> dict[str, int]:
    """Current Kolada values per year (period): each key's newest vintage that is not a
    deletion. An aggregate over this table; stg.current_observations sorts every source's rows."""
    return dict(conn.execute(
        "SELECT period, count(*) FILTER (WHERE NOT deleted) FROM ("
        "  SELECT period, arg_max(is_deleted, vintage) AS deleted FROM stg.kolada_observations"
        "  WHERE list_contains(?, period) GROUP BY series, breakdown, region, period)"
        " GROUP BY period", [list(partition_keys)]).fetchall())


def store_group(conn: duckdb.DuckDBPyConnection, group: dict, page) -> int:
    """Replace the members of one municipality group (a snapshot of the current membership)."""
    members = pd.DataFrame(
        [
            {"member_id": str(m["member_id"]), "member_title": m.get("member_title")}
            for m in group["members"]
        ],
        columns=["member_id", "member_title"],
    )
    conn.register("incoming_members", members)
    try:
        with transaction(conn):
            response_id = raw.store_response(conn, "raw.kolada_responses", page)
            conn.execute("DELETE FROM raw.kolada_municipality_group_members WHERE group_id = ?", [group["id"]])
            conn.execute(
                "INSERT INTO raw.kolada_municipality_group_members "
                "SELECT ?, ?, member_id, member_title, ? FROM incoming_members",
                [group["id"], group.get("title"), response_id],
            )
    finally:
        conn.unregister("incoming_members")
    return len(members)


class UnknownKpi(LookupError):
    pass


class GenderNotAvailable(ValueError):
    pass


def check_gender(indicators, records: list[dict]) -> None:
    """Refuse a catalog indicator asking for K or M of a KPI Kolada does not split by gender.

    Kolada would just return T rows, and the indicator would show "ingen data" for ever
    without saying why. `indicators` are catalog indicators (source kolada).
    """
    divided = {r["id"]: r.get("is_divided_by_gender") for r in records}
    bad = [
        f"{i.file.name}: indikator {i.id}: fält query.gender = {i.query.gender}, men {i.query.kpi} "
        "redovisas inte per kön i Kolada (använd T)"
        for i in indicators
        if i.query.gender != "T" and divided.get(i.query.kpi) is False
    ]
    if bad:
        raise GenderNotAvailable("; ".join(bad))


def stored_kpi_metadata(conn: duckdb.DuckDBPyConnection, wanted: list[str], since) -> list[dict] | None:
    """The stored metadata of every KPI in `wanted` if all of it was read at `since` or
    later (tonight's Kolada run reads it before fetching), else None: read it again."""
    rows = conn.execute("SELECT kpi, is_divided_by_gender, read_at FROM raw.kolada_kpi WHERE list_contains(?, kpi)",
                        [list(wanted)]).fetchall()
    if {r[0] for r in rows} != set(wanted) or any(r[2] is None or r[2] < since for r in rows):
        return None
    return [{"id": kpi, "is_divided_by_gender": divided} for kpi, divided, _ in rows]


def store_kpi_metadata(conn: duckdb.DuckDBPyConnection, wanted: list[str], pages,
                       where: dict[str, list[str]] | None = None) -> int:
    """Store KPI metadata from every page; fail loudly if a catalog KPI id is unknown to Kolada.

    Kolada answers an unknown id with an empty result, not an error, and ids disappear
    between catalogue versions (reference/kolada.md §8), so this is the place to notice.
    `where` (Catalog.kolada_kpi_fields) names the catalog file, indicator and field of each
    KPI for the message. Each KPI row points at the raw response (page) it came from.
    """
    records = [(i, r) for i, p in enumerate(pages) for r in p.payload["values"]]
    found = {r["id"] for _, r in records}
    unknown = sorted(set(wanted) - found)
    if unknown:
        named = "; ".join(f"{kpi} ({', '.join((where or {}).get(kpi, ['katalogens query.kpi']))})" for kpi in unknown)
        raise UnknownKpi(f"Kolada känner inte till KPI {named}; kontrollera id:t på kolada.se eller i /v3/kpi")
    frame = pd.DataFrame(
        [
            {
                "kpi": r["id"],
                "title": r.get("title"),
                "description": r.get("description"),
                "is_divided_by_gender": r.get("is_divided_by_gender"),
                "municipality_type": r.get("municipality_type"),
                "operating_area": r.get("operating_area"),
                "publ_period": r.get("publ_period"),
                "publication_date": r.get("publication_date"),
                "prel_publication_date": r.get("prel_publication_date"),
                "page": i,
            }
            for i, r in records
        ]
    )
    try:
        with transaction(conn):
            ids = [raw.store_response(conn, "raw.kolada_responses", p) for p in pages]
            frame["response_id"] = [ids[i] for i in frame.pop("page")]
            conn.register("incoming_kpi", frame)
            conn.execute("DELETE FROM raw.kolada_kpi WHERE list_contains(?, kpi)", [sorted(found)])
            conn.execute(
                "INSERT INTO raw.kolada_kpi SELECT kpi, title, description, is_divided_by_gender, "
                "municipality_type, operating_area, publ_period, CAST(publication_date AS DATE), "
                "CAST(prel_publication_date AS DATE), response_id, ? FROM incoming_kpi",
                [max(p.fetched_at for p in pages)],
            )
    finally:
        conn.unregister("incoming_kpi")
    return len(frame)


class EmptiedAnswer(Exception):
    """Kolada answered without values for a year the warehouse holds values for: an outage
    (landing it would retire every value of the year), never a real deletion."""


def refuse_emptied_years(conn: duckdb.DuckDBPyConnection, partition_keys: list[str], fetched: dict[int, int],
                         where: str) -> None:
    """Raise EmptiedAnswer when a year that has current values got none in this fetch
    (`fetched`: values per year of the answer). The newest year is empty until Kolada
    publishes it, which is no outage: it has no current values either."""
    held = current_counts(conn, partition_keys)
    for key in partition_keys:
        if held.get(key) and not fetched.get(int(key)):
            raise EmptiedAnswer(
                f"Kolada svarade utan värden för {key}, men lagret har {held[key]} aktuella värden för året. "
                f"Troligen ett fel hos Kolada ({where}); inget ändrades. Kör om partitionen senare.")


def fetched_counts(conn: duckdb.DuckDBPyConnection, partition_keys: list[str]) -> dict[str, int]:
    """Values per year in each partition's latest landed fetch (0 for a year never fetched)."""
    counts = {}
    for key in partition_keys:
        fetch = raw.latest_fetch(conn, key)
        counts[key] = 0 if fetch is None else one(
            conn, "SELECT count(*) FROM raw.kolada_values WHERE list_contains(?, response_id) AND period = ?",
            [list(fetch["response_ids"]), int(key)])[0]
    return counts


def fetched_in_run(conn: duckdb.DuckDBPyConnection, partition_keys: list[str], run_id: str) -> list[str]:
    """The partitions whose latest fetch was landed by run `run_id`: what a nightly run's
    observations step has to merge (a year the night did not fetch has nothing new)."""
    return [key for key in partition_keys
            if (one(conn, "SELECT run_id FROM raw.kolada_fetches WHERE partition_key = ? "
                          "ORDER BY fetched_at DESC, rowid DESC LIMIT 1", [key]) or [None])[0] == run_id]
