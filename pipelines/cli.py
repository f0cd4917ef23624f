"""`indikator`: the controllers' command line over the warehouse.

    indikator status   [--namnd TEXT] [--malomrade TEXT]
    indikator due      [--as-of YYYY-MM-DD] [--all] [--namnd TEXT] [--malomrade TEXT]
    indikator forecast [--as-of YYYY-MM-DD] [--meetings N] [--namnd TEXT] [--malomrade TEXT]
    indikator report   YYYY-MM-DD [--namnd TEXT] [--out DIR]
    indikator mark-reported YYYY-MM-DD [--by NAMN]
    indikator reported YYYY-MM-DD
    indikator refresh  [--years 2020-2022] [--no-af] [--bekrafta-borttagning]
    indikator backup   --till DIR
    indikator restore  DIR [--skriv-over]
    indikator driftfiler --till DIR

Read commands open the published snapshot read-only (or --db). mark-reported and refresh
write the working database (MALSTYRNING_DUCKDB, default data/malstyrning.duckdb).
Exit codes: 0 ok, 1 error (message on stderr), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb

from indicator_catalog.catalog import load_catalog
from sources import clock
from warehouse.core import db
from warehouse.core.backup import BackupError
from warehouse.indicators.lookup import require_match, resolve_body, resolve_one
from warehouse.publishing.snapshot import connect_published, is_snapshot
from warehouse.presentation.text import (render_due, render_forecast, render_reported, render_status, say,
                                         status_frame)
from warehouse.presentation.reports.write import write_meeting_reports
from warehouse.goals.bokslut import bokslut
from warehouse.presentation.export import export_view, exportable
from warehouse.presentation.goals_text import render_goals
from warehouse.presentation.reports.bokslut import write_bokslut_reports
from warehouse.meetings.log import ReportingError, body_label, mark_reported, reported_at
from warehouse.meetings.uppdrag import record_uppdrag_report
from warehouse.presentation.site.build import build_site, site_path
from warehouse.presentation.uppdrag_text import render_uppdrag
from sources.http import http_mode


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"ogiltigt datum {text!r}, använd ÅÅÅÅ-MM-DD")


def _year(text: str) -> int:
    if not (text.isdigit() and len(text) == 4):
        raise argparse.ArgumentTypeError(f"inte ett år ÅÅÅÅ: {text!r}")
    return int(text)


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r} är inget positivt heltal")
    return n


def _check_filters(conn: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    """A filter that matches no nämnd or målområde is a typo, not "nothing due"."""
    for field in ("namnd", "malomrade"):
        require_match(conn, field, getattr(args, field, None))


def _filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--namnd", help="filtrera på nämnd (del av namnet)")
    p.add_argument("--malomrade", help="filtrera på KF målområde")


def _deployment_files(args: argparse.Namespace) -> int:
    from indicator_catalog.deployment import deployment_from_env
    from pipelines.roles import deployment_files

    deployment = deployment_from_env()
    target = Path(args.till)
    for name, text in deployment_files(deployment).items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        say(f"Skrev {path}")
    say(f"{len(deployment.kommuner)} kommuner i {deployment.path}; starta malstyrning-offentlig och "
        + ", ".join(f"malstyrning-kommun@{e.kod}" for e in deployment.kommuner) + ", sedan daemon och webbserver")
    return 0


def _refresh(args: argparse.Namespace) -> int:
    # The one command that runs the pipeline: imported here so the read commands never load
    # Dagster (seconds of imports).
    from pipelines.refresh import Refresh, years_range

    from pipelines.roles import role

    r = role()
    if args.db:
        if r != "ensam" and Path(args.db).resolve() != db.database_path().resolve():
            # The deployment file says where this location's data lives (pipelines/roles.py).
            raise ValueError(f"--db {args.db}: i en driftmiljö bestämmer {os.environ.get('MALSTYRNING_DRIFT')} "
                             f"arbetsfilen ({db.database_path()})")
        os.environ[db.DUCKDB_ENV] = args.db
    # The Makefile's defaults, so the command works without any environment variable: the
    # Dagster resources read the database path from the environment.
    os.environ.setdefault(db.DUCKDB_ENV, db.DEFAULT_DB)
    this_year = clock.now().year
    years = years_range(args.years or f"{this_year - 3}-{this_year - 1}")
    fetch = f"{len(years)} år ({years[0]}–{years[-1]}), {'utan' if args.no_af else 'med'} AF"
    what = {"kommun": "import ur den offentliga ögonblicksbilden, inkorgen, status och publicering",
            "offentlig": f"{fetch}, offentlig publicering"}.get(r, f"{fetch}, inkorgen, status och publicering")
    say(f"Uppdaterar {db.database_path()}: {what}")
    run = Refresh(out=say)
    confirm = args.bekrafta_borttagning
    if r == "kommun":
        # The public figures come from the deployment's public snapshot, imported by indicators_job.
        return 0 if run.inbox() and run.indicators() else 1
    ok = run.years(years, confirm_retirements=confirm) and (args.no_af or run.af(confirm_retirements=confirm))
    if r == "offentlig":
        return 0 if ok and run.public() else 1
    return 0 if ok and run.inbox() and run.indicators() else 1


class _SwedishHelp(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, prefix or "användning: ")


def _swedish(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """argparse's own headings are English; the users read Swedish."""
    p.formatter_class = _SwedishHelp
    p._positionals.title = "argument"
    p._optionals.title = "flaggor"
    for action in p._actions:
        if isinstance(action, argparse._HelpAction):
            action.help = "visa den här hjälpen och avsluta"
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _swedish(sub)
    return p


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="indikator", description="Indikatorlagret för målstyrning: status, KF-lista, "
                                "prognos och KF-rapporter.")
    p.add_argument("--db", help="DuckDB-fil att läsa (standard: den publicerade ögonblicksbilden, "
                                "$MALSTYRNING_PUBLISHED eller data/malstyrning.publicerad.duckdb); "
                                "mark-reported och uppdrag-rapport skriver i arbetsdatabasen ($MALSTYRNING_DUCKDB)")
    # A metavar: the default lists every command in braces, a line of 150 characters in the usage.
    sub = p.add_subparsers(dest="command", required=True, metavar="kommando")
    s = sub.add_parser("status", help="nämndernas indikatortabeller med status mot önskat värde")
    s.add_argument("--namnd", help="filtrera på nämnd (del av namnet)")
    s.add_argument("--malomrade", help="filtrera på KF målområde")
    d = sub.add_parser("due", help="indikatorer att redovisa vid nästa KF eller nämndsmöte, och reviderade värden")
    d.add_argument("--organ", help="KF (standard) eller en nämnd (del av namnet): dess nästa sammanträde")
    d.add_argument("--as-of", type=_date, help="räkna som om det vore detta datum (standard: i dag)")
    d.add_argument("--all", action="store_true", help="visa även indikatorer som ska till senare möten")
    _filters(d)
    f = sub.add_parser("forecast", help="vilka indikatorer som väntas till vart och ett av de närmaste KF-mötena")
    f.add_argument("--as-of", type=_date, help="från detta datum (standard: i dag)")
    f.add_argument("--meetings", type=_positive, default=10, help="antal möten framåt (standard 10, ungefär ett år)")
    _filters(f)
    rp = sub.add_parser("report", help="skriv mötets rapport (HTML och XLSX) med tabell och diagram")
    rp.add_argument("meeting", type=_date, help="sammanträdesdatum ÅÅÅÅ-MM-DD")
    rp.add_argument("--namnd", help="bara denna nämnd (del av namnet)")
    rp.add_argument("--organ", help="KF (standard) eller en nämnd (del av namnet): dess eget sammanträde, "
                                    "med nämndens uppdrag")
    rp.add_argument("--out", default="rapporter", help="katalog att skriva till (standard: rapporter)")
    m = sub.add_parser("mark-reported", help="markera ett KF- eller nämndsmöte som redovisat")
    m.add_argument("meeting", type=_date, help="sammanträdesdatum ÅÅÅÅ-MM-DD")
    m.add_argument("--organ", help="KF (standard) eller en nämnd (del av namnet)")
    m.add_argument("--by", help="vem som redovisade (standard: inloggad användare)")
    r = sub.add_parser("reported", help="vad som redovisades vid ett KF- eller nämndsmöte")
    r.add_argument("meeting", type=_date)
    r.add_argument("--organ", help="KF (standard) eller en nämnd (del av namnet)")
    u = sub.add_parser("uppdrag", help="nämndernas uppdrag: indikatorernas status, tidplan och vad som behöver åtgärdas")
    u.add_argument("--namnd", help="bara denna nämnd (del av namnet)")
    u.add_argument("--as-of", type=_date, help="räkna som om det vore detta datum (standard: i dag)")
    ur = sub.add_parser("uppdrag-rapport", help="registrera att ett uppdrag rapporterades vid ett nämndsmöte")
    ur.add_argument("uppdrag", help="uppdragets id, t.ex. sn_behalla_medarbetare")
    ur.add_argument("meeting", type=_date, help="nämndens sammanträdesdatum ÅÅÅÅ-MM-DD")
    ur.add_argument("--by", help="vem som rapporterade (standard: inloggad användare)")
    g = sub.add_parser("mal", help="KF:s mål: strategiska mål, målpreciseringar, mått och måluppfyllelse")
    g.add_argument("--ar", type=_year, help="bedöm som bokslutet för detta år (standard: senaste värdena)")
    g.add_argument("--as-of", type=_date, help="med siffrorna kända detta datum (standard: i dag)")
    b = sub.add_parser("bokslut", help="skriv bokslutets rapport om KF:s mål (HTML och XLSX) för ett år")
    b.add_argument("ar", type=_year, help="året som bokslutet gäller, t.ex. 2025")
    b.add_argument("--as-of", type=_date, help="med siffrorna kända detta datum (standard: i dag)")
    b.add_argument("--out", default="rapporter", help="katalog att skriva till (standard: rapporter)")
    ex = sub.add_parser("export", help="skriv en vy (t.ex. rapport.indikatorer) till CSV eller XLSX")
    ex.add_argument("vy", nargs="?", help="vyns namn; utan namn listas vyerna")
    ex.add_argument("--out", help="fil att skriva, .csv eller .xlsx (standard: <vy>.csv)")
    w = sub.add_parser("webb", help="bygg den publika webbplatsen (statiska filer) ur ögonblicksbilden")
    w.add_argument("--out", help="katalog att skriva till (standard: webb/ bredvid lagret, $MALSTYRNING_WEBB)")
    fr = sub.add_parser("refresh", help="hämta och ladda om (Kolada, SCB, AF, inkorgen), räkna status och publicera")
    fr.add_argument("--years", help="år att hämta, t.ex. 2020-2022 (standard: de tre senaste hela åren)")
    fr.add_argument("--no-af", action="store_true", help="hoppa över Arbetsförmedlingens månadsfiler")
    fr.add_argument("--bekrafta-borttagning", action="store_true",
                    help="landa svar som tar bort fler aktuella värden än en liten andel (bara när det är riktigt)")
    df = sub.add_parser("driftfiler", help="skriv workspace.yaml och kommunernas portar för en driftmiljö med "
                                          "flera kommuner (MALSTYRNING_DRIFT)")
    df.add_argument("--till", required=True, metavar="MAPP", help="mapp att skriva till, t.ex. /etc/malstyrning")
    bk = sub.add_parser("backup", help="säkerhetskopiera arbetsdatabasen med svarsfiler, AF:s filer och inkorgens arkiv")
    bk.add_argument("--till", required=True, metavar="MAPP", help="mapp där kopian skrivs (en ny undermapp per kopia)")
    rs = sub.add_parser("restore", help="återställ arbetsdatabasen och dess filer från en säkerhetskopia")
    rs.add_argument("kopia", help="kopians mapp (skriven av indikator backup)")
    rs.add_argument("--skriv-over", action="store_true", help="ersätt en befintlig arbetsdatabas")
    return _swedish(p)


