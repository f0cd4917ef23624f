"""Indicator status against önskat värde and the KF due list."""

from datetime import date

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.catalog.assets import indicator_catalog
from pipelines.defs.indicators.automation import FOLLOW_UPDATES
from pipelines.defs.files.inbox import file_observations
from pipelines.defs.metadata import preview
from pipelines.deployment import key
from pipelines.defs.policies import DUCKDB_POOL, OWNERS
from pipelines.defs.resources import warehouse
from sources import clock
from warehouse.meetings.log import due_list, next_meeting

COMMON = dict(group_name="indicators", kinds={"duckdb"}, owners=OWNERS, pool=DUCKDB_POOL)


# The public sources by key: fetched here (Kolada, SCB, AF assets), or in a kommun of a deployment
# imported from the public snapshot under the same keys (pipelines/defs/offentlig_import).
PUBLIC_OBSERVATIONS = [key("stg", "kolada_observations"), key("stg", "scb_observations"), key("stg", "af_observations")]


@dg.asset(key=key("ind", "indicator_status"), deps=[*PUBLIC_OBSERVATIONS, file_observations, indicator_catalog],
          automation_condition=FOLLOW_UPDATES, **COMMON)
def indicator_status(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Indikatorstatus: aktuellt värde, datum och status mot önskat värde per indikator.

    Vyn ind.indicator_status (och nämndtabellen ind.namnd_indikatorer med styrdokumentets
    kolumner) räknar status uppnått / nära / ej uppnått / ingen data utifrån riktning och
    tolerans, samt förändring sedan föregående period.
    """
    with warehouse(duckdb) as conn:
        # One read of the status view (ind.namnd_indikatorer adds the peer comparison, which
        # ranks every kommun in national mode: several times the cost, for a preview).
        preview = conn.execute(
            'SELECT namnd AS "Nämnd", indicator_id AS "Indikator-id", aktuellt_varde AS "Aktuellt värde", '
            'onskat_varde AS "Önskat värde", period AS "Period", status AS "Status" '
            "FROM ind.indicator_status ORDER BY namnd, indicator_id"
        ).df()
        counts = sorted(preview["Status"].value_counts(dropna=False).items(), key=lambda kv: str(kv[0]))
    return dg.MaterializeResult(
        metadata={
            "row_count": int(sum(n for _, n in counts)),
            **{f"status: {s}": int(n) for s, n in counts},
            "preview": dg.MetadataValue.md(preview.to_markdown(index=False)),
        }
    )


class DueListConfig(dg.Config):
    as_of: str | None = None  # YYYY-MM-DD; default today (Europe/Stockholm)


@dg.asset(key=key("ind", "kf_due_list"), deps=[indicator_status], automation_condition=FOLLOW_UPDATES, **COMMON)
def kf_due_list(context: dg.AssetExecutionContext, config: DueListConfig, duckdb: DuckDBResource) -> dg.MaterializeResult:
    """KF-listan: vilka KF-indikatorer som ska redovisas vid nästa kommunfullmäktige.

    En indikator ska redovisas vid första KF vars sista dag för handlingar infaller efter
    dagen då det nya värdet först sågs, tills mötet markerats som redovisat
    (`indikator mark-reported`). Välfärdsindikatorer väntar på sin nämnds tur i den rullande
    planeringen (kf_calendar.yaml). Vyn ind.kf_due_list gäller dagens datum;
    ind.kf_due_asof(DATE '…') ger listan för valfritt datum.
    """
    as_of = date.fromisoformat(config.as_of) if config.as_of else None
    with warehouse(duckdb) as conn:
        as_of = as_of or clock.today()
        due = due_list(conn, as_of)
        meeting = next_meeting(conn, as_of)
    at_next = due[due["at_next_meeting"].fillna(False).astype(bool)]
    if meeting is None:
        context.log.warning(f"Inget KF-sammanträde efter {as_of} i kalendern: uppdatera kf_calendar.yaml")
    cols = ["indicator_id", "period", "aktuellt_varde", "reason", "due_meeting"]
    return dg.MaterializeResult(
        metadata={
            "as_of": str(as_of),
            "next_meeting": str(meeting[0]) if meeting else "saknas i kalendern",
            "paper_deadline": str(meeting[1]) if meeting else "",
            "due_at_next_meeting": len(at_next),
            "due_total": len(due),
            "row_count": len(due),
            "preview": preview(at_next[cols], "inga"),
        }
    )
