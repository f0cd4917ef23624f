"""The public location of a deployment with several kommuner (pipelines/roles.py, role
`offentlig`): the public snapshot every kommun imports from. Defined in that role only, so a
single location loads exactly the definitions it always had."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.indicators.automation import PUBLISH_WHEN_CHECKED
from pipelines.defs.policies import DUCKDB_POOL, OWNERS, cron, schedule_default_status
from pipelines.defs.indicators.publish import publish_checked
from pipelines.roles import role

SOURCES = [dg.AssetKey(["stg", "kolada_observations"]), dg.AssetKey(["stg", "scb_observations"]),
           dg.AssetKey(["stg", "af_observations"]), dg.AssetKey(["raw", "kolada_kpi"])]


def _build():
    @dg.asset(key=["pub", "offentlig"], deps=SOURCES, group_name="offentlig", kinds={"duckdb"}, owners=OWNERS,
              pool=DUCKDB_POOL, automation_condition=PUBLISH_WHEN_CHECKED)
    def offentlig_snapshot(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
        """Den offentliga ögonblicksbilden: Kolada, SCB och Arbetsförmedlingen för alla driftmiljöns
        kommuner, som varje kommuns kodplats importerar ur.

        Publiceras som en kommuns ögonblicksbild: kvalitetsreglerna körs först och fallerar någon
        publiceras inget; filen byts i ett steg, så en kommun som importerar läser antingen förra
        eller nya versionen. Innehåller ingen kommuns interna uppgifter (ekonomi, HR, prognoser,
        kommentarer): de finns bara i kommunernas egna filer.
        """
        target, out = publish_checked(context, duckdb)
        context.log.info(f"Offentlig ögonblicksbild {'oförändrad' if out['unchanged'] else out['mode']}: {target}")
        return dg.MaterializeResult(metadata={"path": out["path"], "tables": out["tables"], "bytes": out["bytes"],
                                              "publicering": out["mode"], "publicerad": str(out["published_at"])})

    offentlig_job = dg.define_asset_job(
        "offentlig_job", selection=dg.AssetSelection.assets(SOURCES[-1], offentlig_snapshot),
        description="Läs KPI-metadata och publicera den offentliga ögonblicksbilden som kommunerna importerar.")

    offentlig_automation = dg.AutomationConditionSensorDefinition(
        "offentlig_automation", target=dg.AssetSelection.assets(offentlig_snapshot),
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Publicerar den offentliga ögonblicksbilden när en källa har uppdaterats och kontrollerats.")

    # After the nightly Kolada (02:30) and SCB (03:00) runs and before the kommuner's
    # indicators_nightly_schedule (04:30), which imports what this publishes.
    offentlig_nightly_schedule = dg.ScheduleDefinition(
        name="offentlig_nightly_schedule", job=offentlig_job, cron_schedule=cron("OFFENTLIG", "0 4 * * *"),
        execution_timezone="Europe/Stockholm", default_status=schedule_default_status(),
        description="Publicerar den offentliga ögonblicksbilden varje natt, före kommunernas import.")

    return offentlig_snapshot, offentlig_job, offentlig_automation, offentlig_nightly_schedule


if role() == "offentlig":
    offentlig_snapshot, offentlig_job, offentlig_automation, offentlig_nightly_schedule = _build()
