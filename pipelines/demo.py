"""Run the whole pipeline once and print the result: `make demo` (or python -m pipelines.demo).

Runs the real Dagster jobs in this process (the same jobs the schedules and sensors launch):
the Kolada and SCB jobs for each year, the AF job for the newest month on AF's statistics
page, the file inbox, then the indicators job, against the DuckDB file in MALSTYRNING_DUCKDB.
HTTP goes through MALSTYRNING_HTTP_MODE: replay (default, recordings in the repo, no
network) or live. With DAGSTER_HOME set, the runs are kept and show up in `make dev`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
import warnings
from datetime import date
from pathlib import Path

import dagster as dg

from pipelines.definitions import defs as load_defs
from pipelines.defs.files.inbox import inbox_dir, inbox_requests
from sources.http import http_mode, recordings_dir
from sources.replay import recording_notes
from warehouse import db
from warehouse.present import (fmt_number, render_af_month, render_due, render_mandatory_notes, render_manadsvarden,
                               render_sources, render_status, status_frame)
from warehouse.db import one
from warehouse.publish import connect_published, published_path

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
SAMPLES = Path(__file__).resolve().parents[1] / "sources" / "samples"


def _years(text: str) -> list[str]:
    first, _, last = text.partition("-")
    return [str(y) for y in range(int(first), int(last or first) + 1)]


def main(argv: list[str] | None = None) -> int:
    warnings.filterwarnings("ignore", category=dg.BetaWarning)  # Dagster's own, not actionable here
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--years", default="2010-2022", help="år att hämta, t.ex. 2015-2022")
    ap.add_argument("--as-of", type=date.fromisoformat, help="datum för KF-listan (standard: i dag)")
    ap.add_argument("--no-files", action="store_true", help="lägg inte exempelfilerna (SIE, HR, prognos) i inkorgen")
    args = ap.parse_args(argv)

    os.environ.setdefault(db.DUCKDB_ENV, db.DEFAULT_DB)
    mode = http_mode()
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    defs = load_defs()
    kolada_job = defs.resolve_job_def("kolada_job")
    scb_job = defs.resolve_job_def("scb_job")
    indicators_job = defs.resolve_job_def("indicators_job")

    print(f"Databas: {db.database_path()}   HTTP-läge: {mode}")
    years = _years(args.years)
    start = time.monotonic()
    for i, year in enumerate(years, 1):
        for name, job in (("Kolada", kolada_job), ("SCB", scb_job)):
            result = job.execute_in_process(partition_key=year, instance=instance, run_config=QUIET, raise_on_error=False)
            if not result.success:
                return _failed(result, f"{job.name} {year}")
        print(f"  [{i}/{len(years)}] Kolada och SCB {year} hämtat och laddat", flush=True)
    af_month = _load_af(defs, instance)
    if af_month is None:
        return 1
    if not args.no_files:
        code = _load_sample_files(defs, instance)
        if code:
            return code
    config = {**QUIET, "ops": {"ind__kf_due_list": {"config": {"as_of": args.as_of.isoformat() if args.as_of else None}}}}
    result = indicators_job.execute_in_process(instance=instance, run_config=config, raise_on_error=False)
    if not result.success:
        return _failed(result, "indicators_job")
    print(f"  Katalog, KPI-metadata, status och KF-lista klara ({time.monotonic() - start:.1f} s)\n")

    # Read what controllers read: the snapshot the run published after its checks passed.
    conn = connect_published()
    print(f"Publicerad ögonblicksbild för controllers: {published_path()} (öppnas skrivskyddat)\n")
    settings = one(conn, "SELECT kommun, kommun_namn, jamforelsegrupp FROM cfg.settings")
    frame = status_frame(conn)
    print(f"Indikatorer för {settings[1]} ({settings[0]}), {len(frame)} st\n")
    print(render_status(frame))
    print("\nIndikator/källa:\n" + render_sources(frame))
    checks = conn.execute("SELECT name, ar, manader, eget_varde, kolada_kpi, kolada_varde FROM ind.kolada_kontroll").fetchall()
    if checks:
        print("\nKontroll mot Kolada (årssiffra ur kommunens egna filer eller AF:s månadsfiler bredvid Koladas, samma år):")
        for name, year, months, own, kpi, kol in checks:
            if year is None:
                print(f"  {name}: inga egna data ännu ({kpi})")
                continue
            own_text = f"{fmt_number(own, 1)} ({year}, {months} mån)" if own is not None else "–"
            kol_text = fmt_number(kol, 1) if kol is not None else "inget värde"
            print(f"  {name}: beräknad {own_text}, Kolada {kpi} {kol_text}")
    print(f"\nArbetsförmedlingen, senaste månaden för {settings[1]}:\n" + render_af_month(conn, settings[0]))
    print("\nFärskare månadsvärden bredvid årsindikatorerna (jämförs inte med önskat värde):\n"
          + render_manadsvarden(conn))
    notes = render_mandatory_notes(conn)
    if notes:
        print("\n" + notes)
    as_of = args.as_of or one(conn, "SELECT current_date")[0]
    # All due indicators, with the meeting each is due at: on the paper-deadline day the
    # next meeting's list is closed and new values wait for the one after.
    print("\n" + render_due(conn, as_of, show_all=True))
    print("\nStatus: uppnått / nära (inom toleransen) / ej uppnått / ingen data. Önskat värde: exempelvärden.")
    if mode == "replay":
        print("\nOBS: replay-läge, inspelade svar – inte aktuella siffror:")
        for note in recording_notes(recordings_dir()):
            print(f"  - {note}")
    calendar_note = one(conn, "SELECT count(*) FROM cfg.kf_meetings")[0]
    print(f"  - KF-kalendern ({calendar_note} möten) är en exempelkalender, inte fastställd.")
    if not args.no_files:
        print("  - Inkorgens exempelfiler (sources/samples/README.md): SIE-filen är SIE-gruppens officiella "
              "testfil (ett övningsbolag 2011, inte en kommun); HR- och prognosfilerna är konstruerade.")
    return 0


def _load_af(defs, instance) -> str | None:
    """Run af_job for the newest month that every AF file shows on the statistics page, as
    the sensor would; None on failure."""
    from pipelines.defs.resources import AfResource
    from sources.af_web import fetch_page, find_files, newest_common_month

    af = AfResource()
    month = newest_common_month(find_files(fetch_page(af.session(), af.page_url), af.page_url))
    if month is None:
        print("  Arbetsförmedlingen: alla filer visar inte samma månad ännu; hoppar över", flush=True)
        return ""
    result = defs.resolve_job_def("af_job").execute_in_process(
        partition_key=month, instance=instance, run_config=QUIET, raise_on_error=False)
    if not result.success:
        _failed(result, f"af_job {month}")
        return None
    print(f"  Arbetsförmedlingen {month}: fem månadsfiler hämtade och lästa", flush=True)
    return month


def _load_sample_files(defs, instance) -> int:
    """Drop the sample SIE, HR and forecast files (and one broken file) in the inbox and run
    inbox_job for each, as the sensor would: a file already loaded is archived as a duplicate."""
    inbox = inbox_dir()
    inbox.mkdir(parents=True, exist_ok=True)
    for sample in sorted(SAMPLES.iterdir()):
        if sample.suffix in (".se", ".csv"):
            shutil.copy(sample, inbox / sample.name)
    job = defs.resolve_job_def("inbox_job")
    print(f"  Inkorgen {inbox}:")
    for request in inbox_requests(inbox, settle_seconds=0):
        # The demo prints each outcome itself; the run's own error line would repeat it.
        silent = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
        result = job.execute_in_process(run_config={**silent, **request.run_config}, instance=instance, raise_on_error=False)
        if not result.success:
            return _failed(result, "inbox_job")
        name = request.tags["malstyrning/fil"]
        status = result.output_for_node("load_inbox_file")
        text = {"loaded": "inläst, flyttad till arkiv", "duplicate": "redan inläst, flyttad till arkiv",
                "rejected": "AVVISAD, flyttad till karantän"}.get(status, status)
        print(f"    {name}: {text}")
        if status == "rejected":
            note = sorted((inbox.parent / "karantan").glob(f"*_{name}.fel.txt"))[-1]
            print("      " + note.read_text(encoding="utf-8").strip().splitlines()[-1])
    return 0


def _failed(result: dg.ExecuteInProcessResult, what: str) -> int:
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.STEP_FAILURE:
            err = event.step_failure_data.error
            cause = err.cause if err and err.cause else err
            print(f"FEL i {what}, steg {event.step_key}: {cause.message.strip() if cause else 'okänt fel'}", file=sys.stderr)
    print(f"{what} misslyckades; databasen behåller senaste lyckade läge.", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