def run(args: argparse.Namespace) -> int:
    if args.command == "refresh":
        return _refresh(args)
    if args.command in ("mark-reported", "uppdrag-rapport"):
        return _write(args)
    if args.command in ("backup", "restore"):
        return _backup(args)
    if args.command == "driftfiler":
        return _deployment_files(args)
    # Controllers read the published snapshot, never the working file the pipeline writes.
    conn = db.connect(args.db, read_only=True) if args.db else connect_published()
    today = clock.today()
    _check_filters(conn, args)
    if args.command == "status":
        frame = status_frame(conn, args.namnd, args.malomrade)
        say(render_status(frame) if not frame.empty else "Inga indikatorer matchar filtret.")
    elif args.command == "due":
        say(render_due(conn, args.as_of or today, show_all=args.all, namnd=args.namnd, malomrade=args.malomrade,
                       body=resolve_body(conn, args.organ)))
    elif args.command == "uppdrag":
        say(render_uppdrag(conn, args.as_of or today, resolve_one(conn, "namnd", args.namnd) if args.namnd else None))
    elif args.command == "forecast":
        say(render_forecast(conn, args.as_of or today, args.meetings, args.namnd, args.malomrade))
    elif args.command == "report":
        for path in write_meeting_reports(conn, args.meeting, Path(args.out), namnd=args.namnd,
                                          body=resolve_body(conn, args.organ)):
            say(f"Skrev {path}")
    elif args.command == "export":
        if not args.vy:
            say("Vyer att exportera:\n" + "\n".join(f"  {v}" for v in exportable(conn)))
        else:
            out = Path(args.out or f"{args.vy}.csv")
            n = export_view(conn, args.vy, out)
            say(f"Skrev {out} ({n} rader)")
    elif args.command == "mal":
        as_of = args.as_of or today
        say(render_goals(bokslut(conn, args.ar, as_of)))
    elif args.command == "bokslut":
        result = bokslut(conn, args.ar, args.as_of)
        say(result.summary_line())
        for path in write_bokslut_reports(conn, args.ar, Path(args.out), as_of=args.as_of, result=result):
            say(f"Skrev {path}")
    elif args.command == "webb":
        result = build_site(conn, Path(args.out) if args.out else site_path(), replay=http_mode() == "replay",
                            national=load_catalog().settings.omfattning == "riket")
        say(f"Webbplatsen: {result.path} ({result.pages} sidor, {result.bytes / 1e6:.2f} MB, byggd på "
            f"{result.seconds:.1f} s). Visa den: make serve, eller öppna {result.path / 'index.html'}")
    elif args.command == "reported":
        body = resolve_body(conn, args.organ)
        say(render_reported(reported_at(conn, args.meeting, body), args.meeting, body))
    return 0


