"""SCB: the catalog's SCB series for the kommun, one yearly partition at a time."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.config import FetchConfig
from pipelines.defs.metadata import merge_metadata, preview
from pipelines.defs.partitions import range_label, scb_yearly_partition
from pipelines.defs.policies import DUCKDB_POOL, OWNERS
from pipelines.defs.resources import CatalogResource, ScbResource, warehouse
from warehouse.scb import load as wh_scb
from warehouse.scb.fetch import fetch_tables
from warehouse.core.db import one
from warehouse.core.observations import MergeResult, RetirementRefused
from sources.errors import SourceError

# SCB steps run in the duckdb pool (limit 1, dagster.yaml): they write the warehouse, and
# it also means one SCB step at a time across all runs; the limiter file in ScbResource
# keeps each step within SCB's per-IP budget.
# A backfill of many years is one run asking each table for all its years at once
# (warehouse/scb/fetch.py): one run per year would make one call per table and year.
COMMON = dict(group_name="scb", owners=OWNERS, pool=DUCKDB_POOL, partitions_def=scb_yearly_partition,
              backfill_policy=dg.BackfillPolicy.single_run())


# A night on which no table changed yields no materialization (as Kolada's): the observations
# step and its checks are skipped, and the asset's history shows only real fetches.
@dg.asset(key=["raw", "scb_values"], kinds={"duckdb", "api"}, output_required=False, **COMMON)
def scb_values(
    context: dg.AssetExecutionContext, config: FetchConfig, duckdb: DuckDBResource, scb: ScbResource,
    catalog: CatalogResource,
):
    """SCB-svar för ett eller flera år: katalogens SCB-serier (t.ex. folkmängd) för kommunen
    (med omfattning: riket, för alla 290 kommuner, 21 län och riket).

    Läser först varje tabells `updated` (GET /tables/{id}). Har tabellen inte ändrats sedan
    årets data senast hämtades görs inget dataanrop; annars hämtas urvalet med koder
    (POST, json-stat2), uppdelat så att inget anrop överstiger SCB:s cellgräns. En
    återfyllnad (backfill) av flera år körs som en körning som frågar efter alla åren i
    samma anrop. Varje svar sparas oförändrat i raw.scb_responses. `updated` blir värdenas
    publiceringstid, som styr vilket KF-möte de ska redovisas vid.

    Svaret läses och prövas innan det sparas: ett svar som inte går att läsa, eller som skulle
    ta bort mer än en liten andel av de aktuella värdena, sparas inte alls (kör om senare, eller
    med `bekrafta_borttagning: true` om borttagningen är riktig). Enheter som saknas helt i
    svaret behåller sina värden.

    Har ingen tabell ändrats materialiseras inget och nästa steg hoppas över (kontrollen av
    tabellernas `updated` sparas ändå).
    """
    cat = catalog.load()
    keys = list(context.partition_keys)
    with warehouse(duckdb) as conn:
        known = wh_scb.known_fetches(conn, keys)
    # All HTTP before the warehouse is opened to write; the landing is one transaction.
    fetches = fetch_tables(scb.client(), cat, keys, known, log=context.log.info)
    fetched = [f for f in fetches if not f.skipped]
    guard = config.guard()
    loaded: list[MergeResult] = []

    def load_before_commit(c) -> None:
        # The load the stg step will make, tried before the landing commits: an answer that
        # cannot be parsed or stitched, or that the guard refuses, is never stored, so the
        # next run does not take the table for already fetched (warehouse/scb/load.py land).
        loaded.append(wh_scb.load_partitions(c, keys, cat, guard=guard, dry_run=True))

    with warehouse(duckdb) as conn:
        try:
            fetch_ids = wh_scb.land(conn, fetches, run_id=context.run.run_id,
                                    check=load_before_commit if fetched else None)
        except RetirementRefused as exc:
            raise dg.Failure(description=f"SCB {range_label(keys)}: {exc}", allow_retries=False) from exc
        except (SourceError, ValueError) as exc:
            # A SourceError names its URL; a stitching error names the tables instead.
            raise dg.Failure(description=(f"SCB {range_label(keys)}: svaret kunde inte läsas in ({exc}); inget sparades, "
                                          "så nästa körning frågar SCB igen"), allow_retries=False) from exc
    if loaded and loaded[0].kept:
        context.log.warning(f"SCB: {loaded[0].kept_note('svaret', 'enheter som inte svarade alls')}")
    unchanged = [f for f in fetches if f.skipped and f.periods]
    if not fetched:
        context.log.info(f"SCB {range_label(keys)}: ingen tabell har ändrats sedan förra hämtningen; inget dataanrop")
        return
    pages = list({id(p): p for f in fetched for p in f.pages}.values())  # the years of a call share its pages
    frame = wh_scb.pages_frame(pages)
    yield dg.MaterializeResult(
        metadata={
            "years": range_label(keys),
            "tables_checked": len({(f.series, f.info.id) for f in fetches}),
            "tables_fetched": len({(f.series, f.info.id) for f in fetched}),
            "tables_unchanged": ", ".join(sorted({f"{f.info.id} ({f.info.updated})" for f in unchanged})) or "inga",
            "data_calls": len(pages),
            "row_count": len(frame),
            "fetch_ids": ", ".join(fetch_ids) if len(fetch_ids) <= 20 else f"{len(fetch_ids)} hämtningar",
            "values_kept_unanswered": loaded[0].kept if loaded else 0,
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
        years = [int(k) for k in context.partition_keys]
        result = wh_scb.load_partitions(conn, list(context.partition_keys), cat)
        # Current values of these years: each key's newest vintage that is not a deletion
        # (an aggregate here; the current_observations view sorts every source's rows).
        total = one(conn,
            "SELECT count(*) FILTER (WHERE NOT deleted) FROM (SELECT arg_max(is_deleted, vintage) AS deleted "
            "FROM stg.scb_observations WHERE list_contains(?, year(period_end)) "
            "GROUP BY series, breakdown, region, period)",
            [years],
        )[0]
        rows = conn.execute(
            "SELECT series, region, period, value, status, source_table, published_at, vintage "
            "FROM stg.current_observations WHERE source = 'scb' AND list_contains(?, year(period_end)) "
            "ORDER BY series, region, period LIMIT 15", [years]
        ).df()
    return dg.MaterializeResult(metadata=merge_metadata(result, total, rows))
