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


def record_uppdrag_report(conn: duckdb.DuckDBPyConnection, uppdrag_id: str, meeting_date: date, *,
                          reported_by: str | None = None, now: datetime | None = None) -> int:
    """Log that `uppdrag_id` was reported at its nämnd's meeting on `meeting_date`; returns 1, or
    0 when that meeting already has its report."""
    found = one(conn, "SELECT namnd FROM cfg.uppdrag WHERE uppdrag_id = ?", [uppdrag_id])
    if not found:
        known = [r[0] for r in conn.execute("SELECT uppdrag_id FROM cfg.uppdrag ORDER BY 1").fetchall()]
        raise ReportingError(f"okänt uppdrag {uppdrag_id!r} (finns: {', '.join(known) or 'inga'})")
    deadline = paper_deadline(conn, meeting_date, found[0])
    now = now or clock.now()
    if now < clock.day_start(deadline):
        raise ReportingError(f"{found[0]} {meeting_date}: en rapport kan registreras först när handlingsstoppet "
                             f"{deadline} har passerat")
    with transaction(conn):
        n = conn.execute(
            "INSERT INTO rep.uppdrag_log VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING 1",
            [uppdrag_id, meeting_date, now, reported_by or getpass.getuser()]).fetchall()
    return len(n)


def uppfoljning(conn: duckdb.DuckDBPyConnection, as_of: date, namnd: str | None = None) -> dict[str, pd.DataFrame]:
    """The follow-up as of a day: uppdrag, their indicators, their tidplan and the flags,
    each limited to one nämnd when given."""
    frames = {
        "uppdrag": conn.execute("SELECT * FROM ind.uppdrag_uppfoljning_asof(?)", [as_of]).df(),
        "indikatorer": conn.execute("SELECT * FROM ind.uppdrag_indikatorer_asof(?)", [as_of]).df(),
        "rapporter": conn.execute("SELECT * FROM ind.uppdrag_rapporter_asof(?)", [as_of]).df(),
        "flaggor": conn.execute("SELECT * FROM ind.uppdrag_flaggor_asof(?)", [as_of]).df(),
    }
    if namnd:
        frames = {k: f[f["namnd"] == namnd] for k, f in frames.items()}
    return frames
