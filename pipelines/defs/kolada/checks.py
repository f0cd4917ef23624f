"""SQL checks on the Kolada tables (cheap rules; GX suites come with the publishing step).

raw_not_empty is a partitioned check (Dagster 1.13): it runs over the run's years after
raw/kolada_values and looks at each year's latest landed fetch. A night with nothing new
materializes nothing, and the check is skipped with it.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.kolada.assets import kolada_observations, kolada_values
from pipelines.defs.partitions import yearly_partition
from pipelines.defs.policies import DUCKDB_POOL
from pipelines.defs.resources import warehouse
from warehouse.kolada import load as wh_kolada

UNIQUE_VINTAGES = "unique_vintages"
RAW_NOT_EMPTY = "raw_not_empty"


@dg.asset_check(asset=kolada_values, name=RAW_NOT_EMPTY, partitions_def=yearly_partition, pool=DUCKDB_POOL,
                description="Hämtningen gav värden för varje år (tomt tyder på fel KPI-id, kommunkod eller "
                            "ett år utan data ännu).")
def kolada_values_not_empty(context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource) -> dg.AssetCheckResult:
    """Varje års senaste hämtning gav minst ett värde; varnar annars (vanligt för innevarande år)."""
    with warehouse(duckdb) as conn:
        counts = wh_kolada.fetched_counts(conn, list(context.partition_keys))
    empty = [year for year, n in counts.items() if not n]
    return dg.AssetCheckResult(
        passed=not empty, severity=dg.AssetCheckSeverity.WARN,
        metadata={"values": sum(counts.values()), "empty_years": ", ".join(empty) or "inga",
                  **{f"values {year}": n for year, n in counts.items()}})


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
