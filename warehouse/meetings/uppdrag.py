"""Uppdrag: record that a delrapport or slutrapport was presented at a meeting of the uppdrag's
nämnd (rep.uppdrag_log), and read the follow-up (warehouse/meetings/uppdrag.sql).

A report is recorded against the meeting it was presented at, not against an item of the
tidplan: the k-th report given fulfils the k-th planned item, so one presented late still
counts and shows as *given sent*. Recording twice for the same meeting records nothing new.
"""

from __future__ import annotations

import getpass
from datetime import date, datetime

import duckdb
import pandas as pd

from sources import clock
from warehouse.core.db import one, transaction
from warehouse.meetings.log import ReportingError, paper_deadline


def report_label(slutrapport: bool, nr: int) -> str:
    """'delrapport 2' or 'slutrapport': how a tidplan item is named in every output."""
    return "slutrapport" if slutrapport else f"delrapport {nr}"


def record_uppdrag_report(conn: duckdb.DuckDBPyConnection, uppdrag_id: str, meeting_date: date, *,
                          reported_by: str | None = None, now: datetime | None = None) -> int:
    """Log that `uppdrag_id` was reported at its nämnd's meeting on `meeting_date`; returns 1, or
    0 when that meeting already has its report."""
    found = one(conn, "SELECT namnd, start_date FROM cfg.uppdrag WHERE uppdrag_id = ?", [uppdrag_id])
    if not found:
        known = [r[0] for r in conn.execute("SELECT uppdrag_id FROM cfg.uppdrag ORDER BY 1").fetchall()]
        raise ReportingError(f"okänt uppdrag {uppdrag_id!r} (finns: {', '.join(known) or 'inga'})")
    namnd, start = found
    deadline = paper_deadline(conn, meeting_date, namnd)
    if meeting_date < start:
        raise ReportingError(f"{uppdrag_id} startar {start}: en rapport vid {meeting_date} kan inte höra till det")
    planned, given = one(conn, "SELECT (SELECT count(*) FROM cfg.uppdrag_tidplan WHERE uppdrag_id = ?), "
                               "(SELECT count(*) FROM rep.uppdrag_log WHERE uppdrag_id = ? AND meeting_date <> ?)",
                         [uppdrag_id, uppdrag_id, meeting_date])
    if given >= planned:
        raise ReportingError(f"{uppdrag_id}: alla {planned} rapporter i tidplanen är redan registrerade "
                             "(även slutrapporten); en ny rapport kräver en ny punkt i tidplanen i katalogen")
    now = now or clock.now()
    if now < clock.day_start(deadline):
        raise ReportingError(f"{found[0]} {meeting_date}: en rapport kan registreras först när handlingsstoppet "
                             f"{deadline} har passerat")
    with transaction(conn):
        n = conn.execute(
            "INSERT INTO rep.uppdrag_log VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING 1",
            [uppdrag_id, meeting_date, now, reported_by or getpass.getuser()]).fetchall()
    return len(n)


def uppfoljning(conn: duckdb.DuckDBPyConnection, as_of: date, namnd: str | None = None, *,
                known_before: datetime | None = None, available_before: datetime | None = None
                ) -> dict[str, pd.DataFrame]:
    """The follow-up as of a day: uppdrag, their indicators, their tidplan and the flags,
    each limited to one nämnd when given. A meeting's report passes the papers' cut-offs
    (`known_before` the meeting, `available_before` its paper deadline)."""
    cut = "?, known_before := ?, available_before := ?"
    params = [as_of, known_before, available_before]
    frames = {
        "uppdrag": conn.execute(f"SELECT * FROM ind.uppdrag_uppfoljning_asof({cut})", params).df(),
        "indikatorer": conn.execute(f"SELECT * FROM ind.uppdrag_indikatorer_asof({cut})", params).df(),
        "rapporter": conn.execute("SELECT * FROM ind.uppdrag_rapporter_asof(?)", [as_of]).df(),
        "flaggor": conn.execute(f"SELECT * FROM ind.uppdrag_flaggor_asof({cut})", params).df(),
    }
    if namnd:
        frames = {k: f[f["namnd"] == namnd] for k, f in frames.items()}
    return frames
