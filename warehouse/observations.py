"""Merge tidy observations into a vintage-keeping observations table.

Loading is idempotent: a value that equals the latest vintage of its key changes nothing.
A changed value adds vintage n+1 and keeps vintage n ("what was known when"). A value that
the source marks deleted, or that is missing from a fetch that covered its key, gets a
tombstone vintage (value NULL, is_deleted true), so a deletion is not silently kept as if
still current.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

import duckdb
import pandas as pd
from warehouse.db import one

KEY = ["series", "breakdown", "region", "period"]
COLUMNS = KEY + ["period_end", "value", "status", "is_deleted", "fetched_at", "response_id"]


class DuplicateObservations(ValueError):
    pass


@dataclass(frozen=True)
class Scope:
    """What a fetch covered completely: keys inside it that it did not return are deleted."""

    series: Sequence[str]
    regions: Sequence[str]
    periods: Sequence[str]
    fetched_at: datetime


@dataclass(frozen=True)
class MergeResult:
    inserted: int
    revised: int
    deleted: int

    @property
    def changed(self) -> int:
        return self.inserted + self.revised + self.deleted

    def __add__(self, other: "MergeResult") -> "MergeResult":
        return MergeResult(self.inserted + other.inserted, self.revised + other.revised, self.deleted + other.deleted)


NO_CHANGES = MergeResult(0, 0, 0)  # the start of a sum of merges


def merge_observations(
    conn: duckdb.DuckDBPyConnection,
    table: str,
    source: str,
    incoming: pd.DataFrame | str,
    scope: Scope | None = None,
    extra: Sequence[str] = (),
    compare: Sequence[str] = (),
    transaction: bool = True,
    params: dict | None = None,
) -> MergeResult:
    """Merge `incoming` (COLUMNS plus the source table's `extra` columns) into `table`.

    `incoming` is a DataFrame or a SELECT (with `params`) over tables in the warehouse; a
    SELECT keeps a national load inside DuckDB instead of in a DataFrame.

    Extra columns (SCB: source_table, period_start, published_at, …) are carried into each
    new vintage; a tombstone copies them from the vintage it ends. A change in one of the
    `compare` columns (a subset of `extra`) makes a new vintage like a changed value does.
    With `transaction=False` the caller holds the transaction (several merges as one).
    """
    cols = COLUMNS + list(extra)
    if isinstance(incoming, str):
        conn.execute(f"CREATE OR REPLACE TEMP TABLE incoming_obs AS SELECT {', '.join(cols)} FROM ({incoming})", params)
    else:
        missing = [c for c in cols if c not in incoming.columns]
        if missing:
            raise ValueError(f"{table}: kolumner saknas i inkommande observationer: {missing}")
        conn.register("incoming_df", incoming[cols])
        try:
            conn.execute("CREATE OR REPLACE TEMP TABLE incoming_obs AS SELECT * FROM incoming_df")
        finally:
            conn.unregister("incoming_df")
    try:
        return _merge(conn, table, source, cols, scope, extra, compare, transaction)
    finally:
        try:
            conn.execute("DROP TABLE IF EXISTS incoming_obs")
            conn.execute("DROP TABLE IF EXISTS merge_periods")
            conn.execute("DROP TABLE IF EXISTS merge_current")
            conn.execute("DROP TABLE IF EXISTS merge_changes")
        except duckdb.Error:
            pass  # the caller's transaction failed; its rollback drops the table


def _merge(conn, table, source, cols, scope, extra, compare, transaction) -> MergeResult:
    dupes = conn.execute(
        f"SELECT {', '.join(KEY)}, count(*) AS n FROM incoming_obs GROUP BY ALL HAVING count(*) > 1 "
        f"ORDER BY {', '.join(KEY)}").df()
    if not dupes.empty:
        sample = dupes[KEY].head(3).to_dict("records")
        raise DuplicateObservations(f"{table}: {int(dupes['n'].sum())} dubblerade nycklar i samma hämtning, t.ex. {sample}")
    ins_extra = "".join(f", {c}" for c in extra)
    cur_extra = "".join(f", cur.{c}" for c in extra)
    changed_extra = "".join(f" OR cur.{c} IS DISTINCT FROM i.{c}" for c in compare)
    # The newest vintage of each key, for the periods this merge can touch only: period is
    # part of the key, so leaving other periods out changes nothing for these and keeps a
    # one-year load from numbering the vintages of the whole table.
    conn.execute("CREATE OR REPLACE TEMP TABLE merge_periods AS SELECT period FROM incoming_obs "
                 "UNION SELECT unnest(?::VARCHAR[])", [list(scope.periods) if scope is not None else []])
    if transaction:
        conn.execute("BEGIN")
    try:
        # The current vintages once, before anything is inserted: the changes and the absent
        # keys are both found against them (finding the absent keys after the insert scanned
        # the rows just added too: 0.7 s of a national backfill's 2.5 s merge).
        conn.execute(
            f"""CREATE OR REPLACE TEMP TABLE merge_current AS
                SELECT * FROM (
                    SELECT *, row_number() OVER (PARTITION BY {', '.join(KEY)} ORDER BY vintage DESC) AS rn
                    FROM {table} WHERE period IN (SELECT period FROM merge_periods)) WHERE rn = 1""")
        # The rows that change something, with their kind, in one join; counted and inserted
        # from there (counting and inserting each joined the incoming rows again).
        conn.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE merge_changes AS
            WITH cur AS (SELECT * FROM merge_current)
            SELECT i.*, coalesce(cur.vintage, 0) + 1 AS new_vintage,
                   CASE WHEN cur.series IS NULL THEN 'new' WHEN i.is_deleted THEN 'deleted' ELSE 'revised' END AS kind
            FROM incoming_obs i LEFT JOIN cur USING ({', '.join(KEY)})
            WHERE (cur.series IS NULL AND NOT i.is_deleted)
               OR (cur.series IS NOT NULL AND i.is_deleted AND NOT cur.is_deleted)
               OR (cur.series IS NOT NULL AND NOT i.is_deleted AND (
                     cur.is_deleted OR cur.value IS DISTINCT FROM i.value OR cur.status <> i.status{changed_extra}))
            """
        )
        counts = one(conn, "SELECT count(*) FILTER (WHERE kind = 'new'), count(*) FILTER (WHERE kind = 'revised'), "
                           "count(*) FILTER (WHERE kind = 'deleted') FROM merge_changes")
        absent = 0
        if scope is not None:
            absent = conn.execute(
                f"""
                INSERT INTO {table} (source, {', '.join(KEY)}, period_end, value, status, is_deleted,
                                     vintage, first_seen, fetched_at, response_id{ins_extra})
                WITH cur AS (SELECT * FROM merge_current)
                SELECT cur.source, cur.series, cur.breakdown, cur.region, cur.period, cur.period_end,
                       NULL, '', true, cur.vintage + 1, $fetched_at, $fetched_at, NULL{cur_extra}
                FROM cur
                WHERE NOT cur.is_deleted
                  AND list_contains($series, cur.series)
                  AND list_contains($regions, cur.region)
                  AND list_contains($periods, cur.period)
                  AND NOT EXISTS (SELECT 1 FROM incoming_obs i WHERE i.series = cur.series
                      AND i.breakdown = cur.breakdown AND i.region = cur.region AND i.period = cur.period)
                RETURNING 1
                """,
                {
                    "fetched_at": scope.fetched_at,
                    "series": list(scope.series),
                    "regions": list(scope.regions),
                    "periods": list(scope.periods),
                },
            ).fetchall()
            absent = len(absent)
        conn.execute(
            f"""
            INSERT INTO {table} (source, {', '.join(KEY)}, period_end, value, status, is_deleted,
                                 vintage, first_seen, fetched_at, response_id{ins_extra})
            SELECT ?, series, breakdown, region, period, period_end,
                   CASE WHEN is_deleted THEN NULL ELSE value END, status, is_deleted,
                   new_vintage, fetched_at, fetched_at, response_id{ins_extra}
            FROM merge_changes
            """,
            [source],
        )
        if transaction:
            conn.execute("COMMIT")
    except Exception:
        if transaction:
            conn.execute("ROLLBACK")
        raise
    return MergeResult(inserted=counts[0], revised=counts[1], deleted=counts[2] + absent)
