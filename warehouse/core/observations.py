"""Merge tidy observations into a vintage-keeping observations table.

Loading is idempotent: a value that equals the latest vintage of its key changes nothing.
A changed value adds vintage n+1 and keeps vintage n ("what was known when"). A value that
the source marks deleted gets a tombstone vintage (value NULL, is_deleted true), so a
deletion is not silently kept as if still current.

A value missing from an answer is retired (a tombstone too) only when the answer covered
its key (the scope) **and** its unit answered for its series: the answer holds some value
of the same series and region. A unit or series that had values and is absent from an
answer altogether is an incomplete answer (a source that timed out on part of a query, a
smaller SCB dataset), not a deletion, and keeps its values. An answer that would still
retire more than a small share of the current values in its scope is refused whole
(RetirementRefused, RetireGuard) unless the caller confirms it.

A value that comes back after a tombstone unchanged (same value, status and compared
columns as its last live vintage) keeps that vintage's `first_seen`: the due rule reads
first_seen as "available since", and the value was available all along. The vintage's own
arrival is `fetched_at`, which point-in-time queries (stg.observations_asof) read, so what
the warehouse said in between stays what it said.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

import duckdb
import pandas as pd
from warehouse.core.db import one

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


class RetirementRefused(ValueError):
    """An answer would retire more current values than RetireGuard allows: nothing merged."""


@dataclass(frozen=True)
class RetireGuard:
    """How many current values one answer may retire before it is refused as incomplete:
    up to `free` always (a source retracts single values), beyond that at most `max_share`
    of the current values in the answer's scope."""

    max_share: float = 0.05
    free: int = 3

    def allows(self, retired: int, current: int) -> bool:
        return retired <= self.free or retired <= self.max_share * current


CONFIRM_HINT = ("Är borttagningen riktig: kör om steget med konfigurationen bekrafta_borttagning: true "
                "(Dagster) eller `indikator refresh --bekrafta-borttagning`.")


@dataclass(frozen=True)
class MergeResult:
    inserted: int
    revised: int
    deleted: int
    # Current values in the scope that the answer left out although their unit did not answer
    # for their series at all: kept as they are (an incomplete answer), with up to 5 examples.
    kept: int = 0
    kept_sample: tuple[str, ...] = ()

    @property
    def changed(self) -> int:
        return self.inserted + self.revised + self.deleted

    def kept_note(self, where: str, who: str) -> str:
        """The warning for values kept because their unit did not answer at all, e.g.
        kept_note("svaret", "enheter som inte svarade alls")."""
        return (f"{self.kept} aktuella värden saknas i {where} för {who} (t.ex. {', '.join(self.kept_sample)}); "
                "ett ofullständigt svar, inte en borttagning: värdena behålls")

    def __add__(self, other: "MergeResult") -> "MergeResult":
        return MergeResult(self.inserted + other.inserted, self.revised + other.revised, self.deleted + other.deleted,
                           self.kept + other.kept, (self.kept_sample + other.kept_sample)[:5])


NO_CHANGES = MergeResult(0, 0, 0)  # the start of a sum of merges