def _write(args: argparse.Namespace) -> int:
    """The commands that write the report logs: in the working file, never the snapshot."""
    target = Path(args.db) if args.db else db.database_path()
    if is_snapshot(target):
        # The next publication replaces the snapshot whole: what was written there would be lost.
        raise ReportingError(f"{target} är en publicerad ögonblicksbild; registrera i arbetsdatabasen "
                             f"({db.database_path()}, eller ange den med --db)")
    conn = db.connect(args.db)
    db.migrate(conn)
    db.ensure_views(conn)
    if args.command == "uppdrag-rapport":
        if record_uppdrag_report(conn, args.uppdrag, args.meeting, reported_by=args.by):
            say(f"Uppdraget {args.uppdrag} registrerat som rapporterat vid {args.meeting}; syns i "
                "ögonblicksbilden efter nästa publicering.")
        else:
            print(f"indikator: {args.uppdrag} var redan registrerat vid {args.meeting}.", file=sys.stderr)
        return 0
    body = resolve_body(conn, args.organ)
    n = mark_reported(conn, args.meeting, body=body, reported_by=args.by)
    label = body_label(body)
    if n == 0:
        print(f"indikator: inget att registrera för {label} {args.meeting}: inga indikatorer var aktuella "
              "(redan markerat, eller inga nya värden före handlingsstoppet).", file=sys.stderr)
    else:
        say(f"{n} indikator(er) sparade som redovisade vid {label} {args.meeting}; "
            "syns i ögonblicksbilden efter nästa publicering.")
    return 0


