"""SQL checks on the Kolada tables (cheap rules; GX suites come with the publishing step).

raw_not_empty is evaluated inside raw/kolada_values (a check spec), since it must look at
that partition's fetch: Dagster runs @asset_check functions per asset, not per partition.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.kolada.assets import kolada_observations
from pipelines.defs.policies import DUCKDB_POOL
from pipelines.defs.resources import warehouse

UNIQUE_VINTAGES = "unique_vintages"


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