# A merge into periods with nothing current inserts the incoming values as they are (below);
# off, it goes the whole way (the tests compare the two).
FIRST_LOAD_SHORTCUT = True


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
    guard: RetireGuard | None = None,
    dry_run: bool = False,
) -> MergeResult:
    """Merge `incoming` (COLUMNS plus the source table's `extra` columns) into `table`.

    `incoming` is a DataFrame or a SELECT (with `params`) over tables in the warehouse; a
    SELECT keeps a national load inside DuckDB instead of in a DataFrame.

    Extra columns (SCB: source_table, period_start, published_at, …) are carried into each
    new vintage; a tombstone copies them from the vintage it ends. A change in one of the
    `compare` columns (a subset of `extra`) makes a new vintage like a changed value does.
    With `transaction=False` the caller holds the transaction (several merges as one).
    With a `guard`, an answer retiring more current values than it allows raises
    RetirementRefused and merges nothing. With `dry_run` nothing is written: the result says
    what the merge would do (and the guard and the duplicate check still raise), so a
    landing step can refuse an answer before it becomes the partition's latest.
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
        return _merge(conn, table, source, cols, scope, extra, compare, transaction, guard, dry_run)
    finally:
        try:
            for temp in ("incoming_obs", "merge_periods", "merge_current", "merge_live", "merge_changes",
                         "merge_answered", "merge_absent"):
                conn.execute(f"DROP TABLE IF EXISTS {temp}")
        except duckdb.Error:
            pass  # the caller's transaction failed; its rollback drops the table


def _merge(conn, table, source, cols, scope, extra, compare, transaction, guard, dry_run) -> MergeResult:
    dupes = conn.execute(
        f"SELECT {', '.join(KEY)}, count(*) AS n FROM incoming_obs GROUP BY ALL HAVING count(*) > 1 "
        f"ORDER BY {', '.join(KEY)}").df()
    if not dupes.empty:
        sample = dupes[KEY].head(3).to_dict("records")
        raise DuplicateObservations(f"{table}: {int(dupes['n'].sum())} dubblerade nycklar i samma hämtning, t.ex. {sample}")
    keys = ", ".join(KEY)
    ins_extra = "".join(f", {c}" for c in extra)
    cur_extra = "".join(f", cur.{c}" for c in extra)
    changed_extra = "".join(f" OR cur.{c} IS DISTINCT FROM i.{c}" for c in compare)
    same_extra = "".join(f" AND live.{c} IS NOT DISTINCT FROM i.{c}" for c in compare)
    # The newest vintage of each key, for the periods this merge can touch only: period is
    # part of the key, so leaving other periods out changes nothing for these and keeps a
    # one-year load from numbering the vintages of the whole table.
    conn.execute("CREATE OR REPLACE TEMP TABLE merge_periods AS SELECT period FROM incoming_obs "
                 "UNION SELECT unnest(?::VARCHAR[])", [list(scope.periods) if scope is not None else []])
    own_transaction = transaction and not dry_run  # a dry run writes nothing to commit
    if own_transaction:
        conn.execute("BEGIN")
    try:
        # The current vintages once, before anything is inserted: the changes and the absent
        # keys are both found against them (finding the absent keys after the insert scanned
        # the rows just added too: 0.7 s of a national backfill's 2.5 s merge).
        conn.execute(
            f"""CREATE OR REPLACE TEMP TABLE merge_current AS
                SELECT * FROM (
                    SELECT *, row_number() OVER (PARTITION BY {keys} ORDER BY vintage DESC) AS rn
                    FROM {table} WHERE period IN (SELECT period FROM merge_periods)) WHERE rn = 1""")
        if FIRST_LOAD_SHORTCUT and not one(conn, "SELECT count(*) FROM merge_current")[0]:
            # Nothing current in these periods (a first load): every value is new, nothing can
            # be revised, retired or kept, so the guard has nothing to weigh and each value is
            # vintage 1, first seen when fetched. A national first backfill's landing check cost
            # 0.6 s on top of the load it previews, and the joins against nothing 0.3 s of the
            # load (docs/benchmarks.md); tested equal to the whole way.
            result = MergeResult(one(conn, "SELECT count(*) FROM incoming_obs WHERE NOT is_deleted")[0], 0, 0)
            if dry_run:
                return result
            conn.execute(
                f"""
                INSERT INTO {table} (source, {keys}, period_end, value, status, is_deleted,
                                     vintage, first_seen, fetched_at, response_id{ins_extra})
                SELECT ?, series, breakdown, region, period, period_end, value, status, false,
                       1, fetched_at, fetched_at, response_id{ins_extra}
                FROM incoming_obs WHERE NOT is_deleted
                """,
                [source],
            )
            if own_transaction:
                conn.execute("COMMIT")
            return result
        # Keys whose newest vintage is a tombstone: their last live vintage, so a value that
        # returns unchanged keeps its first_seen (usually none or a handful of keys).
        conn.execute(
            f"""CREATE OR REPLACE TEMP TABLE merge_live AS
                SELECT * FROM (
                    SELECT o.*, row_number() OVER (PARTITION BY {keys} ORDER BY o.vintage DESC) AS rn
                    FROM {table} o SEMI JOIN (SELECT {keys} FROM merge_current WHERE is_deleted) d USING ({keys})
                    WHERE NOT o.is_deleted) WHERE rn = 1""")
        # The rows that change something, with their kind, in one join; counted and inserted
        # from there (counting and inserting each joined the incoming rows again).
        conn.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE merge_changes AS
            WITH cur AS (SELECT * FROM merge_current)
            SELECT i.*, coalesce(cur.vintage, 0) + 1 AS new_vintage,
                   CASE WHEN cur.series IS NULL THEN 'new' WHEN i.is_deleted THEN 'deleted' ELSE 'revised' END AS kind,
                   CASE WHEN NOT i.is_deleted AND cur.is_deleted AND live.series IS NOT NULL
                             AND live.value IS NOT DISTINCT FROM i.value AND live.status = i.status{same_extra}
                        THEN live.first_seen ELSE i.fetched_at END AS new_first_seen
            FROM incoming_obs i LEFT JOIN cur USING ({keys}) LEFT JOIN merge_live live USING ({keys})
            WHERE (cur.series IS NULL AND NOT i.is_deleted)
               OR (cur.series IS NOT NULL AND i.is_deleted AND NOT cur.is_deleted)
               OR (cur.series IS NOT NULL AND NOT i.is_deleted AND (
                     cur.is_deleted OR cur.value IS DISTINCT FROM i.value OR cur.status <> i.status{changed_extra}))
            """
        )
        counts = one(conn, "SELECT count(*) FILTER (WHERE kind = 'new'), count(*) FILTER (WHERE kind = 'revised'), "
                           "count(*) FILTER (WHERE kind = 'deleted') FROM merge_changes")
        # What the scope covered and the answer left out: retired only where the unit answered
        # for the series (module docstring).
        conn.execute("CREATE OR REPLACE TEMP TABLE merge_answered AS SELECT DISTINCT series, region FROM incoming_obs")
        # The scope as a condition on merge_current (`cur`) with its parameters.
        scoped = ("list_contains($series, cur.series) AND list_contains($regions, cur.region) "
                  "AND list_contains($periods, cur.period)") if scope is not None else "false"
        params = _scope_params(scope)
        conn.execute(
            f"""CREATE OR REPLACE TEMP TABLE merge_absent AS
                SELECT cur.* FROM merge_current cur SEMI JOIN merge_answered a USING (series, region)
                WHERE NOT cur.is_deleted AND {scoped}
                  AND NOT EXISTS (SELECT 1 FROM incoming_obs i WHERE i.series = cur.series
                      AND i.breakdown = cur.breakdown AND i.region = cur.region AND i.period = cur.period)""",
            params)
        absent = one(conn, "SELECT count(*) FROM merge_absent")[0]
        if guard is not None and counts[2] + absent:
            _check_guard(conn, table, guard, counts[2] + absent, scope is not None, scoped, params)
        kept, kept_sample = _kept(conn, scope is not None, scoped, params)
        result = MergeResult(inserted=counts[0], revised=counts[1], deleted=counts[2] + absent, kept=kept,
                             kept_sample=kept_sample)
        if dry_run:
            return result
        if absent:
            conn.execute(
                f"""
                INSERT INTO {table} (source, {keys}, period_end, value, status, is_deleted,
                                     vintage, first_seen, fetched_at, response_id{ins_extra})
                SELECT cur.source, cur.series, cur.breakdown, cur.region, cur.period, cur.period_end,
                       NULL, '', true, cur.vintage + 1, ?, ?, NULL{cur_extra}
                FROM merge_absent cur
                """,
                [scope.fetched_at, scope.fetched_at],
            )
        conn.execute(
            f"""
            INSERT INTO {table} (source, {keys}, period_end, value, status, is_deleted,
                                 vintage, first_seen, fetched_at, response_id{ins_extra})
            SELECT ?, series, breakdown, region, period, period_end,
                   CASE WHEN is_deleted THEN NULL ELSE value END, status, is_deleted,
                   new_vintage, new_first_seen, fetched_at, response_id{ins_extra}
            FROM merge_changes
            """,
            [source],
        )
        if own_transaction:
            conn.execute("COMMIT")
    except Exception:
        if own_transaction:
            conn.execute("ROLLBACK")
        raise
    return result


