"""Arbetsförmedlingen: the month's five statistics files, and what the warehouse reads from them."""

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from pipelines.defs.config import FetchConfig
from pipelines.defs.metadata import merge_metadata, preview
from pipelines.defs.partitions import af_monthly_partition
from pipelines.defs.policies import DUCKDB_POOL, OWNERS
from pipelines.defs.resources import AfResource, warehouse
from sources.af import age_band, basis_from_name
from sources.af_web import NotPublished, fetch_month
from warehouse.af import load as wh_af
from warehouse.core.db import one
from warehouse.core.observations import RetirementRefused

COMMON = dict(group_name="arbetsformedlingen", owners=OWNERS, pool=DUCKDB_POOL, partitions_def=af_monthly_partition)


@dg.asset(key=["raw", "af_files"], kinds={"duckdb", "excel"}, **COMMON)
def af_files(context: dg.AssetExecutionContext, duckdb: DuckDBResource, af: AfResource) -> dg.MaterializeResult:
    """Arbetsförmedlingens fem statistikfiler för en månad (xlsx med pivottabeller).

    AF har inget statistik-API: filerna hittas på sidan "Tidigare statistik – tidsserier" via
    sina namn (t.ex. web-inskrivna-arbetslosa-andel-av-bas-2026-10.xlsx) och laddas ned. Varje
    fil sparas under sin sha256 bredvid databasen; AF kan byta ut en fil under samma namn, och
    då blir den nya versionen en ny fil och en ny rad i raw.af_files, och månaden läses om.

    Partitionen är filernas månad (filnamnets ÅÅÅÅ-MM). AF:s sida verkar bara länka de senaste
    filerna: en äldre månad kan läsas om (backfill) från filer som hämtats tidigare, annars
    misslyckas körningen och säger vilken månad sidan har.
    """
    month = context.partition_key
    try:
        downloads = fetch_month(af.session(), month, af.directory(), af.page(), log=context.log.info)
    except NotPublished as exc:
        with warehouse(duckdb) as conn:
            stored = wh_af.latest_files(conn, month)
        if stored.empty:
            raise dg.Failure(description=f"Arbetsförmedlingen {month}: {exc.cause}. Filerna har inte hämtats "
                                         "tidigare heller, så månaden kan inte läsas in.") from None
        context.log.warning(f"{exc.cause}; använder filerna som hämtades {stored.fetched_at.max():%Y-%m-%d}")
        return dg.MaterializeResult(metadata={"status": "tidigare hämtade filer",
                                              "files": preview(stored[["file_name", "sha256", "fetched_at"]])})
    bas = next(d for d in downloads if d.kind == "bas")
    band, basis = age_band(bas.path), basis_from_name(bas.path)  # a wrong BAS file fails here, unrecorded
    with warehouse(duckdb) as conn:
        before = wh_af.previous_sha(conn, month)
        wh_af.record_downloads(conn, downloads, file_month=month, alder=band, namnare=basis,
                               run_id=context.run.run_id)
    files = pd.DataFrame([{
        "fil": d.file_name, "MB": round(d.bytes / 1e6, 2), "sha256": d.sha256[:16],
        "läge": "ny" if d.kind not in before else "ny version" if before[d.kind] != d.sha256 else "oförändrad",
    } for d in downloads])
    return dg.MaterializeResult(metadata={
        "month": month, "age_band": band, "denominator": basis,
        "new_or_replaced": int((files["läge"] != "oförändrad").sum()),
        "files": preview(files),
    })


CHECK_SPECS = [dg.AssetCheckSpec(name=name, asset=["stg", "af_observations"], blocking=True, description=text)
               for name, text in wh_af.CHECKS.items()]


@dg.asset(key=["stg", "af_observations"], deps=[af_files], check_specs=CHECK_SPECS, kinds={"duckdb"}, **COMMON)
def af_observations(context: dg.AssetExecutionContext, config: FetchConfig, duckdb: DuckDBResource):
    """Arbetslöshet per kommun och månad enligt Arbetsförmedlingen, som observationer.

    Ur BAS-filen: inskrivna arbetslösa (öppet arbetslösa och i program), arbetskraften (SCB:s
    BAS, 12 månaders medelvärde) och andelen i procent, summerade per kommun innan andelen
    räknas; åldersintervall (16-65/16-64) och nämnare (BAS/RAMS) följer med varje värde. Ur
    tid-filen: antal utan arbete mer än 6, 12 och 24 månader; "<5" sparas som maskerat, aldrig
    som 0 eller 5. AF:s siffror är verksamhetsstatistik, inte SCB:s officiella arbetslöshet.

    Fyra kontroller jämför filerna med varandra per kommun (samma antal inskrivna arbetslösa i
    alla filer). Stämmer de inte läses månaden inte in: tidigare värden gäller, och körningen
    misslyckas med kontrollernas resultat. En kommun som saknas helt i en ny fil behåller sina
    värden; filer som skulle ta bort mer än en liten andel av månadens värden läses inte in
    (kör med `bekrafta_borttagning: true` om borttagningen är riktig).
    """
    month = context.partition_key
    failure = None
    with warehouse(duckdb) as conn:
        try:
            out = wh_af.load_month(conn, month, log=context.log.info, guard=config.guard())
            checks = out["checks"]
        except RetirementRefused as exc:
            raise dg.Failure(description=f"AF {month}: {exc}", allow_retries=False) from exc
        except wh_af.CrossChecksFailed as exc:
            failure, checks = exc, exc.checks
        if failure is None:
            periods = out["periods"]
            total = one(conn, "SELECT count(*) FROM stg.current_observations WHERE source = 'arbetsformedlingen' "
                              "AND list_contains(?, period)", [periods])[0]
            rows = conn.execute(
                "SELECT series, breakdown, region, period, value, status FROM stg.current_observations "
                "WHERE source = 'arbetsformedlingen' AND breakdown IN ('TOT', 'T') AND list_contains(?, period) "
                "ORDER BY region, series LIMIT 15", [periods]).df()
    if failure is None:
        yield dg.MaterializeResult(metadata={**merge_metadata(out["result"], total, rows), "periods": ", ".join(periods)})
    for name in wh_af.CHECKS:
        c = checks[checks.kontroll == name]
        bad = c[c.utfall.isin(wh_af.FAILING)]
        yield dg.AssetCheckResult(
            check_name=name, asset_key=["stg", "af_observations"], passed=not c.empty and bad.empty,
            metadata={"kommuner_ok": int((c.utfall == "ok").sum()), "maskerade": int((c.utfall == "maskerad").sum()),
                      "avvikelser": len(bad),
                      "exempel": preview(bad.head(10), "inga" if not c.empty else "filen saknas för månaden")},
        )
    if failure is not None:
        raise dg.Failure(description=str(failure))
