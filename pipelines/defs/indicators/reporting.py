"""Marking a KF meeting as reported, from the UI (Launchpad) as well as the CLI."""

from datetime import date

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.policies import DUCKDB_POOL
from pipelines.defs.resources import warehouse
from warehouse.reporting import mark_reported


class MarkReportedConfig(dg.Config):
    meeting_date: str  # YYYY-MM-DD, a meeting in kf_calendar.yaml
    reported_by: str | None = None


@dg.op(pool=DUCKDB_POOL)
def mark_meeting_reported(context: dg.OpExecutionContext, config: MarkReportedConfig, duckdb: DuckDBResource) -> int:
    """Spara vad som redovisades vid KF-mötet (värde, period, årgång, källa) i rep.report_log."""
    with warehouse(duckdb) as conn:
        n = mark_reported(conn, date.fromisoformat(config.meeting_date), reported_by=config.reported_by or "dagster")
    if n == 0:
        context.log.warning(
            f"Inget registrerat för KF {config.meeting_date}: inga indikatorer var aktuella "
            "(redan markerat, eller inga nya värden före handlingsstoppet)"
        )
    else:
        context.log.info(f"{n} indikator(er) markerade som redovisade vid KF {config.meeting_date}")
    return n


@dg.job(description="Markera ett KF-möte som redovisat (konfig: meeting_date).")
def mark_kf_reported_job():
    mark_meeting_reported()
