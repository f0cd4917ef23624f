"""SCB: landing responses, remembering table checks, and stitching observations.

The nightly refresh is incremental: `known_fetches` says with which plan and at which
`updated` of a table the stored data of a partition was fetched, so an unchanged table
costs one metadata call and no data call. Loading turns each series' latest fetches into
observations; every value keeps the table it came from and the table's `updated` as its
publication time.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterable, Sequence

import duckdb
import pandas as pd

from indicator_catalog.catalog import Catalog
from indicator_catalog.models import ScbQuery
from sources.http import Page
from sources.jsonstat import Dataset, parse, period_bounds
from sources.scb import TableInfo, unit_id
from warehouse.core.db import one, transaction
from warehouse.core.observations import COLUMNS, NO_CHANGES, MergeResult, RetireGuard, Scope, merge_observations

TABLE = "stg.scb_observations"
EXTRA = ["period_start", "published_at", "source_table", "contents"]


class StitchError(ValueError):
    """Two tables of one series supplied the same period for a region."""


def store_response(conn: duckdb.DuckDBPyConnection, page: Page) -> int:
    req_sha = hashlib.sha256(page.request_body).hexdigest() if page.request_body else ""
    row = one(conn, "SELECT response_id FROM raw.scb_responses WHERE url = ? AND request_sha256 = ? AND sha256 = ?",
              [page.url, req_sha, page.sha256])
    if row:
        return row[0]
    return one(conn,
        "INSERT INTO raw.scb_responses (url, request_sha256, request_body, fetched_at, status_code, sha256, payload) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING response_id",
        [page.url, req_sha, page.request_body.decode("utf-8") if page.request_body else None,
         page.fetched_at, page.status_code, page.sha256, page.body.decode("utf-8")],
    )[0]


# The latest fetch of each (partition, series, table) among the fetches `where` selects:
# what loading reads, and what the next fetch is compared with, so both use this one window.
# rowid breaks ties: two fetches can carry the same time (a fixed clock, a fast rerun).
_LATEST_FETCHES = """
    SELECT * EXCLUDE (rn) FROM (
        SELECT *, row_number() OVER (PARTITION BY partition_key, series, table_id
                                     ORDER BY fetched_at DESC, rowid DESC) AS rn
        FROM raw.scb_fetches WHERE {where})
    WHERE rn = 1"""


def known_fetches(conn, partition_keys: list[str]) -> dict[tuple[str, str, str], tuple[str, datetime]]:
    """(partition_key, series, table) -> (plan_sha256, table_updated) of the latest fetch.

    A new fetch is skipped when it would use the same plan while the table's `updated` has
    not moved. The latest fetch is what loading reads, so an older fetch with the same plan
    does not count (the catalog may have changed the selection and changed it back).
    """
    rows = conn.execute(
        f"SELECT partition_key, series, table_id, plan_sha256, table_updated FROM "
        f"({_LATEST_FETCHES.format(where='list_contains(?, partition_key)')})",
        [list(partition_keys)]).fetchall()
    return {(k, s, t): (plan, updated) for k, s, t, plan, updated in rows}


@dataclass
class TableFetch:
    """The outcome of one table for one series in one partition: checked, maybe fetched.
    The years of one multi-year run share the pages; each reads its own periods."""

    series: str
    info: TableInfo
    plan: str
    regions: list[str]  # SCB's codes, as asked
    periods: list[str]
    pages: list[Page]  # empty: skipped, `updated` unchanged
    partition_key: str

    @property
    def skipped(self) -> bool:
        return not self.pages


def land(conn: duckdb.DuckDBPyConnection, fetches: Sequence[TableFetch], *, run_id: str | None = None,
         check: Callable[[duckdb.DuckDBPyConnection], None] | None = None) -> list[str]:
    """Store the table checks and the complete data fetches in one transaction.

    `check(conn)` runs inside the transaction once everything is stored (raw/scb_values loads
    the new fetches as a dry run there): if it raises, nothing is stored, so an answer that
    cannot be read or that the retirement guard refuses never counts as the partition's
    latest fetch, and the next run asks SCB again instead of skipping an unchanged table.
    """
    fetch_ids = []
    # The years of one run share the table-info page and the data pages: store (and look up)
    # each page once. Keyed by id(page); the pages live in `fetches` for the whole call.
    stored: dict[int, int] = {}

    def response_id(page: Page) -> int:
        if id(page) not in stored:
            stored[id(page)] = store_response(conn, page)
        return stored[id(page)]

    with transaction(conn):
        for f in fetches:
            check_id = response_id(f.info.page)
            conn.execute(
                "INSERT INTO raw.scb_table_checks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [f.info.page.fetched_at, f.info.id, f.info.updated_at, f.info.label, f.info.first_period,
                 f.info.last_period, f.partition_key, f.series, not f.skipped, check_id, run_id],
            )
            if f.skipped or not f.periods:
                continue
            ids = [response_id(p) for p in f.pages]
            fetch_id = str(uuid.uuid4())
            conn.execute(
                "INSERT INTO raw.scb_fetches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [fetch_id, f.partition_key, f.series, f.info.id, f.plan, f.info.updated_at,
                 max(p.fetched_at for p in f.pages), f.regions, f.periods, ids, run_id],
            )
            fetch_ids.append(fetch_id)
        if check is not None:
            check(conn)
    return fetch_ids


def pages_frame(pages: Sequence[Page]) -> pd.DataFrame:
    """The cells of fetched data pages (codes, value, status), for previews and counts."""
    rows = [r for p in pages for r in parse(p.payload, p.url).rows]
    return pd.DataFrame(rows)


def _latest_fetches(conn, partition_key: str, series: str) -> list[tuple]:
    return conn.execute(
        f"SELECT table_id, fetched_at, table_updated, regions, periods, response_ids FROM "
        f"({_LATEST_FETCHES.format(where='partition_key = ? AND series = ?')}) ORDER BY table_id",
        [partition_key, series],
    ).fetchall()


def observation_frame(conn, series: str, query: ScbQuery, fetches: Iterable[tuple],
                      parsed: dict[int, Dataset] | None = None) -> tuple[pd.DataFrame, list[dict]]:
    """Rows of the given fetches for `series`, each restricted to the periods its table
    supplies and its fetch asked for (a multi-year fetch's responses hold every year).
    `parsed` (response_id -> dataset) keeps responses parsed across calls."""
    specs = {t.table: t for t in query.tables}
    order = {t.table: i for i, t in enumerate(query.tables)}
    rows, notes, seen = [], [], {}
    # In the catalog's order (oldest table first), so messages name the tables in that order.
    for table_id, fetched_at, updated, _regions, asked, response_ids in sorted(
            fetches, key=lambda f: order.get(f[0], len(order))):
        asked = set(asked)
        spec = specs.get(table_id)
        if spec is None:
            continue  # the catalog no longer lists this table for the series
        lo = period_bounds(spec.from_period)[0] if spec.from_period else None
        hi = period_bounds(spec.to_period)[1] if spec.to_period else None
        for response_id, ds in _responses(conn, response_ids, {} if parsed is None else parsed):
            for n in ds.notes:
                notes.append({"response_id": response_id, "table_id": table_id, "dimension": n.dimension or "",
                              "category": n.category or "", "note_index": n.index, "mandatory": n.mandatory,
                              "text": n.text})
            for r in ds.rows:
                if r.get(spec.contents_variable, spec.contents) != spec.contents:
                    continue
                period = r[spec.time_variable]
                if period not in asked:
                    continue
                start, end = period_bounds(period)
                if (lo and start < lo) or (hi and end > hi):
                    continue
                key = (unit_id(r[spec.region_variable]), period)
                if key in seen and seen[key] != table_id:
                    raise StitchError(
                        f"SCB-serien {series}: både {seen[key]} och {table_id} ger {key[1]} för {key[0]}; "
                        "rätta from_period/to_period i katalogen"
                    )
                seen[key] = table_id
                rows.append({
                    "series": series, "breakdown": "T", "region": key[0], "period": period,
                    "period_start": start, "period_end": end, "value": r["value"], "status": r["status"],
                    "is_deleted": False, "fetched_at": fetched_at, "response_id": response_id,
                    "published_at": updated, "source_table": table_id, "contents": spec.contents,
                })
    frame = pd.DataFrame(rows, columns=COLUMNS + EXTRA)
    return frame.astype({"value": "float64", "is_deleted": "bool", "response_id": "int64"}), notes


def _responses(conn, ids, parsed: dict[int, Dataset]) -> list[tuple[int, Dataset]]:
    """The stored responses `ids`, parsed; read and parsed only if not already in `parsed`
    (which is filled in)."""
    missing = [i for i in ids if i not in parsed]
    if missing:
        rows = conn.execute(
            "SELECT response_id, url, payload FROM raw.scb_responses WHERE list_contains(?, response_id)", [missing]
        ).fetchall()
        for response_id, url, payload in rows:
            parsed[response_id] = parse(json.loads(payload), url)
    return [(i, parsed[i]) for i in ids]


def load_partitions(conn: duckdb.DuckDBPyConnection, partition_keys: list[str], catalog: Catalog, *,
                    guard: RetireGuard | None = None, dry_run: bool = False) -> MergeResult:
    """load_partition for each key (a backfill's years), the results summed. The years of a
    backfill point at the same responses, so each is read and parsed once for all of them.
    `guard` and `dry_run` as in merge_observations (a dry run stores no notes either)."""
    parsed: dict[int, Dataset] = {}
    results = [load_partition(conn, key, catalog, parsed, guard=guard, dry_run=dry_run) for key in partition_keys]
    return sum(results, NO_CHANGES)


def load_partition(conn: duckdb.DuckDBPyConnection, partition_key: str, catalog: Catalog,
                   parsed: dict[int, Dataset] | None = None, *, guard: RetireGuard | None = None,
                   dry_run: bool = False) -> MergeResult:
    """Merge the latest fetches of every SCB series in `partition_key` into stg.scb_observations."""
    total = NO_CHANGES
    for series, query in catalog.scb_series().items():
        fetches = _latest_fetches(conn, partition_key, series)
        if not fetches:
            continue
        frame, notes = observation_frame(conn, series, query, fetches, parsed)
        if not dry_run:
            _store_notes(conn, notes)
        scope = Scope(
            series=[series],
            regions=sorted({unit_id(r) for f in fetches for r in f[3]}),
            periods=sorted({p for f in fetches for p in f[4]}),
            fetched_at=max(f[1] for f in fetches),
        )
        # A value now supplied by another table (the catalog re-stitched) is a new vintage too,
        # so every current value names the table it really came from.
        r = merge_observations(conn, TABLE, "scb", frame, scope, extra=EXTRA, compare=["source_table"],
                               guard=guard, dry_run=dry_run)
        total += r
    return total


def _store_notes(conn, notes: list[dict]) -> None:
    if not notes:
        return
    frame = pd.DataFrame(notes).drop_duplicates(["response_id", "dimension", "category", "note_index"])
    conn.register("incoming_notes", frame)
    try:
        conn.execute(
            "INSERT INTO stg.scb_notes BY NAME SELECT * FROM incoming_notes n WHERE NOT EXISTS ("
            "SELECT 1 FROM stg.scb_notes s WHERE s.response_id = n.response_id AND s.dimension = n.dimension "
            "AND s.category = n.category AND s.note_index = n.note_index)"
        )
    finally:
        conn.unregister("incoming_notes")
