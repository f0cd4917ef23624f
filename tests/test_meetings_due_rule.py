"""The one due rule (ind.due_meeting in warehouse/meetings/due.sql) at its edges, and the due
list on the warehouse's clock (ind.today())."""

from datetime import date, datetime, timedelta

import pytest

from sources import clock
from tests.conftest import BUN, PLAIN, SOCIAL, VALFARD, observe
from warehouse.core import db
from warehouse.meetings.forecast import Expected, due_meetings


def rule(conn, available: datetime, namnd: str, malomrade: str, body: str = "KF"):
    return conn.execute("SELECT ind.due_meeting(?, ?, ?, ?)", [available, body, namnd, malomrade]).fetchall()[0][0]


@pytest.mark.parametrize("available, expected", [
    # the deadline of 30 March is 13 March: available before that day starts → that meeting
    (datetime(2026, 3, 12, 23, 59, 59, tzinfo=clock.STOCKHOLM), date(2026, 3, 30)),
    # exactly when the deadline day starts, or later that day → the next meeting
    (datetime(2026, 3, 13, 0, 0, tzinfo=clock.STOCKHOLM), date(2026, 4, 27)),
    (datetime(2026, 3, 13, 23, 0, tzinfo=clock.STOCKHOLM), date(2026, 4, 27)),
    # after the last deadline of the calendar: no meeting
    (datetime(2026, 5, 29, 0, 0, tzinfo=clock.STOCKHOLM), None),
])
def test_the_first_meeting_whose_deadline_day_starts_after_the_value(rolling, available, expected):
    assert rule(rolling, available, SOCIAL, "Attraktion") == expected


def test_at_kf_under_the_rolling_schedule_valfard_waits_for_its_namnds_turn(rolling):
    early = datetime(2026, 1, 1, tzinfo=clock.STOCKHOLM)
    assert rule(rolling, early, SOCIAL, "Välfärd") == date(2026, 4, 27)
    assert rule(rolling, early, BUN, "Välfärd") == date(2026, 3, 30)
    assert rule(rolling, early, BUN, "Företagsklimat") == date(2026, 3, 30)
    # without the rolling schedule the turn does not matter
    rolling.execute("UPDATE cfg.kf_calendar SET rolling = false")
    rolling.execute("INSERT INTO cfg.kf_calendar SELECT false WHERE NOT EXISTS (SELECT 1 FROM cfg.kf_calendar)")
    assert rule(rolling, early, SOCIAL, "Välfärd") == date(2026, 3, 30)


def test_a_body_without_meetings_has_no_due_meeting(rolling):
    assert rule(rolling, datetime(2026, 1, 1, tzinfo=clock.STOCKHOLM), SOCIAL, "Attraktion", body="Valnämnden") is None


def test_the_forecast_places_an_expected_day_by_the_same_rule_as_the_due_list(rolling):
    # A value first seen on the day before a deadline is due at that meeting; on the deadline
    # day, at the next: the forecast's expected day gives the same meeting as a value seen then.
    for seen in ("2026-03-12", "2026-03-13", "2026-04-09", "2026-04-10"):
        expected = [Expected(PLAIN[0], "2023", date.fromisoformat(seen), "test")]
        placed = due_meetings(rolling, expected)[PLAIN[0]]
        rolling.execute("DELETE FROM stg.kolada_observations")
        observe(rolling, PLAIN[1], 2023, 8.0, seen)
        listed = rolling.execute("SELECT due_meeting FROM ind.kf_due_asof(?) WHERE indicator_id = ?",
                                 [date.fromisoformat(seen), PLAIN[0]]).fetchall()[0][0]
        assert placed == listed, seen


def test_the_due_list_view_uses_the_fixed_clock(conn):
    # conftest fixes the clock at 2026-11-25; the real day is another
    assert conn.execute("SELECT ind.today()").fetchall()[0][0] == clock.today() == date(2026, 11, 25)
    observe(conn, VALFARD[1], 2022, 4.0, "2026-11-20")
    view = conn.execute("SELECT indicator_id, due_meeting, next_meeting FROM ind.kf_due_list ORDER BY 1").fetchall()
    asof = conn.execute("SELECT indicator_id, due_meeting, next_meeting FROM ind.kf_due_asof(DATE '2026-11-25') "
                        "ORDER BY 1").fetchall()
    later = conn.execute("SELECT indicator_id, due_meeting, next_meeting FROM ind.kf_due_asof(DATE '2027-12-31') "
                         "ORDER BY 1").fetchall()
    assert view == asof and view and view != later


def test_without_a_fixed_clock_the_due_list_follows_stockholms_day(conn, monkeypatch):
    monkeypatch.delenv(clock.NOW_ENV)
    db.define_today(conn)
    today = conn.execute("SELECT ind.today()").fetchall()[0][0]
    assert today in {clock.today(), clock.today() - timedelta(days=1)}  # a midnight between the two calls
    assert today != date(2026, 11, 25) or clock.today() == date(2026, 11, 25)
