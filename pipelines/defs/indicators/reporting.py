"""Marking a meeting of KF or a nämnd as reported, and writing its report, from the UI (Launchpad)
as well as the CLI. `organ` is empty for KF, or part of a nämnd's name for its own meeting."""

from datetime import date

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.policies import DUCKDB_POOL
from pipelines.defs.resources import warehouse
from warehouse.core.db import database_path
from warehouse.indicators.lookup import resolve_body
from warehouse.meetings.log import body_label, mark_reported
from warehouse.goals.bokslut import bokslut
from warehouse.presentation.reports.bokslut import write_bokslut_reports
from warehouse.presentation.reports.write import write_meeting_reports


class MarkReportedConfig(dg.Config):
    meeting_date: str  # YYYY-MM-DD, a meeting in kf_calendar.yaml (or the nämnd's sammantraden)
    reported_by: str | None = None
    organ: str | None = None  # empty: KF; else part of the nämnd's name


@dg.op(pool=DUCKDB_POOL)
def mark_meeting_reported(context: dg.OpExecutionContext, config: MarkReportedConfig, duckdb: DuckDBResource) -> int:
    """Spara vad som redovisades vid mötet (värde, period, årgång, källa, status) i rep.report_log:
    KF:s möte, eller nämndens eget när organ anges."""
    with warehouse(duckdb) as conn:
        body = resolve_body(conn, config.organ)
        n = mark_reported(conn, date.fromisoformat(config.meeting_date), body=body,
                          reported_by=config.reported_by or "dagster")
    label = body_label(body)
    if n == 0:
        context.log.warning(
            f"Inget registrerat för {label} {config.meeting_date}: inga indikatorer var aktuella "
            "(redan markerat, eller inga nya värden före handlingsstoppet)"
        )
    else:
        context.log.info(f"{n} indikator(er) markerade som redovisade vid {label} {config.meeting_date}")
    return n


@dg.job(description="Markera ett KF-möte, eller en nämnds möte, som redovisat (konfig: meeting_date, ev. organ).")
def mark_kf_reported_job():
    mark_meeting_reported()


class MeetingReportConfig(dg.Config):
    meeting_date: str  # YYYY-MM-DD, a meeting in kf_calendar.yaml
    namnd: str | None = None  # one nämnd's report; all nämnder when empty
    organ: str | None = None  # empty: KF's meeting; else the nämnd's own meeting, with its uppdrag


@dg.op(pool=DUCKDB_POOL)
def write_meeting_report(context: dg.OpExecutionContext, config: MeetingReportConfig,
                         duckdb: DuckDBResource) -> list[str]:
    """Skriv KF-mötets rapport (HTML och XLSX: styrdokumentets tabell och ett diagram per
    indikator) i katalogen rapporter/ bredvid lagret, ur arbetsdatabasen (`indikator report`
    läser den publicerade ögonblicksbilden; efter en publicering är de samma). Nämnd får
    anges med en del av namnet."""
    out = database_path().parent / "rapporter"
    with warehouse(duckdb) as conn:
        paths = write_meeting_reports(conn, date.fromisoformat(config.meeting_date), out, namnd=config.namnd,
                                      body=resolve_body(conn, config.organ))
    for path in paths:
        context.log.info(f"Skrev {path}")
    context.add_output_metadata({"filer": [str(p) for p in paths]})
    return [str(p) for p in paths]


@dg.job(description="Skriv mötets rapport som HTML och XLSX (konfig: meeting_date, ev. namnd; organ för en "
                    "nämnds eget möte med dess uppdrag).")
def kf_report_job():
    write_meeting_report()


class BokslutConfig(dg.Config):
    ar: int  # the year the bokslut is for, e.g. 2025
    as_of: str | None = None  # YYYY-MM-DD: figures known at the end of that day (default: today)


@dg.op(pool=DUCKDB_POOL)
def write_bokslut_report(context: dg.OpExecutionContext, config: BokslutConfig, duckdb: DuckDBResource) -> list[str]:
    """Skriv bokslutets rapport om KF:s mål för ett år (HTML och XLSX): målområde → strategiskt
    mål → målpreciseringar med värde, önskat värde, status, trend och jämförelse, bedömningen
    uppfyllt / delvis / ej / kan inte bedömas per nivå, enkätdeltagande och serieavbrott, i
    katalogen rapporter/ bredvid lagret."""
    out = database_path().parent / "rapporter"
    as_of = date.fromisoformat(config.as_of) if config.as_of else None
    with warehouse(duckdb) as conn:
        result = bokslut(conn, config.ar, as_of)
        paths = write_bokslut_reports(conn, config.ar, out, as_of=as_of, result=result)
    summary = result.summary_line()
    context.log.info(summary)
    for path in paths:
        context.log.info(f"Skrev {path}")
    context.add_output_metadata({"sammanfattning": summary, "filer": [str(p) for p in paths]})
    return [str(p) for p in paths]


@dg.job(description="Skriv bokslutets rapport om KF:s mål för ett år som HTML och XLSX (konfig: ar, ev. as_of).")
def bokslut_job():
    write_bokslut_report()
