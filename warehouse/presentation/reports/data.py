"""What a meeting's report shows, KF's or a nämnd's, read from the warehouse as of the meeting's
paper deadline.

The rows are the indicators due at the meeting (ind.due_asof for the body that meets), with the
value the papers could show: the newest value that became available before the paper deadline,
by the due rule's availability (ind.papers, ind.papers_status), its status against önskat värde, and, separately, the comparison group's mean for the same
period (Kolada's "liknande kommuner" group in settings.yaml). The two are never mixed: status
is about the kommun's own target; the comparison says where the kommun stands among its peers.
A nämnd's report also carries its uppdrag with their follow-up as of the paper deadline
(warehouse/meetings/uppdrag.sql).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb
import pandas as pd

from sources import clock
from sources.http import http_mode
from warehouse.indicators.lookup import resolve_one
from warehouse.meetings.log import KF, paper_deadline
from warehouse.meetings.uppdrag import uppfoljning


def replay_mode() -> bool:
    """Whether this process reads the bundled recordings (MALSTYRNING_HTTP_MODE=replay, the
    default): a report written then says its figures are not current."""
    return http_mode() == "replay"

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
    replay: bool = False  # figures from the bundled recordings, not the sources now
    max_perioder: int = 2  # settings.yaml aktualitet: when a value is flagged as old
    max_manader: int = 30
    body: str = KF            # 'KF' or the nämnd whose meeting it is
    uppdrag: dict[str, pd.DataFrame] = field(default_factory=dict)  # a nämnd's: uppfoljning() frames
    # A nämnd follows all its indicators during the year: its report also lists each one's
    # status as the papers can show it, new data or not.
    overview: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def organ(self) -> str:
        return "Kommunfullmäktige" if self.body == KF else self.body

    @property
    def targets_example(self) -> bool:
        return any(bool(i.row.get("onskat_exempel")) for i in self.indicators)


def _peer_members(conn) -> tuple[str | None, list[str]]:
    rows = conn.execute(
        "SELECT any_value(m.group_title), list(m.member_id ORDER BY m.member_id) "
        "FROM raw.kolada_municipality_group_members m JOIN cfg.settings s ON m.group_id = s.jamforelsegrupp"
    ).fetchone()
    return (rows[0], rows[1] or []) if rows else (None, [])


def indicator_series(conn: duckdb.DuckDBPyConnection, row: dict, members: list[str], known_before,
                     available_before=None) -> pd.DataFrame:
    """The kommun's series of the indicator's kind of period (years, or months, …) with the
    comparison group's mean and how many members have each period: period, period_end, value,
    peer_mean, peer_n. As known before `known_before` (a timestamp or 'infinity') and, when
    given, available before `available_before` (a meeting's papers)."""
    return conn.execute(
        """
        WITH peers AS (
            SELECT p.period, avg(p.value) AS peer_mean, count(*) AS peer_n
            FROM stg.observations_asof(CAST(? AS TIMESTAMPTZ), available_before := CAST(? AS TIMESTAMPTZ)) p
            WHERE p.source = ? AND p.series = ? AND p.breakdown = ? AND p.region <> ?
              AND p.region IN (SELECT unnest(?::VARCHAR[])) AND p.value IS NOT NULL
            GROUP BY p.period)
        SELECT o.period, o.period_end, o.value, peers.peer_mean, coalesce(peers.peer_n, 0) AS peer_n
        FROM stg.observations_asof(CAST(? AS TIMESTAMPTZ), available_before := CAST(? AS TIMESTAMPTZ)) o
        LEFT JOIN peers USING (period)
        WHERE o.source = ? AND o.series = ? AND o.breakdown = ? AND o.region = ? AND o.value IS NOT NULL
          AND length(o.period) = length(?)
        ORDER BY o.period_end, o.period
        """,
        [known_before, available_before, row["source"], row["series"], row["breakdown"], row["region"], members,
         known_before, available_before, row["source"], row["series"], row["breakdown"], row["region"],
         row["period"]],
    ).df()


def meeting_report(conn: duckdb.DuckDBPyConnection, meeting: date, namnd: str | None = None,
                   body: str = KF) -> MeetingReport:
    deadline = paper_deadline(conn, meeting, body)
    namnd = resolve_one(conn, "namnd", namnd) if namnd else None
    kommun, kommun_namn = conn.execute("SELECT kommun, kommun_namn FROM cfg.settings").fetchone()
    group_title, members = _peer_members(conn)
    max_perioder, max_manader = conn.execute("SELECT max_perioder_efter, max_alder_manader FROM cfg.settings").fetchone()
    report = MeetingReport(meeting, deadline, kommun, kommun_namn, group_title, namnd,
                           replay=replay_mode(), max_perioder=max_perioder, max_manader=max_manader, body=body)
    # Exactly the rows of ind.kf_papers, which is what mark-reported logs: the document and
    # the report log cannot disagree. Status and the governance columns come from the status
    # as of the paper deadline, i.e. for the same value.
    rows = conn.execute(
        """
        SELECT s.*, d.reason, d.rolling_turn, d.due_meeting,
               c.group_mean AS peer_mean, c.group_n AS peer_n, c.group_size AS peer_total,
               c.group_position AS peer_position, c.rank, c.ranked_of,
               -- the warning beside an old aktuellt värde (warehouse/indicators/status.sql)
               ind.stale_reason(ind.periods_behind(s.source, s.series, s.breakdown, s.period_end, length(s.period),
                                                   ind.stockholm_day_start(?)), s.period_end, ?) AS stale,
               k.kommentar, k.forfattare
        FROM ind.papers(?, of_body := ?) p
        JOIN ind.due_asof(CAST(? AS DATE) - 1, ?) d USING (indicator_id)
        JOIN ind.papers_status(?, of_body := ?) s USING (indicator_id)
        -- The comparison with the group, as in the status view (warehouse/indicators/peers.sql), for
        -- the values the papers show.
        LEFT JOIN ind.peer_comparison_asof(ind.stockholm_day_start(?),
                                           available_before := ind.stockholm_day_start(?)) c USING (indicator_id)
        -- the comment on the value shown, as written by the end of the paper deadline day
        LEFT JOIN ind.kommentarer_asof(ind.stockholm_day_start(CAST(? AS DATE) + 1)) k
            ON k.indicator_id = s.indicator_id AND k.period = s.period
        WHERE ? IS NULL OR s.namnd = ?
        ORDER BY s.namnd, s.malomrade, s.indicator_id
        """,
        [meeting, deadline, meeting, body, meeting, body, meeting, body, meeting, deadline, deadline, namnd, namnd],
    ).df()
    for row in rows.to_dict("records"):
        series = indicator_series(conn, row, members, clock.day_start(meeting), clock.day_start(deadline))
        report.indicators.append(IndicatorReport(row, series, SOURCE_NAMES.get(row["source"], row["source"])))
    report.revisions = conn.execute(
        "SELECT * FROM ind.revisions_asof(?, ?) WHERE ? IS NULL OR namnd = ?", [deadline, body, namnd, namnd]).df()
    if body != KF:
        # The uppdrag as the papers can show them: reports given by the deadline, values by the
        # papers' rule (the same as the indicator tables beside them).
        report.uppdrag = uppfoljning(conn, deadline, body, known_before=clock.day_start(meeting),
                                     available_before=clock.day_start(deadline))
        report.overview = conn.execute(
            "SELECT * FROM ind.papers_status(?, of_body := ?) WHERE namnd = ? AND niva = 'nämnd' "
            "ORDER BY malomrade, indicator_id", [meeting, body, body]).df()
    return report
