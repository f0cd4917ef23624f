"""Raw landing: every response kept as received (url, fetched_at, sha256, payload), so each
figure in the warehouse can be traced to the request that produced it."""

from __future__ import annotations

import json
import uuid
from typing import Iterable, Sequence

import duckdb

from sources.http import Page
from warehouse.db import one


def store_response(conn: duckdb.DuckDBPyConnection, table: str, page: Page) -> int:
    """Insert `page` unless the same body for the same URL is stored already; return its id."""
    row = one(conn,
        f"SELECT response_id FROM {table} WHERE url = ? AND sha256 = ?", [page.url, page.sha256]
    )
    if row:
        return row[0]
    return one(conn,
        f"INSERT INTO {table} (url, fetched_at, status_code, sha256, payload) "
        "VALUES (?, ?, ?, ?, ?) RETURNING response_id",
        [page.url, page.fetched_at, page.status_code, page.sha256, page.body.decode("utf-8")],
    )[0]


def land_kolada_fetch(
    conn: duckdb.DuckDBPyConnection,
    pages: Sequence[Page],
    *,
    partition_key: str,
    kpis: Iterable[str],
    municipalities: Iterable[str],
    years: Iterable[int],
    run_id: str | None = None,
) -> tuple[str, list[int]]:
    """Store one complete fetch of a partition atomically; return (fetch_id, response ids).

    Call it only after every page was received: a fetch that failed half-way leaves nothing.
    """
    fetch_id = str(uuid.uuid4())
    conn.execute("BEGIN")
    try:
        ids = [store_response(conn, "raw.kolada_responses", p) for p in pages]
        conn.execute(
            "INSERT INTO raw.kolada_fetches VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                fetch_id,
                partition_key,
                max(p.fetched_at for p in pages),
                sorted(set(kpis)),
                sorted(set(municipalities)),
                sorted(set(years)),
                ids,
                run_id,
            ],
        )
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
    return fetch_id, ids


def latest_fetch(conn: duckdb.DuckDBPyConnection, partition_key: str) -> dict | None:
    row = one(conn,
        "SELECT fetch_id, fetched_at, kpis, municipalities, years, response_ids "
        "FROM raw.kolada_fetches WHERE partition_key = ? ORDER BY fetched_at DESC, rowid DESC LIMIT 1",
        [partition_key],
    )
    if row is None:
        return None
    keys = ("fetch_id", "fetched_at", "kpis", "municipalities", "years", "response_ids")
    return dict(zip(keys, row))


def responses(conn: duckdb.DuckDBPyConnection, ids: Sequence[int]) -> list[tuple[int, str, object, dict]]:
    """(response_id, url, fetched_at, payload) for the given ids, in the given order."""
    rows = conn.execute(
        "SELECT response_id, url, fetched_at, payload FROM raw.kolada_responses "
        "WHERE list_contains(?, response_id)",
        [list(ids)],
    ).fetchall()
    by_id = {r[0]: r for r in rows}
    return [(i, by_id[i][1], by_id[i][2], json.loads(by_id[i][3])) for i in ids]
