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
import sys
import shutil
from datetime import date, timedelta

from indicator_catalog.catalog import load_catalog
from pipelines.refresh import Refresh, years_range
from sources import clock
from sources.http import http_mode, recordings_dir
from sources.replay import recording_notes
from warehouse.core import db
from warehouse.presentation.format import fmt_number
from warehouse.presentation.text import (render_af_month, render_due, render_forecast, render_mandatory_notes,
                                         render_manadsvarden, render_sources, render_status, status_frame, say,
                                         width)
from warehouse.meetings.log import mark_reported
from warehouse.meetings.uppdrag import record_uppdrag_report
from warehouse.presentation.site.build import build_site, site_path
from warehouse.presentation.uppdrag_text import render_uppdrag
from warehouse.presentation.reports.write import write_meeting_reports
from warehouse.goals.bokslut import bokslut
from warehouse.presentation.goals_text import render_goals
from warehouse.presentation.reports.bokslut import write_bokslut_reports
from warehouse.core.db import one
from warehouse.publishing.snapshot import connect_published, published_path

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--years", default="2010-2022", help="år att hämta, t.ex. 2015-2022")
    ap.add_argument("--as-of", type=date.fromisoformat, help="datum för KF-listan (standard: i dag)")
    ap.add_argument("--no-files", action="store_true", help="lägg inte exempelfilerna (SIE, HR, prognos) i inkorgen")
    args = ap.parse_args(argv)

    os.environ.setdefault(db.DUCKDB_ENV, db.DEFAULT_DB)
    mode = http_mode()
    say(f"Databas: {db.database_path()}   HTTP-läge: {mode}")
    if mode == "replay":
        say("OBS: replay-läge – siffrorna kommer från inspelade svar (verkliga värden t.o.m. 2022, delvis\n"
              "konstruerade inspelningar), inte från källorna i dag; önskade värden och KF-kalendern är exempel.\n"
              "Varifrån varje inspelning kommer står sist.")
    refresh = Refresh(out=say)
    if not (refresh.years(years_range(args.years)) and refresh.af()
            and (args.no_files or refresh.inbox(drop_samples=True)) and refresh.indicators(args.as_of)):
        return 1
    say()

    # Read what controllers read: the snapshot the run published after its checks passed.
    conn = connect_published()
    say(f"Publicerad ögonblicksbild för controllers: {published_path()} (öppnas skrivskyddat)\n")
    settings = one(conn, "SELECT kommun, kommun_namn, jamforelsegrupp FROM cfg.settings")
    frame = status_frame(conn)
    say(f"Indikatorer för {settings[1]} ({settings[0]}), {len(frame)} st\n")
    say(render_status(frame))
    say("\nIndikator/källa:\n" + render_sources(frame))
    checks = conn.execute("SELECT name, ar, manader, eget_varde, kolada_kpi, kolada_varde FROM ind.kolada_kontroll").fetchall()
    if checks:
        say("\nKontroll mot Kolada (årssiffra ur kommunens egna filer eller AF:s månadsfiler bredvid Koladas, samma år):")
        for name, year, months, own, kpi, kol in checks:
            if year is None:
                say(f"  {name}: inga egna data ännu ({kpi})")
                continue
            own_text = f"{fmt_number(own, 1)} ({year}, {months} mån)" if own is not None else "–"
            kol_text = fmt_number(kol, 1) if kol is not None else "inget värde"
            say(f"  {name}: beräknad {own_text}, Kolada {kpi} {kol_text}")
    say(f"\nArbetsförmedlingen, senaste månaden för {settings[1]}:\n" + render_af_month(conn, settings[0]))
    say("\nFärskare månadsvärden bredvid årsindikatorerna (jämförs inte med önskat värde):\n"
          + render_manadsvarden(conn))
    notes = render_mandatory_notes(conn)
    if notes:
        say("\n" + notes)
    as_of = args.as_of or clock.today()
    # All due indicators, with the meeting each is due at: on the paper-deadline day the
    # next meeting's list is closed and new values wait for the one after.
    say("\n" + render_due(conn, as_of, show_all=True))
    say("\nStatus (bedömd på det visade, avrundade värdet): uppnått / nära (inom toleransen) / ej uppnått / "
          "kan inte bedömas (värdet täcker bara en del av sin period) / ingen data. Önskat värde: exempelvärden.")
    _kf_goals(conn, as_of)
    _kf_year(as_of)
    _namnd_meeting(as_of)
    # The public site from the snapshot (the same code as the pub/webb asset and `indikator webb`).
    site = build_site(conn, site_path(), as_of=as_of, replay=mode == "replay",
                      national=load_catalog().settings.omfattning == "riket")
    say(f"\nWebbplatsen: {site.path / 'index.html'} ({site.pages} sidor, {site.bytes / 1e6:.2f} MB, "
        f"{site.seconds:.1f} s); visa den med `make serve` (http://127.0.0.1:8000).")
    if mode == "replay":
        say("\nOBS: replay-läge, inspelade svar – inte aktuella siffror:")
        for note in recording_notes(recordings_dir()):
            say(f"  - {note}")
    calendar_note = one(conn, "SELECT count(*) FROM cfg.kf_meetings")[0]
    say(f"  - KF-kalendern ({calendar_note} möten) är en exempelkalender, inte fastställd.")
    if not args.no_files:
        say(("  - Inkorgens exempelfiler (sources/samples/README.md): SIE-filen är SIE-gruppens officiella "
              "testfil (ett övningsbolag 2011, inte en kommun); HR- och prognosfilerna är konstruerade, och "
              "filen med manuella värden har påhittade siffror, inte Svenskt Näringslivs."))
    return 0


