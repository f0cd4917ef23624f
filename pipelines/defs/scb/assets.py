"""SCB: the catalog's SCB series for the kommun, one yearly partition at a time."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.metadata import merge_metadata, preview
from pipelines.defs.partitions import scb_yearly_partition
from pipelines.defs.policies import DUCKDB_POOL, OWNERS
from pipelines.defs.resources import CatalogResource, ScbResource, warehouse
from sources.scb import build_selection, plan_sha256, time_codes, year_overlaps
from warehouse import scb as wh_scb
from warehouse.db import one

# SCB steps run in the duckdb pool (limit 1, dagster.yaml): they write the warehouse, and
# it also means one SCB step at a time across all runs; the limiter file in ScbResource
# keeps each step within SCB's per-IP budget.
COMMON = dict(group_name="scb", owners=OWNERS, pool=DUCKDB_POOL, partitions_def=scb_yearly_partition)


@dg.asset(key=["raw", "scb_values"], kinds={"duckdb", "api"}, **COMMON)
def scb_values(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource, scb: ScbResource, catalog: CatalogResource
) -> dg.MaterializeResult:
    """SCB-svar för ett år: katalogens SCB-serier (t.ex. folkmängd) för kommunen.

    Läser först varje tabells `updated` (GET /tables/{id}). Har tabellen inte ändrats sedan
    årets data senast hämtades görs inget dataanrop; annars hämtas urvalet med koder
    (POST, json-stat2), uppdelat så att inget anrop överstiger SCB:s cellgräns. Varje svar
    sparas oförändrat i raw.scb_responses. `updated` blir värdenas publiceringstid, som
    styr vilket KF-möte de ska redovisas vid.
    """
    cat = catalog.load()
    client = scb.client()
    year = int(context.partition_key)
    fetches: list[wh_scb.TableFetch] = []
    for series, query in cat.scb_series().items():
        regions = cat.scb_regions(series)
        for spec in query.tables:
            if not year_overlaps(year, spec.from_period, spec.to_period):
                continue  # this table does not supply the series in this year: no request
            info = client.table(spec.table)
            periods = time_codes(year, info.first_period, info.last_period, spec.from_period, spec.to_period)
            if not periods:
                context.log.info(f"SCB {spec.table}: inga perioder {year} (tabellen har {info.first_period}–{info.last_period})")
                fetches.append(wh_scb.TableFetch(series, info, "", regions, [], []))  # the check is logged
                continue
            selection = build_selection(spec.region_variable, regions, spec.contents_variable, spec.contents,
                                        spec.selection, spec.time_variable, periods)
            plan = plan_sha256(spec.table, selection, spec.codelists)
            with warehouse(duckdb) as conn:
                unchanged = wh_scb.is_unchanged(conn, context.partition_key, series, spec.table, plan, info.updated_at)
            if unchanged:
                context.log.info(f"SCB {spec.table} oförändrad sedan {info.updated}: hämtar inga data")
                pages = []
            else:
                pages = client.data(spec.table, selection, spec.codelists or None)
                context.log.info(f"SCB {spec.table} ({info.updated}): {len(pages)} anrop, perioder {periods[0]}–{periods[-1]}")
            fetches.append(wh_scb.TableFetch(series, info, plan, regions, periods, pages))
    with warehouse(duckdb) as conn:
        fetch_ids = wh_scb.land(conn, fetches, partition_key=context.partition_key, run_id=context.run.run_id)
    fetched = [f for f in fetches if not f.skipped]
    unchanged = [f for f in fetches if f.skipped and f.periods]
    frame = wh_scb.pages_frame([p for f in fetched for p in f.pages])
    return dg.MaterializeResult(
        metadata={
            "tables_checked": len(fetches),
            "tables_fetched": len(fetched),
            "tables_unchanged": ", ".join(f"{f.info.id} ({f.info.updated})" for f in unchanged) or "inga",
            "data_calls": sum(len(f.pages) for f in fetched),
            "row_count": len(frame),
            "fetch_ids": ", ".join(fetch_ids) or "inga",
            "preview": preview(frame.head(10), "inga nya data"),
        }
    )


@dg.asset(key=["stg", "scb_observations"], deps=[scb_values], kinds={"duckdb"}, **COMMON)
def scb_observations(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource, catalog: CatalogResource
) -> dg.MaterializeResult:
    """SCB-värden som observationer, en sammanhängande serie över tabellbyten.

    Varje serie sätts ihop av katalogens tabeller i ordning (t.ex. folkmängd: TAB638 t.o.m.
    2024, TAB5557 från 2025, månadsvärden ur TAB6471); varje värde behåller sin tabell
    (source_table), SCB:s statussymbol ('..', '-') och tabellens noter (stg.scb_notes).
    Ändrade värden blir nya årgångar, det gamla finns kvar.
    """
    cat = catalog.load()
    with warehouse(duckdb) as conn:
        result = wh_scb.load_partition(conn, context.partition_key, cat)
        total = one(conn, "SELECT count(*) FROM stg.current_observations WHERE source = 'scb' "
                    "AND year(period_end) = ?", [int(context.partition_key)])[0]
        rows = conn.execute(
            "SELECT series, region, period, value, status, source_table, published_at, vintage "
            "FROM stg.current_observations WHERE source = 'scb' AND year(period_end) = ? "
            "ORDER BY series, region, period LIMIT 15", [int(context.partition_key)]
        ).df()
    return dg.MaterializeResult(metadata=merge_metadata(result, total, rows))
