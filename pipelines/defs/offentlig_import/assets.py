"""A kommun of a deployment with several kommuner: the public statistics imported from the
deployment's public snapshot instead of fetched (warehouse/public/importer.py). Defined in the
kommun role only (pipelines/deployment.py); there it stands where the Kolada, SCB and AF
assets stand in a single-kommun location, under the same keys, so everything downstream is
the same."""

import os
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.deployment import imported_keys
from pipelines.roles import PUBLIC_SNAPSHOT_ENV, role
from pipelines.defs.policies import DUCKDB_POOL, OWNERS
from pipelines.defs.resources import CatalogResource, warehouse
from sources import clock
from warehouse.public.importer import PublicImportError, import_public
from warehouse.publishing.snapshot import published_state

IMPORTED = imported_keys()
TABLES = {"raw/kolada_kpi": ["raw.kolada_kpi"], "stg/kolada_observations": ["stg.kolada_observations"],
          "stg/scb_observations": ["stg.scb_observations", "stg.scb_notes"],
          "stg/af_observations": ["stg.af_observations", "stg.af_file_totals"]}


def public_snapshot() -> Path:
    return Path(os.environ[PUBLIC_SNAPSHOT_ENV])


def _build():
    @dg.multi_asset(
        name="offentlig_import",
        specs=[dg.AssetSpec(k, group_name="offentlig_import", kinds={"duckdb"}, owners=OWNERS)
               for k in IMPORTED],
        pool=DUCKDB_POOL,
    )
    def offentlig_import(context: dg.AssetExecutionContext, duckdb: DuckDBResource, catalog: CatalogResource):
        """Offentlig statistik för kommunen, hämtad ur driftmiljöns offentliga ögonblicksbild.

        Kolada, SCB och Arbetsförmedlingen hämtas en gång för alla kommuner i driftmiljön (den
        offentliga kodplatsen). Här kopieras det kommunens katalog läser: Kolada-värdena för
        katalogens KPI:er och kommunens enheter och jämförelsegrupp, SCB-serierna, AF:s månadsvärden,
        KPI-metadata och vilka hämtningar och svar värdena kommer från. Årgångar och när ett värde
        först sågs följer med oförändrade. Varje import ersätter den förra helt i en transaktion;
        har varken ögonblicksbilden eller katalogen ändrats skrivs inget (metadata `nytt`: false).
        """
        snapshot = public_snapshot()
        with warehouse(duckdb) as conn:
            try:
                result = import_public(conn, snapshot, catalog.load(), now=clock.now())
            except PublicImportError as exc:
                raise dg.Failure(description=str(exc), allow_retries=False) from exc
        published = f"{result.published_at:%Y-%m-%d %H:%M}" if result.published_at else "okänt"
        if result.unchanged:
            # Still a materialization, as raw/kolada_kpi is in a single location: status, the due
            # list (which moves with the date alone) and the snapshot follow in the same run.
            context.log.info(f"Inget nytt i {snapshot} (publicerad {published}) sedan förra importen")
        for series in result.scb_series_without_rows:
            context.log.warning(f"SCB-serien {series} har inga värden i den offentliga ögonblicksbilden "
                                "(har den offentliga platsens scb_job körts efter att katalogen ändrades?)")
        for k in IMPORTED:
            tables = TABLES["/".join(k.path[-2:])]
            yield dg.MaterializeResult(asset_key=k, metadata={
                "offentlig_ogonblicksbild": str(snapshot), "publicerad": published, "nytt": not result.unchanged,
                "row_count": int(result.rows[tables[0]]),
                **{f"rader: {t}": int(result.rows[t]) for t in tables}})

    return offentlig_import


def _public_snapshot_sensor():
    from pipelines.defs.indicators.jobs import indicators_job

    @dg.sensor(job=indicators_job, name="offentlig_ogonblicksbild_sensor", minimum_interval_seconds=300,
               default_status=dg.DefaultSensorStatus.RUNNING)
    def sensor(context: dg.SensorEvaluationContext):
        """Startar indicators_job (import, status, KF-lista, publicering) när driftmiljöns offentliga
        ögonblicksbild har publicerats på nytt, så kommunens siffror följer den offentliga hämtningen."""
        state = published_state(public_snapshot())
        if state is None:
            return dg.SkipReason(f"ingen offentlig ögonblicksbild i {public_snapshot()} ännu")
        if context.cursor == state.digest:
            return dg.SkipReason("inget nytt publicerat")
        context.update_cursor(state.digest)
        return dg.RunRequest(run_key=f"offentlig:{state.digest[:16]}")

    return sensor


if role() == "kommun":
    # Only here: in the other roles these keys belong to the Kolada, SCB and AF assets.
    offentlig_import = _build()
    offentlig_ogonblicksbild_sensor = _public_snapshot_sensor()
