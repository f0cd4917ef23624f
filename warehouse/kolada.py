"""Kolada: from landed raw responses to tidy observations."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from sources.kolada import parse_data_page
from warehouse import raw
from warehouse.observations import COLUMNS, MergeResult, Scope, merge_observations

TABLE = "stg.kolada_observations"


def observation_frame(conn: duckdb.DuckDBPyConnection, response_ids) -> pd.DataFrame:
    rows = []
    for response_id, url, fetched_at, payload in raw.responses(conn, response_ids):
        for r in parse_data_page(payload, url):
            rows.append(
                {
                    "series": r["kpi"],
                    "breakdown": r["gender"],
                    "region": r["municipality"],
                    "period": str(r["period"]),
                    "period_end": date(r["period"], 12, 31),
                    "value": r["value"],
                    "status": r["status"],
                    "is_deleted": r["isdeleted"],
                    "fetched_at": fetched_at,
                    "response_id": response_id,
                }
            )
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.astype({"value": "float64", "is_deleted": "bool", "response_id": "int64"})


def load_partition(conn: duckdb.DuckDBPyConnection, partition_key: str) -> MergeResult:
    """Merge the latest landed fetch of `partition_key` into stg.kolada_observations."""
    fetch = raw.latest_fetch(conn, partition_key)
    if fetch is None:
        raise LookupError(f"Kolada: ingen hämtning landad för partition {partition_key}; kör raw/kolada_values först")
    frame = observation_frame(conn, fetch["response_ids"])
    scope = Scope(
        series=fetch["kpis"],
        regions=fetch["municipalities"],
        periods=[str(y) for y in fetch["years"]],
        fetched_at=fetch["fetched_at"],
    )
    return merge_observations(conn, TABLE, "kolada", frame, scope)
