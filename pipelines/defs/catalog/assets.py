"""The indicator catalog and KF calendar as tables, so SQL can join them."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.deployment import key
from pipelines.defs.policies import DUCKDB_POOL, OWNERS
from pipelines.defs.resources import CatalogResource, warehouse
from warehouse.indicators.catalog_tables import load_catalog_tables


@dg.asset(key=key("cfg", "indicator_catalog"), group_name="catalog", kinds={"duckdb", "yaml"}, owners=OWNERS, pool=DUCKDB_POOL)
def indicator_catalog(duckdb: DuckDBResource, catalog: CatalogResource) -> dg.MaterializeResult:
    """Nämndernas uppdragsplaner (indicator_catalog/namnder/*.yaml: indikatorer, uppdrag och
    sammanträdesplan), KF-kalendern, KF:s mål och inställningar.

    Validerar filerna och ersätter cfg.indicators, cfg.uppdrag (med indikatorer och tidplan),
    cfg.namnd_meetings, cfg.kf_meetings och cfg.settings. Ett fel i en fil stoppar körningen med
    filnamn, indikator- eller uppdrags-id och fält; tabellerna lämnas orörda.
    """
    cat = catalog.load()
    with warehouse(duckdb) as conn:
        counts = load_catalog_tables(conn, cat)
        preview = conn.execute(
            "SELECT namnd, indicator_id, malomrade, source, series, onskat_varde, indikator_kf "
            "FROM cfg.indicators ORDER BY namnd, indicator_id"
        ).df()
    return dg.MaterializeResult(
        metadata={
            "row_count": counts["indicators"],
            "preview": dg.MetadataValue.md(preview.to_markdown(index=False)),
            "indicators": counts["indicators"],
            "kf_meetings": counts["meetings"],
            "uppdrag": len(cat.uppdrag),
            "namnd_meetings": sum(len(p.calendar.meetings) for p in cat.plans if p.calendar),
            "kommun": f"{cat.settings.kommun} {cat.settings.kommun_namn}",
            "jamforelsegrupp": cat.settings.jamforelsegrupp or "ingen",
            "calendar_constructed": cat.calendar.constructed,
        }
    )
