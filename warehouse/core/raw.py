"""Raw landing: every response kept as received (url, fetched_at, sha256, payload), so each
figure in the warehouse can be traced to the request that produced it."""

from __future__ import annotations

import duckdb

from sources.http import Page
from warehouse.core.db import one


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
