"""SQL checks on the Kolada tables (cheap rules; GX suites come with the publishing step)."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.kolada.assets import kolada_observations, kolada_values
from pipelines.defs.policies import DUCKDB_POOL
from pipelines.defs.resources import warehouse
from warehouse.db import one

RAW_NOT_EMPTY = "raw_not_empty"
UNIQUE_VINTAGES = "unique_vintages"


@dg.asset_check(asset=kolada_values, name=RAW_NOT_EMPTY, blocking=True, pool=DUCKDB_POOL)
def kolada_values_not_empty(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    """Kolada gav minst ett värde totalt (ett tomt svar tyder på fel KPI-id eller kommunkod)."""
    with warehouse(duckdb) as conn:
        n = one(conn,
            "SELECT coalesce(sum(json_array_length(payload -> 'values')), 0) FROM raw.kolada_responses "
            "WHERE url LIKE '%/data/%'"
        )[0]
    return dg.AssetCheckResult(passed=n > 0, metadata={"values": int(n)})


@dg.asset_check(asset=kolada_observations, name=UNIQUE_VINTAGES, blocking=True, pool=DUCKDB_POOL)
def kolada_observations_unique(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    """Varje (serie, kön, kommun, period) har högst en aktuell årgång och inga luckor i numreringen."""
    with warehouse(duckdb) as conn:
        bad = conn.execute(
            """
            SELECT series, breakdown, region, period, count(*) AS n, max(vintage) AS max_vintage
            FROM stg.kolada_observations GROUP BY ALL HAVING n <> max_vintage LIMIT 5
            """
        ).df()
    return dg.AssetCheckResult(
        passed=bad.empty,
        metadata={"bad_keys": dg.MetadataValue.md(bad.to_markdown(index=False)) if not bad.empty else "inga"},
    )
