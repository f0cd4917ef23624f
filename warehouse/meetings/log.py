"""The report log: mark a meeting of KF or of a nämnd as reported, and ask what was reported
when. `body` is 'KF' or the nämnd's name, as in ind.meetings; KF is the default."""

from __future__ import annotations

import getpass
from datetime import date, datetime

import duckdb
import pandas as pd
from sources import clock
from warehouse.core.db import one, transaction


class ReportingError(ValueError):
    pass


KF = "KF"


def due_list(conn: duckdb.DuckDBPyConnection, as_of: date, body: str = KF) -> pd.DataFrame:
    return conn.execute("SELECT * FROM ind.due_asof(?, ?)", [as_of, body]).df()


def next_meeting(conn: duckdb.DuckDBPyConnection, as_of: date, body: str = KF) -> tuple[date, date] | None:
    return one(conn, "SELECT meeting_date, paper_deadline FROM ind.meetings WHERE body = ? AND meeting_date >= ? "
                     "ORDER BY meeting_date LIMIT 1", [body, as_of])


def open_meeting(conn: duckdb.DuckDBPyConnection, as_of: date, body: str = KF) -> tuple[date, date] | None:
    """The next meeting whose papers are still open on `as_of`."""
    return one(conn, "SELECT meeting_date, paper_deadline FROM ind.meetings WHERE body = ? AND paper_deadline > ? "
                     "ORDER BY meeting_date LIMIT 1", [body, as_of])


def body_label(body: str) -> str:
    return "KF" if body == KF else body


def paper_deadline(conn: duckdb.DuckDBPyConnection, meeting_date: date, body: str = KF) -> date:
    """The meeting's paper deadline; an error naming the calendar when it is no meeting."""
    found = one(conn, "SELECT paper_deadline FROM ind.meetings WHERE body = ? AND meeting_date = ?",
                [body, meeting_date])
    if found:
        return found[0]
    if body == KF:
        raise ReportingError(f"{meeting_date} är inget KF-sammanträde i kalendern (cfg.kf_meetings)")
    if not one(conn, "SELECT 1 FROM cfg.namnd_meetings WHERE namnd = ?", [body]):
        raise ReportingError(f"{body} har ingen sammanträdesplan (sammantraden i nämndens fil i katalogen)")
    raise ReportingError(f"{meeting_date} är inget sammanträde för {body} (sammantraden i nämndens fil)")


def mark_reported(
    conn: duckdb.DuckDBPyConnection,
    meeting_date: date,
    *,
    body: str = KF,
    reported_by: str | None = None,
    now: datetime | None = None,
) -> int:
    """Record, for every indicator due at `body`'s meeting on `meeting_date`, the value presented there.

    "Due at the meeting" is the rule of ind.due_asof with as_of = the meeting date. The
    value recorded is the one the meeting papers could show: the newest value that became
    available before the meeting's paper deadline, by the due rule's availability
    (ind.papers), not one that became available afterwards. The rows count in the as-of
    views from the meeting day, and not before they are logged (ind.report_counts).
    Running it twice for the same meeting records nothing new. Returns the number of
    indicators recorded; 0 means nothing was due (callers warn, it is not an error).
    """
    deadline = paper_deadline(conn, meeting_date, body)
    now = now or clock.now()
    # The papers are fixed at the deadline; marking earlier would log values that a later
    # one may still replace in the papers.
    if now < clock.day_start(deadline):
        raise ReportingError(f"{body_label(body)} {meeting_date} kan markeras som redovisat först när "
                             f"handlingsstoppet {deadline} har passerat")
    reported_by = reported_by or getpass.getuser()
    with transaction(conn):
        n = conn.execute(
            """
            INSERT INTO rep.report_log (meeting_date, indicator_id, source, series, region, period, period_end,
                                        value, vintage, first_seen, reported_at, reported_by, breakdown,
                                        onskat_varde, direction, tolerance, unit, decimals, status,
                                        group_mean, group_n, group_size, group_position, body)
            SELECT ?, p.indicator_id, p.source, p.series, p.region, p.period, p.period_end,
                   p.value, p.vintage, p.first_seen, ?, ?, p.breakdown,
                   -- as the papers (and the report document, reports/data.py) showed them
                   s.onskat_varde, s.direction, s.tolerance, s.unit, s.decimals, s.status,
                   c.group_mean, c.group_n, c.group_size, c.group_position, ?
            FROM ind.papers(?, of_body := ?) p
            JOIN ind.papers_status(?, of_body := ?) s USING (indicator_id)
            LEFT JOIN ind.peer_comparison_asof(ind.stockholm_day_start(?),
                                               available_before := ind.stockholm_day_start(?)) c USING (indicator_id)
            WHERE NOT EXISTS (SELECT 1 FROM rep.report_log r
                              WHERE r.body = ? AND r.meeting_date = ? AND r.indicator_id = p.indicator_id)
            RETURNING 1
            """,
            [meeting_date, now, reported_by, body, meeting_date, body, meeting_date, body, meeting_date, deadline,
             body, meeting_date],
        ).fetchall()
    return len(n)


def reported_at(conn: duckdb.DuckDBPyConnection, meeting_date: date, body: str = KF) -> pd.DataFrame:
    """Exactly what was presented at `body`'s meeting on `meeting_date`, whatever was revised since."""
    paper_deadline(conn, meeting_date, body)
    return conn.execute(
        """
        SELECT r.meeting_date, r.indicator_id, i.namnd, i.name, i.indikator_kalla, r.period, r.period_end,
               r.value, r.vintage, r.source, r.series, r.reported_at, r.reported_by,
               r.onskat_varde, r.direction, r.unit, coalesce(r.decimals, i.decimals) AS decimals, r.status,
               r.group_mean, r.group_n, r.group_size, r.group_position
        FROM rep.report_log r LEFT JOIN cfg.indicators i USING (indicator_id)
        WHERE r.body = ? AND r.meeting_date = ?
        ORDER BY i.namnd, r.indicator_id
        """,
        [body, meeting_date],
    ).df()
