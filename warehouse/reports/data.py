"""What a KF meeting's report shows, read from the warehouse as of the meeting's paper deadline.

The rows are the indicators due at the meeting (ind.kf_due_asof), with the value the papers
could show: the newest value first seen before the paper deadline (ind.kf_papers), its status
against önskat värde at that time, and, separately, the comparison group's mean for the same
period (Kolada's "liknande kommuner" group in settings.yaml). The two are never mixed: status
is about the kommun's own target; the comparison says where the kommun stands among its peers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb
import pandas as pd

SOURCE_NAMES = {"kolada": "Kolada", "scb": "SCB", "arbetsformedlingen": "Arbetsförmedlingen",
                "ekonomi": "kommunens ekonomisystem", "hr": "kommunens HR-system"}


@dataclass
class IndicatorReport:
    row: dict                 # the governance row and the value's provenance
    series: pd.DataFrame      # period, period_end, value (the kommun), peer_mean
    source_name: str


@dataclass
class MeetingReport:
    meeting: date
    paper_deadline: date
    kommun: str
    kommun_namn: str
    group_title: str | None
    namnd: str | None
    indicators: list[IndicatorReport] = field(default_factory=list)
    revisions: pd.DataFrame = field(default_factory=pd.DataFrame)


def _peer_members(conn) -> tuple[str | None, list[str]]:
    rows = conn.execute(
        "SELECT any_value(m.group_title), list(m.member_id ORDER BY m.member_id) "
        "FROM raw.kolada_municipality_group_members m JOIN cfg.settings s ON m.group_id = s.jamforelsegrupp"
    ).fetchone()
    return (rows[0], rows[1] or []) if rows else (None, [])


def _position(value, peer_mean, direction) -> str:
    if value is None or peer_mean is None or pd.isna(peer_mean) or direction not in ("higher", "lower"):
        return ""
    if abs(value - peer_mean) < 1e-9:
        return "som snittet"
    better = (value > peer_mean) == (direction == "higher")
    return "bättre än snittet" if better else "sämre än snittet"


def meeting_report(conn: duckdb.DuckDBPyConnection, meeting: date, namnd: str | None = None) -> MeetingReport:
    found = conn.execute("SELECT paper_deadline FROM cfg.kf_meetings WHERE meeting_date = ?", [meeting]).fetchone()
    if not found:
        raise ValueError(f"{meeting} är inget KF-sammanträde i kalendern (cfg.kf_meetings)")
    deadline = found[0]
    kommun, kommun_namn = conn.execute("SELECT kommun, kommun_namn FROM cfg.settings").fetchone()
    group_title, members = _peer_members(conn)
    report = MeetingReport(meeting, deadline, kommun, kommun_namn, group_title, namnd)
    # The rule of ind.kf_papers (what mark-reported logs), evaluated the day before the
    # meeting so that the meeting's own report does not count: the document comes out the
    # same before and after the meeting is marked reported.
    rows = conn.execute(
        """
        SELECT s.*, d.reason, d.rolling_turn, d.due_meeting
        FROM ind.kf_due_asof(CAST(? AS DATE) - 1) d
        JOIN ind.indicator_status_asof(ind.stockholm_day_start(?)) s USING (indicator_id)
        WHERE d.due_meeting <= ? AND s.aktuellt_varde IS NOT NULL AND (? IS NULL OR s.namnd = ?)
          AND NOT EXISTS (SELECT 1 FROM rep.report_log r
                          WHERE r.indicator_id = s.indicator_id AND r.meeting_date < ?
                            AND r.period = s.period AND r.vintage = s.vintage)
        ORDER BY s.namnd, s.malomrade, s.indicator_id
        """,
        [meeting, deadline, meeting, namnd, namnd, meeting],
    ).df()
    for row in rows.to_dict("records"):
        series = conn.execute(
            """
            SELECT o.period, o.period_end, o.value,
                   (SELECT avg(p.value) FROM stg.observations_asof(ind.stockholm_day_start(?)) p
                    WHERE p.source = o.source AND p.series = o.series AND p.breakdown = o.breakdown
                      AND p.period = o.period AND p.region IN (SELECT unnest(?::VARCHAR[]))
                      AND p.region <> o.region AND p.value IS NOT NULL) AS peer_mean
            FROM stg.observations_asof(ind.stockholm_day_start(?)) o
            WHERE o.source = ? AND o.series = ? AND o.breakdown = ? AND o.region = ? AND o.value IS NOT NULL
              AND length(o.period) = length(?)
            ORDER BY o.period_end, o.period
            """,
            [deadline, members, deadline, row["source"], row["series"], row["breakdown"], row["region"], row["period"]],
        ).df()
        current = series[series.period == row["period"]]
        row["peer_mean"] = current.peer_mean.iloc[0] if len(current) else None
        row["peer_position"] = _position(row["aktuellt_varde"], row["peer_mean"], row["direction"])
        report.indicators.append(IndicatorReport(row, series, SOURCE_NAMES.get(row["source"], row["source"])))
    report.revisions = conn.execute(
        "SELECT * FROM ind.kf_revisions_asof(?) WHERE ? IS NULL OR namnd = ?", [deadline, namnd, namnd]).df()
    return report