def _kf_goals(conn, as_of: date) -> None:
    """KF's own goals on the latest values, and the bokslut report of the last full year."""
    say("\n" + "=" * width() + "\n" + render_goals(bokslut(conn, None, as_of)))
    year = as_of.year - 1
    result = bokslut(conn, year, as_of)
    out = db.database_path().parent / "rapporter"
    paths = write_bokslut_reports(conn, year, out, as_of=as_of, result=result)
    say(f"\nBokslut {year}, KF:s mål: {result.summary_line()}")
    for path in paths:
        say(f"  {path}")


def _kf_year(as_of: date) -> None:
    """The KF side for a sample year: which indicators are due at each of the next ten
    meetings and why, the next meeting's report as HTML and XLSX, then that meeting marked
    reported and the following meeting's list without them.

    Marking writes the report log, so the demo does it in a copy of the snapshot
    (data/kf_demo.duckdb, the same code as `indikator mark-reported` on the working file):
    `make demo` can then be run again and shows the same year."""
    say("\n" + "=" * width() + "\nKF-rapportering\n")
    source = published_path()
    work = source.with_name("kf_demo.duckdb")
    shutil.copyfile(source, work)
    conn = db.connect(work)
    say(render_forecast(conn, as_of, meetings=10))
    due = conn.execute("SELECT min(due_meeting) FROM ind.kf_due_asof(?) WHERE due_meeting IS NOT NULL",
                       [as_of]).fetchone()[0]
    if due is None:
        say("\nInget nytt att redovisa i kalendern.")
        return
    meeting = max(due, one(conn, "SELECT min(meeting_date) FROM cfg.kf_meetings WHERE meeting_date >= ?", [as_of])[0])
    out = source.parent / "rapporter"
    say(f"\nRapport till KF {meeting}:")
    for path in write_meeting_reports(conn, meeting, out):
        say(f"  {path}")
    # A meeting can be marked only once its paper deadline has passed: the demo marks it as
    # on the meeting evening (the `now` a real mark-reported would have then).
    evening = clock.day_start(meeting) + timedelta(hours=18)
    n = mark_reported(conn, meeting, reported_by="demo", now=evening)
    say("\n" + (f"KF {meeting} markerat som redovisat (som på mötesdagens kväll): {n} indikator(er) sparade i "
                     f"rep.report_log (i kopian {work})."))
    after = meeting + timedelta(days=1)
    say("Listan dagen efter mötet: de redovisade är borta tills nya värden kommer.\n")
    say(render_due(conn, after, show_all=True))
    conn.close()


def _namnd_meeting(as_of: date) -> None:
    """The nämnd side: the due list of the next nämnd meeting with open papers (all its
    indicators, and its uppdrag reports), one delrapport recorded as given, the uppdrag follow-up, and that
    meeting's report. In the demo's copy (data/kf_demo.duckdb), like the KF part."""
    work = published_path().with_name("kf_demo.duckdb")
    conn = db.connect(work)
    say("\n" + "=" * width() + "\nNämndernas sammanträden och uppdrag\n")
    # The next nämnd meeting whose papers are still open: the one the förvaltning prepares now.
    nxt = one(conn, "SELECT namnd, meeting_date FROM cfg.namnd_meetings WHERE paper_deadline > ? "
                    "ORDER BY meeting_date, namnd LIMIT 1", [as_of])
    if nxt is None:
        say("Inga nämndsammanträden framåt i sammanträdesplanerna.")
        conn.close()
        return
    namnd, meeting = nxt
    say(render_due(conn, as_of, body=namnd))
    # The förvaltning presented the earliest late report at the meeting after it was due: the
    # same as `indikator uppdrag-rapport <id> <datum>`, as on that meeting's evening.
    late = one(conn, "SELECT r.uppdrag_id, min(m.meeting_date) FROM ind.uppdrag_rapporter_asof(?) r "
                     "JOIN cfg.namnd_meetings m ON m.namnd = r.namnd AND m.meeting_date > r.planerat_mote "
                     "AND m.meeting_date < ? WHERE r.lage = 'sen' GROUP BY r.uppdrag_id, r.planerat_mote "
                     "ORDER BY r.planerat_mote LIMIT 1", [as_of, as_of])
    if late:
        record_uppdrag_report(conn, late[0], late[1], reported_by="demo",
                              now=clock.day_start(late[1]) + timedelta(hours=18))
        say(f"\nExempel: {late[0]} registrerat som rapporterat vid nämndens möte {late[1]} "
            f"(indikator uppdrag-rapport {late[0]} {late[1]}), i kopian {work}.")
    say("\n" + render_uppdrag(conn, as_of))
    out = published_path().parent / "rapporter"
    say(f"\nRapport till {namnd} {meeting} (indikatorer och uppdrag):")
    for path in write_meeting_reports(conn, meeting, out, body=namnd):
        say(f"  {path}")
    conn.close()


if __name__ == "__main__":
    sys.exit(main())
