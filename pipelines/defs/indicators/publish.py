"""The controllers' snapshot, published only when every quality rule passes on the data."""

from pathlib import Path

import dagster as dg

from pipelines.defs.indicators.automation import PUBLISH_WHEN_CHECKED
import pandas as pd
from dagster_duckdb import DuckDBResource

from pipelines.defs.catalog.assets import indicator_catalog
from pipelines.defs.indicators.assets import indicator_status, kf_due_list
from pipelines.defs.metadata import preview
from pipelines.deployment import key
from pipelines.defs.policies import DUCKDB_POOL, OWNERS
from pipelines.defs.resources import warehouse
from sources import clock
from warehouse.publishing.snapshot import PublishRefused, published_path, publish


def publish_checked(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> tuple[Path, dict]:
    """Publish the working file to its snapshot (warehouse/publishing/snapshot.py); a quality
    rule that fails refuses it and fails the step, leaving the last snapshot as it was."""
    target = published_path()
    with warehouse(duckdb) as conn:
        try:
            return target, publish(conn, target, published_at=clock.now(), run_id=context.run.run_id)
        except PublishRefused as e:
            raise dg.Failure(description=str(e), allow_retries=False) from e


# Every other step of indicators_job is upstream of the publication, so a failed step (an
# unknown KPI in the catalog, a broken catalog) skips it: Dagster runs a step only when all
# its upstream steps in the run succeeded. A job that adds steps must make them upstream too.
@dg.asset(key=key("pub", "snapshot"), deps=[indicator_catalog, key("raw", "kolada_kpi"), indicator_status, kf_due_list],
          group_name="indicators", kinds={"duckdb"}, owners=OWNERS, pool=DUCKDB_POOL,
          automation_condition=PUBLISH_WHEN_CHECKED)
def snapshot(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Publicerad ögonblicksbild för controllers: en skrivskyddad kopia av lagret.

    Skrivs först till en tillfällig fil och byts sedan mot den gamla i ett steg, så den som
    läser ser antingen förra eller nya versionen. Före varje publicering körs alla
    kvalitetsregler (observationstabellerna och indikatortabellen) på nytt; fallerar någon
    publiceras inget och förra ögonblicksbilden ligger kvar orörd, även när steget körs
    ensamt. Publiceras bara om alla andra steg i samma körning lyckades. Öppna den
    skrivskyddat: `duckdb -readonly <fil>` eller `indikator status`.

    Ögonblicksbilden innehåller alla tabeller, vyer och makron utom källornas råa svarstexter
    (de finns kvar i arbetsfilen; URL, tid och kontrollsumma publiceras). Har inget ändrats
    sedan förra publiceringen (samma rader, vyer och regler) behålls den publicerade filen; har
    bara några tabeller ändrats skrivs just de om i en kopia av den (metadata `publicering`).
    """
    target, out = publish_checked(context, duckdb)
    if out["unchanged"]:
        context.log.info(f"Inget nytt sedan publiceringen {out['published_at']:%Y-%m-%d %H:%M}: {target} gäller")
    else:
        context.log.info(f"Publicerad ({out['mode']}): {target} ({out['tables']} tabeller, {out['bytes'] / 1e6:.1f} MB)"
                         + (f"; ändrade: {', '.join(out['changed_tables'])}" if out["changed_tables"] else ""))
    views = pd.DataFrame({"vy": list(out["views"]), "rader": list(out["views"].values())})
    return dg.MaterializeResult(metadata={"path": out["path"], "tables": out["tables"], "bytes": out["bytes"],
                                          "publicering": out["mode"],
                                          "andrade_tabeller": ", ".join(out["changed_tables"]) or "–",
                                          "publicerad": str(out["published_at"]),
                                          **({"kontroller_grona": out["rules_passed"]} if not out["unchanged"] else {}),
                                          "row_count": out["views"]["ind.indicator_status"],
                                          "preview": preview(views)})
