"""The public web site, rebuilt from each new snapshot (warehouse/presentation/site)."""

import dagster as dg

from pipelines.defs.indicators.publish import snapshot
from pipelines.deployment import key
from pipelines.defs.policies import DUCKDB_POOL, OWNERS
from pipelines.defs.resources import CatalogResource
from sources.http import http_mode
from warehouse.presentation.site.build import build_site, site_path
from warehouse.publishing.snapshot import connect_published


# In the duckdb pool like every asset that opens a DuckDB file (it reads the snapshot).
@dg.asset(key=key("pub", "webb"), deps=[snapshot], group_name="indicators", kinds={"duckdb", "html"}, owners=OWNERS,
          pool=DUCKDB_POOL, automation_condition=dg.AutomationCondition.eager())
def webb(context: dg.AssetExecutionContext, catalog: CatalogResource) -> dg.MaterializeResult:
    """Den publika webbplatsen: målområden, KF:s mål, nämndernas indikatorer och uppdrag, en sida
    per indikator med diagram, tabell och källa, och en sida om statistiken; i nationellt läge
    (omfattning: riket) även varje kommuns värden och placering.

    Byggs ur den publicerade ögonblicksbilden (aldrig arbetsfilen) till webb/ bredvid lagret
    ($MALSTYRNING_WEBB), som statiska filer utan anrop till andra servrar. Skrivs i en tillfällig
    katalog och byts in hel: misslyckas bygget ligger förra webbplatsen kvar."""
    conn = connect_published()
    try:
        result = build_site(conn, site_path(), replay=http_mode() == "replay",
                            national=catalog.load().settings.omfattning == "riket")
    finally:
        conn.close()
    context.log.info(f"Webbplatsen: {result.path} ({result.pages} sidor, {result.bytes / 1e6:.2f} MB, "
                     f"{result.seconds:.1f} s)")
    return dg.MaterializeResult(metadata={"path": str(result.path), "sidor": result.pages, "filer": result.files,
                                          "bytes": result.bytes, "sekunder": round(result.seconds, 2)})


webb_job = dg.define_asset_job("webb_job", selection=dg.AssetSelection.assets(webb),
                               description="Bygg den publika webbplatsen ur den publicerade ögonblicksbilden.")

# Apart from indikator_automation: the site follows each new snapshot, the snapshot never waits for it.
webb_automation = dg.AutomationConditionSensorDefinition(
    "webb_automation", target=dg.AssetSelection.assets(webb), default_status=dg.DefaultSensorStatus.RUNNING,
    description="Bygger om webbplatsen när en ny ögonblicksbild har publicerats.")