def _kept(conn, has_scope: bool, scoped: str, params: dict) -> tuple[int, tuple[str, ...]]:
    """Current values in the scope whose unit gave no value of their series (kept)."""
    if not has_scope:
        return 0, ()
    rows = conn.execute(
        f"""SELECT series, region, count(*) FROM merge_current cur ANTI JOIN merge_answered a USING (series, region)
            WHERE NOT cur.is_deleted AND {scoped} GROUP BY ALL ORDER BY series, region""",
        params).fetchall()
    return sum(n for *_, n in rows), tuple(f"{s} {r}" for s, r, _ in rows[:5])


def _scope_params(scope: Scope | None) -> dict:
    if scope is None:
        return {}
    return {"series": list(scope.series), "regions": list(scope.regions), "periods": list(scope.periods)}


def _check_guard(conn, table: str, guard: RetireGuard, retired: int, has_scope: bool, scoped: str,
                 params: dict) -> None:
    """Raise RetirementRefused when `retired` current values are more than the guard allows
    against the current values of the scope (without a scope: of the answered units)."""
    if has_scope:
        current = one(conn, f"SELECT count(*) FROM merge_current cur WHERE NOT cur.is_deleted AND {scoped}", params)[0]
    else:
        current = one(conn, "SELECT count(*) FROM merge_current cur SEMI JOIN merge_answered USING (series, region) "
                            "WHERE NOT cur.is_deleted")[0]
    if guard.allows(retired, current):
        return
    sample = conn.execute(
        """SELECT series, breakdown, region, period FROM (
                SELECT series, breakdown, region, period FROM merge_absent
                UNION ALL SELECT series, breakdown, region, period FROM merge_changes WHERE kind = 'deleted')
            ORDER BY ALL LIMIT 3""").fetchall()
    keys = "; ".join(f"{s} {b} {r} {p}" for s, b, r, p in sample)
    share = retired / current if current else 1.0
    raise RetirementRefused(
        f"{table}: svaret skulle ta bort {retired} av {current} aktuella värden ({share * 100:.0f} %; högst "
        f"{guard.max_share * 100:g} % eller {guard.free} st tas bort utan bekräftelse), t.ex. {keys}. Troligen ett "
        f"ofullständigt svar från källan; inget ändrades. {CONFIRM_HINT}")
