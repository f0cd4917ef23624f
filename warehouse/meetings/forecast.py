"""Forecast: which Indikator KF indicators will be due at each of the next KF meetings.

Two kinds of rows per meeting:
- *finns nu*: a value already in the warehouse and not yet reported (ind.kf_due_asof), at the
  meeting the due rule gives;
- *väntas*: the next period expected from the source's release information, placed by the
  due rule itself (ind.due_meeting in due.sql, the one definition) as a value first seen on
  the expected day: the first meeting whose paper deadline falls after it (for välfärd under
  the rolling schedule, the first meeting of the nämnd's turn).

Where the expected day comes from, per source:
- Kolada: the KPI's metadata (`publ_period` with `prel_publication_date`, else
  `publication_date`), which points at the next release (reference/kolada.md §5). A date
  already past while the period is still missing means "any day now" (the metadata lags):
  the next nightly fetch, tomorrow, as for every expected day (the due rule counts from it).
  Once `publ_period` is in the warehouse, the next period is estimated a year after that date.
- SCB: PxWebApi gives no release calendar, only `updated`; the next period is estimated one
  year (monthly tables: one month) after the last publication seen.
- Arbetsförmedlingen: a month is published in the middle of the next (reference §1): the 15th.
- The kommun's own files (ekonomi, HR): no forecast; they count when they are handed in.
Estimates say so in `basis`; they are never used for the due list itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import pandas as pd

from sources import clock
from sources.clock import STOCKHOLM

OWN_FILES = {"ekonomi", "hr"}


@dataclass(frozen=True)
class Expected:
    indicator_id: str
    period: str
    expected: date
    basis: str
    # The day the source should have published it (before "at the earliest tomorrow"): a day
    # already past means the publication is late or not yet fetched (overdue_publications).
    due_by: date | None = None


def _year_later(d: date) -> date:
    try:
        return d.replace(year=d.year + 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year + 1, day=28)


def _next_period(period: str | None) -> str | None:
    if not period:
        return None
    if "M" in period:
        y, m = int(period[:4]), int(period[5:])
        return f"{y + m // 12}M{m % 12 + 1:02d}"
    return str(int(period[:4]) + 1)


def expected_publications(conn: duckdb.DuckDBPyConnection, as_of: date) -> list[Expected]:
    rows = conn.execute(
        """
        SELECT i.indicator_id, i.source, i.series, i.frequency,
               -- The newest period, as status picks it (a year over its December month).
               s.period AS have,
               (SELECT max(o.published_at) FROM stg.observations o
                WHERE o.source = i.source AND o.series = i.series AND o.region = i.region) AS published_at,
               k.publ_period, coalesce(k.prel_publication_date, k.publication_date) AS kpi_date
        FROM cfg.indicators i
        LEFT JOIN ind.indicator_status s USING (indicator_id)
        LEFT JOIN (SELECT kpi, any_value(publ_period) AS publ_period,
                          any_value(prel_publication_date) AS prel_publication_date,
                          any_value(publication_date) AS publication_date
                   FROM raw.kolada_kpi GROUP BY kpi) k ON i.source = 'kolada' AND k.kpi = i.series
        WHERE i.indikator_kf AND i.series IS NOT NULL
        ORDER BY i.indicator_id
        """
    ).fetchall()
    # A value not yet in the warehouse arrives at the earliest with the next nightly fetch
    # (02:30), i.e. it is first seen tomorrow: what the due rule will count from.
    earliest = as_of + timedelta(days=1)
    out = []
    for indicator_id, source, _series, _frequency, have, published_at, publ_period, kpi_date in rows:
        if source in OWN_FILES:
            continue
        if source == "kolada" and publ_period and kpi_date:
            # Kolada gives no publication time per value, so the due rule counts from first
            # seen: the nightly fetch (02:30) after the publication day.
            seen = kpi_date + timedelta(days=1)
            if have is None or int(publ_period) > int(have[:4]):
                if seen < earliest:
                    out.append(Expected(indicator_id, publ_period, earliest,
                                        f"Kolada: {publ_period} skulle publiceras {kpi_date} men finns inte i lagret "
                                        "ännu (hämtas varje natt)", kpi_date))
                else:
                    out.append(Expected(indicator_id, publ_period, seen,
                                        f"Kolada: publiceras {kpi_date}, hämtas natten efter"))
            else:
                out.append(Expected(indicator_id, str(int(publ_period) + 1), max(_year_later(seen), earliest),
                                    f"uppskattat: ett år efter Koladas förra publicering ({kpi_date})"))
        elif source == "scb" and published_at is not None and have:
            # Step by the newest period's own form: a monthly indicator whose newest figure is
            # a year (a yearly table) waits for the next year.
            monthly = "M" in have
            last = published_at.astimezone(STOCKHOLM).date()
            nxt = last + timedelta(days=31) if monthly else _year_later(last)
            out.append(Expected(indicator_id, _next_period(have), max(nxt, earliest),
                                f"uppskattat: {'en månad' if monthly else 'ett år'} efter SCB:s "
                                f"förra publicering ({last})", nxt))
        elif source == "arbetsformedlingen" and have and "M" in have:
            nxt = _next_period(have)
            y, m = int(nxt[:4]), int(nxt[5:])
            day = date(y + m // 12, m % 12 + 1, 15)
            out.append(Expected(indicator_id, nxt, max(day, earliest), "Arbetsförmedlingen: mitten av månaden efter",
                                day))
    return out


# Days after the expected publication before a missing figure counts as late: publication
# dates slip by days, and the nightly fetch needs a night.
GRACE_DAYS = 7


def overdue_publications(conn: duckdb.DuckDBPyConnection, as_of: date, source: str,
                         grace_days: int = GRACE_DAYS) -> list[Expected]:
    """The figures of `source` that should have been published more than `grace_days` before
    `as_of` (Kolada's release date, SCB's and AF's rhythm) but are not in the warehouse: the
    source's freshness, as the forecast knows it."""
    sources = dict(conn.execute("SELECT indicator_id, source FROM cfg.indicators").fetchall())
    return [e for e in expected_publications(conn, as_of)
            if sources.get(e.indicator_id) == source and e.due_by and e.due_by + timedelta(days=grace_days) < as_of]


def due_meetings(conn: duckdb.DuckDBPyConnection, expected: list[Expected], body: str = "KF") -> dict[str, date | None]:
    """Per expected publication, the meeting of `body` it will be due at: the due rule itself
    (ind.due_meeting), counting from the start of the expected day, as a first seen that day."""
    if not expected:
        return {}
    rows = conn.execute(
        """
        SELECT e.indicator_id, ind.due_meeting(e.available, ?, ind.turn_namnd(i.niva, i.namnd), i.malomrade)
        FROM (SELECT unnest(?::VARCHAR[]) AS indicator_id, unnest(?::TIMESTAMPTZ[]) AS available) e
        JOIN cfg.indicators i USING (indicator_id)
        """,
        [body, [e.indicator_id for e in expected], [clock.day_start(e.expected) for e in expected]],
    ).fetchall()
    return dict(rows)


def forecast(conn: duckdb.DuckDBPyConnection, as_of: date, meetings: int = 10) -> pd.DataFrame:
    """Per meeting of the next `meetings`: the indicators due there, with the reason."""
    upcoming = conn.execute("SELECT meeting_date, paper_deadline FROM ind.meetings "
                            "WHERE body = 'KF' AND meeting_date >= ? ORDER BY 1 LIMIT ?", [as_of, meetings]).fetchall()
    rolling = bool(conn.execute("SELECT ind.kf_rolling()").fetchone()[0])
    columns = ["meeting_date", "paper_deadline", "namnd", "malomrade", "indicator_id", "name", "kind", "period", "why"]
    if not upcoming:
        return pd.DataFrame(columns=columns)
    deadlines = dict(upcoming)
    info = {r[0]: r[1:] for r in conn.execute(
        "SELECT indicator_id, namnd, malomrade, name, niva FROM cfg.indicators").fetchall()}
    rows = []
    due = conn.execute("SELECT indicator_id, period, reason, pending_since, due_meeting, rolling_turn "
                       "FROM ind.kf_due_asof(?)", [as_of]).fetchall()
    for indicator_id, period, reason, pending_since, due_meeting, rolling_turn in due:
        if due_meeting is None:
            continue  # after the last meeting in the calendar
        meeting = max(due_meeting, upcoming[0][0])  # an overdue one goes to the next meeting
        if meeting not in deadlines:
            continue
        namnd, malomrade, name, _ = info[indicator_id]
        since = pending_since.astimezone(STOCKHOLM).date()
        why = f"{reason} ({period}), tillgängligt {since}" + (f"; {namnd}s välfärdstur" if rolling_turn else "")
        if meeting != due_meeting:
            why += f"; försenat, skulle ha redovisats vid KF {due_meeting}"
        rows.append((meeting, deadlines[meeting], namnd, malomrade, indicator_id, name, "finns nu", period, why))
    expected = expected_publications(conn, as_of)
    at_meeting = due_meetings(conn, expected)
    for e in expected:
        namnd, malomrade, name, niva = info[e.indicator_id]
        meeting = at_meeting.get(e.indicator_id)
        if meeting not in deadlines:
            continue
        why = f"{e.period} väntas {e.expected}: {e.basis}" + (
            f"; {namnd}s välfärdstur" if rolling and malomrade == "Välfärd" and niva == "nämnd" else "")
        rows.append((meeting, deadlines[meeting], namnd, malomrade, e.indicator_id, name, "väntas", e.period, why))
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["meeting_date", "kind", "namnd", "indicator_id"]).reset_index(drop=True)
