"""`indikator`: the controllers' command line over the warehouse.

    indikator status [--namnd TEXT] [--malomrade TEXT]
    indikator due [--as-of YYYY-MM-DD] [--all]
    indikator mark-reported YYYY-MM-DD [--by NAMN]
    indikator reported YYYY-MM-DD

The database is MALSTYRNING_DUCKDB (default data/malstyrning.duckdb), or --db.
Exit codes: 0 ok, 1 error (message on stderr), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

import duckdb

from warehouse import db
from warehouse.publish import connect_published
from warehouse.present import render_due, render_status, status_frame
from warehouse.reporting import ReportingError, mark_reported, reported_at
from warehouse.db import one


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"ogiltigt datum {text!r}, använd ÅÅÅÅ-MM-DD")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="indikator", description="Indikatorlagret för målstyrning: status och KF-lista.")
    p.add_argument("--db", help="DuckDB-fil att läsa (standard: den publicerade ögonblicksbilden, "
                                "$MALSTYRNING_PUBLISHED eller data/malstyrning.publicerad.duckdb); "
                                "mark-reported skriver i arbetsdatabasen ($MALSTYRNING_DUCKDB)")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("status", help="nämndernas indikatortabeller med status mot önskat värde")
    s.add_argument("--namnd", help="filtrera på nämnd (del av namnet)")
    s.add_argument("--malomrade", help="filtrera på KF målområde")
    d = sub.add_parser("due", help="indikatorer att redovisa vid nästa KF")
    d.add_argument("--as-of", type=_date, help="räkna som om det vore detta datum (standard: i dag)")
    d.add_argument("--all", action="store_true", help="visa även indikatorer som ska till senare möten")
    m = sub.add_parser("mark-reported", help="markera ett KF-möte som redovisat")
    m.add_argument("meeting", type=_date, help="sammanträdesdatum ÅÅÅÅ-MM-DD")
    m.add_argument("--by", help="vem som redovisade (standard: inloggad användare)")
    r = sub.add_parser("reported", help="vad som redovisades vid ett KF-möte")
    r.add_argument("meeting", type=_date)
    return p


def run(args: argparse.Namespace) -> int:
    if args.command == "mark-reported":
        conn = db.connect(args.db)
        db.migrate(conn)
        db.ensure_views(conn)
        n = mark_reported(conn, args.meeting, reported_by=args.by)
        if n == 0:
            print(
                f"indikator: inget att registrera för KF {args.meeting}: inga indikatorer var aktuella "
                "(redan markerat, eller inga nya värden före handlingsstoppet).",
                file=sys.stderr,
            )
        else:
            print(f"{n} indikator(er) sparade som redovisade vid KF {args.meeting}.")
        return 0
    # Controllers read the published snapshot, never the working file the pipeline writes.
    conn = db.connect(args.db, read_only=True) if args.db else connect_published()
    if args.command == "status":
        frame = status_frame(conn, args.namnd, args.malomrade)
        print(render_status(frame) if not frame.empty else "Inga indikatorer matchar filtret.")
    elif args.command == "due":
        as_of = args.as_of or one(conn, "SELECT current_date")[0]
        print(render_due(conn, as_of, show_all=args.all))
    elif args.command == "reported":
        frame = reported_at(conn, args.meeting)
        print(frame.to_string(index=False) if not frame.empty else f"Inget redovisat vid KF {args.meeting}.")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return run(args)
    except (ReportingError, FileNotFoundError, duckdb.Error) as exc:
        print(f"indikator: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