def _kommun() -> str | None:
    """The kommun the catalog follows, for the restore's check; None if the catalog cannot be read
    (a restore must still be possible then)."""
    try:
        return load_catalog().settings.kommun
    except (ValueError, OSError):
        return None


def _backup(args: argparse.Namespace) -> int:
    """Backups of the working file and the folders that belong to it (warehouse/core/backup.py)."""
    from pipelines.defs.files.inbox import inbox_dir
    from pipelines.defs.resources import AfResource
    from pipelines.roles import kommun_kod, location_name, role
    from warehouse.core.backup import STAMP, backup, restore

    database = Path(args.db) if args.db else db.database_path()
    if is_snapshot(database):
        raise ValueError(f"{database} är en publicerad ögonblicksbild; säkerhetskopiera arbetsdatabasen")
    # AF's downloaded workbooks and the inbox's archive of loaded files: the raw layer kept as files.
    folders = {"af": AfResource().directory(), "arkiv": inbox_dir().parent / "arkiv"}
    kod = kommun_kod()
    if args.command == "backup":
        conn = db.connect(database)  # read-write: no run writes while the file is copied
        try:
            # In a deployment the folder says whose copy it is (the files are all malstyrning.duckdb).
            name = location_name(kod) if role() != "ensam" else None
            path = backup(conn, database, Path(args.till), folders, name=name)
        finally:
            conn.close()
        say(f"Säkerhetskopia: {path}")
    else:
        manifest = restore(Path(args.kopia), database, folders, overwrite=args.skriv_over, kommun=kod or _kommun())
        made = datetime.strptime(manifest["created_at"], STAMP).strftime("%Y-%m-%d %H:%M UTC")
        say(f"Återställde {database} från {args.kopia} (kopian gjord {made}, "
            f"{manifest['tables'].get('rep.report_log', 0)} rader i rapportloggen); publicera igen "
            "(indikator refresh eller nattens körning) så att ögonblicksbilden följer med.")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        # In a deployment with several kommuner: this kommun's (or the public) files, from the
        # deployment file (pipelines/roles.py); nothing changes for a single kommun.
        from pipelines.roles import apply_environment

        apply_environment()
        return run(args)
    except (ReportingError, LookupError, FileNotFoundError, ValueError, duckdb.Error, BackupError) as exc:
        print(f"indikator: {message(exc)}", file=sys.stderr)
        return 1


LOCKED = re.compile(r'Could not set lock on file "(?P<file>[^"]+)": Conflicting lock is held in .*?\(PID (?P<pid>\d+)\)')


OLDER_SNAPSHOT = re.compile(r"Macro \S+ does not support the supplied arguments|"
                            r"(Table Function|Macro Function|Table) with name \S+ does not exist")


def message(exc: Exception) -> str:
    """An expected failure in one Swedish line with what to do; DuckDB's lock error says which
    process holds the file."""
    text = str(exc)
    locked = LOCKED.search(text)
    if locked:
        return (f"databasen {locked['file']} är låst av en annan process (PID {locked['pid']}), t.ex. en pågående "
                "körning eller ett öppet skrivande program; försök igen när den är klar")
    if OLDER_SNAPSHOT.search(text):
        # Views and macros travel with the snapshot: one published by an earlier version lacks
        # what this version asks for until the next publication.
        return ("ögonblicksbilden är publicerad av en äldre version av indikatorlagret och saknar det som "
                "kommandot behöver; kör `indikator refresh` (eller vänta på nattens publicering) och försök igen")
    return text


if __name__ == "__main__":
    sys.exit(main())
