"""The controllers' snapshot, published only after the run's blocking checks pass."""

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from pipelines.defs.indicators.assets import indicator_status, kf_due_list
from pipelines.defs.metadata import preview
from pipelines.defs.policies import DUCKDB_POOL, OWNERS
from pipelines.defs.resources import warehouse
from sources import clock
from warehouse.publish import published_path, publish


@dg.asset(key=["pub", "snapshot"], deps=[indicator_status, kf_due_list], group_name="indicators",
          kinds={"duckdb"}, owners=OWNERS, pool=DUCKDB_POOL)
def snapshot(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Publicerad ögonblicksbild för controllers: en skrivskyddad kopia av lagret.

    Skrivs först till en tillfällig fil och byts sedan mot den gamla i ett steg, så den som
    läser ser antingen förra eller nya versionen. Körs bara när körningens blockerande
    kontroller (bl.a. GX-kontrollerna på indikatortabellen) är gröna; annars ligger förra
    ögonblicksbilden kvar orörd. Öppna den skrivskyddat: `duckdb -readonly <fil>` eller
    `indikator status`.
    """
    target = published_path()
    with warehouse(duckdb) as conn:
        out = publish(conn, target, published_at=clock.now(), run_id=context.run.run_id)
    context.log.info(f"Publicerad: {target} ({out['tables']} tabeller, {out['bytes'] / 1e6:.1f} MB)")
    views = pd.DataFrame({"vy": list(out["views"]), "rader": list(out["views"].values())})
    return dg.MaterializeResult(metadata={"path": out["path"], "tables": out["tables"], "bytes": out["bytes"],
                                          "row_count": out["views"]["ind.namnd_indikatorer"],
                                          "preview": preview(views)})
