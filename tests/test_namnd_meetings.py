"""The nämnder's own meetings on the one due rule (ind.due_asof parametrised by the body that
meets), their report log beside KF's, and the uppdrag follow-up: late delrapporter, the change
since an uppdrag started, and the flags. Constructed observations and dates, the bundled
nämnd calendars (indicator_catalog/namnder/*.yaml)."""

from datetime import date, datetime, timedelta

import pytest

from sources import clock
from tests.conftest import PLAIN, SOCIAL, observe
from warehouse.meetings.log import ReportingError, mark_reported, reported_at
from warehouse.meetings.uppdrag import record_uppdrag_report

# Socialnämnden's bundled plan: 2026-02-18 (papers 2026-02-06), 2026-03-18 (papers 2026-03-06), …
SN_FEB, SN_FEB_PAPERS, SN_MAR = date(2026, 2, 18), date(2026, 2, 6), date(2026, 3, 18)
EVENING = timedelta(hours=18)


def due(conn, as_of, body):
    return {r[0]: r[1] for r in conn.execute("SELECT indicator_id, due_meeting FROM ind.due_asof(?, ?)",
                                             [as_of, body]).fetchall()}


def test_a_nämnd_follows_all_its_indicators_kf_only_its_indikator_kf_ones(conn):
    # Personalomsättning is Socialnämnden's, not Indikator KF: due at the nämnd, not at KF.
    conn.execute("UPDATE cfg.indicators SET indikator_kf = false WHERE indicator_id = ?", [PLAIN[0]])
    observe(conn, PLAIN[1], 2023, 8.0, "2026-02-05")
    assert due(conn, "2026-02-05", SOCIAL) == {PLAIN[0]: SN_FEB}
    assert due(conn, "2026-02-05", "KF") == {}
    assert due(conn, "2026-02-05", "Barn- och utbildningsnämnden") == {}


@pytest.mark.parametrize("seen, meeting", [
    ("2026-02-05", SN_FEB),   # the day before the nämnd's paper deadline: that meeting
    ("2026-02-06", SN_MAR),   # on the deadline day: the next
])
def test_the_same_deadline_rule_at_the_nämnd(conn, seen, meeting):
    observe(conn, PLAIN[1], 2023, 8.0, seen)
    assert due(conn, seen, SOCIAL)[PLAIN[0]] == meeting
    # KF's list keeps KF's own calendar for the same value.
    kf = due(conn, seen, "KF")[PLAIN[0]]
    assert kf == conn.execute("SELECT min(meeting_date) FROM cfg.kf_meetings WHERE paper_deadline > ?",
                              [seen]).fetchall()[0][0]


def test_välfärd_takes_no_turn_at_the_nämnd(conn):
    # Öppen arbetslöshet (Välfärd, BUN) waits for BUN's välfärd turn at KF, not at BUN's meetings.
    conn.execute("UPDATE cfg.indicators SET series = ? WHERE indicator_id = 'oppen_arbetsloshet'", [PLAIN[1]])
    conn.execute("UPDATE cfg.indicators SET series = 'N00000' WHERE indicator_id = ?", [PLAIN[0]])
    observe(conn, PLAIN[1], 2023, 3.5, "2026-02-01")
    bun_first = conn.execute("SELECT min(meeting_date) FROM cfg.namnd_meetings WHERE namnd = "
                             "'Barn- och utbildningsnämnden' AND paper_deadline > DATE '2026-02-01'").fetchall()[0][0]
    assert due(conn, "2026-02-01", "Barn- och utbildningsnämnden")["oppen_arbetsloshet"] == bun_first


def test_marking_a_nämnd_meeting_leaves_the_kf_list_alone(conn):
    observe(conn, PLAIN[1], 2023, 8.0, "2026-02-01")
    kf_before = due(conn, "2026-02-01", "KF")
    n = mark_reported(conn, SN_FEB, body=SOCIAL, reported_by="test", now=clock.day_start(SN_FEB) + EVENING)
    assert n == 1
    assert due(conn, SN_FEB, SOCIAL) == {}                 # reported at the nämnd
    assert due(conn, SN_FEB, "KF") == kf_before            # still due at KF
    assert reported_at(conn, SN_FEB, SOCIAL)["indicator_id"].tolist() == [PLAIN[0]]
    assert conn.execute("SELECT body FROM rep.report_log").fetchall() == [(SOCIAL,)]
    # A nämnd can meet on a KF day: the key includes the body, so both can be logged.
    with pytest.raises(ReportingError, match="inget sammanträde för Socialnämnden"):
        mark_reported(conn, date(2026, 2, 19), body=SOCIAL, now=clock.day_start(SN_FEB) + EVENING)
    with pytest.raises(ReportingError, match="först när handlingsstoppet 2026-02-06"):
        mark_reported(conn, SN_FEB, body=SOCIAL, now=clock.day_start(SN_FEB_PAPERS) - EVENING)


def rapporter(conn, as_of, uppdrag):
    return [(r[0], r[1]) for r in conn.execute(
        "SELECT planerat_mote, lage FROM ind.uppdrag_rapporter_asof(?) WHERE uppdrag_id = ? ORDER BY nr",
        [as_of, uppdrag]).fetchall()]


def test_delrapporter_given_late_and_missed(conn):
    u = "sn_behalla_medarbetare"   # delrapport 2026-09-16, slutrapport 2027-05-19
    assert rapporter(conn, "2026-09-16", u) == [(date(2026, 9, 16), "kommande"), (date(2027, 5, 19), "kommande")]
    assert rapporter(conn, "2026-09-17", u)[0][1] == "sen"   # the meeting passed without it
    flags = conn.execute("SELECT text FROM ind.uppdrag_flaggor_asof('2026-09-17') WHERE flagga = 'delrapport sen' "
                         "AND uppdrag_id = ?", [u]).fetchall()
    assert flags == [("Behålla medarbetare i hemtjänsten: delrapport 1 skulle ha lämnats 2026-09-16",)]
    # Presented a meeting later: given, late; the slutrapport is not fulfilled by it.
    assert record_uppdrag_report(conn, u, date(2026, 10, 21), reported_by="test",
                                 now=datetime(2026, 10, 21, 18, tzinfo=clock.STOCKHOLM)) == 1
    assert record_uppdrag_report(conn, u, date(2026, 10, 21), now=datetime(2026, 10, 22, tzinfo=clock.STOCKHOLM)) == 0
    assert rapporter(conn, "2026-10-22", u) == [(date(2026, 9, 16), "given sent"), (date(2027, 5, 19), "kommande")]
    # Point in time: before the report was logged, the list as of then still says late.
    assert rapporter(conn, "2026-10-20", u)[0][1] == "sen"


def test_recording_a_report_checks_the_uppdrag_and_its_nämnds_meeting(conn):
    now = datetime(2026, 12, 1, tzinfo=clock.STOCKHOLM)
    with pytest.raises(ReportingError, match="okänt uppdrag 'sn_okant'.*sn_behalla_medarbetare"):
        record_uppdrag_report(conn, "sn_okant", SN_FEB, now=now)
    with pytest.raises(ReportingError, match="2026-02-17 är inget sammanträde för Socialnämnden"):
        record_uppdrag_report(conn, "sn_behalla_medarbetare", date(2026, 2, 17), now=now)  # BUN's day
    with pytest.raises(ReportingError, match="först när handlingsstoppet 2026-11-27"):
        record_uppdrag_report(conn, "sn_behalla_medarbetare", date(2026, 12, 9),
                              now=datetime(2026, 11, 26, 18, tzinfo=clock.STOCKHOLM))


def linked(conn, as_of, uppdrag):
    return conn.execute("SELECT indicator_id, status, start_period, change_since_start, trend_since_start, "
                        "ny_sedan_start FROM ind.uppdrag_indikatorer_asof(?) WHERE uppdrag_id = ?",
                        [as_of, uppdrag]).fetchall()


def test_the_change_since_the_uppdrag_started_in_the_indicators_direction(conn):
    # ktn_nya_foretag starts 2026-01-01 and follows Nystartade arbetsställen (higher is better).
    kpi = conn.execute("SELECT series FROM cfg.indicators WHERE indicator_id = 'nystartade_arbetsstallen'").fetchall()[0][0]
    observe(conn, kpi, 2024, 14.0, "2025-04-01")
    observe(conn, kpi, 2025, 13.0, "2025-12-01")
    # No period newer than the start yet: no change to show.
    (row,) = [r for r in linked(conn, "2026-02-01", "ktn_nya_foretag") if r[0] == "nystartade_arbetsstallen"]
    assert row[2] == "2025" and row[3] is None and row[4] is None and row[5] is False
    observe(conn, kpi, 2026, 15.5, "2027-03-01")
    (row,) = [r for r in linked(conn, "2027-03-01", "ktn_nya_foretag") if r[0] == "nystartade_arbetsstallen"]
    assert row[1] == "uppnått" and row[2] == "2025" and row[3] == pytest.approx(2.5) and row[4] == "bättre"


def test_flags_candidate_to_close_and_below_target_without_uppdrag(conn):
    kpi = conn.execute("SELECT series FROM cfg.indicators WHERE indicator_id = 'nystartade_arbetsstallen'").fetchall()[0][0]
    other = conn.execute("SELECT series FROM cfg.indicators WHERE indicator_id = 'forsaljningsindex_detaljhandel'").fetchall()[0][0]
    observe(conn, kpi, 2026, 15.5, "2027-03-01")
    observe(conn, other, 2026, 40, "2027-03-01")     # below 50, but followed by ktn_nya_foretag
    observe(conn, PLAIN[1], 2026, 1.0, "2027-03-01")  # Gästnätter far below 8: no uppdrag follows it
    flags = conn.execute("SELECT flagga, coalesce(uppdrag_id, indicator_id) FROM ind.uppdrag_flaggor_asof('2027-03-01') "
                         "WHERE flagga <> 'delrapport sen'").fetchall()
    assert flags == [("ej uppnått utan uppdrag", "gastnatter")]
    observe(conn, other, 2026, 55, "2027-03-02")      # now both of its indicators reach their targets
    flags = conn.execute("SELECT flagga, coalesce(uppdrag_id, indicator_id) FROM ind.uppdrag_flaggor_asof('2027-03-02') "
                         "WHERE flagga <> 'delrapport sen' ORDER BY 1").fetchall()
    assert flags == [("ej uppnått utan uppdrag", "gastnatter"), ("kandidat att avsluta", "ktn_nya_foretag")]


def test_every_nämnds_list_at_once_is_each_nämnds_own(conn):
    observe(conn, PLAIN[1], 2023, 8.0, "2026-02-01")
    observe(conn, "N03937", 2023, 3.5, "2026-02-01")  # Öppen arbetslöshet, Barn- och utbildningsnämnden
    mark_reported(conn, SN_FEB, body=SOCIAL, now=clock.day_start(SN_FEB) + EVENING)
    observe(conn, PLAIN[1], 2024, 8.2, "2026-02-20")
    cols = "body, indicator_id, due_meeting, reason, at_next_meeting"
    together = conn.execute(f"SELECT {cols} FROM ind.due_asof('2026-02-20', '*') ORDER BY 1, 2").fetchall()
    one_by_one = sorted(r for (n,) in conn.execute("SELECT DISTINCT namnd FROM cfg.namnd_meetings").fetchall()
                        for r in conn.execute(f"SELECT {cols} FROM ind.due_asof('2026-02-20', ?)", [n]).fetchall())
    assert together == one_by_one and {r[0] for r in together} == {SOCIAL, "Barn- och utbildningsnämnden"}
    assert (SOCIAL, PLAIN[0], SN_MAR, "ny period", True) in together


def test_a_year_to_date_series_is_followed_from_the_same_month_before_the_start(conn):
    # ktn_investeringstakt starts 2026-01-01 and follows Upparbetade investeringar hittills i år:
    # April 2026 (30 %) against April 2025 (20 %), never against December 2025's full year (88 %).
    from tests.test_warehouse_status import file_obs

    for period, value in (("2025M04", 20.0), ("2025M12", 88.0), ("2026M04", 30.0)):
        file_obs(conn, "ekonomi", "upparbetade_investeringar_andel", period, value, seen="2026-05-10")
    (row,) = linked(conn, "2026-05-10", "ktn_investeringstakt")
    assert row[2:5] == ("2025M04", pytest.approx(10.0), "bättre")


def test_a_report_before_the_uppdrag_started_or_beyond_its_tidplan_is_refused(conn):
    u, evening = "sn_behalla_medarbetare", lambda d: clock.day_start(d) + EVENING  # start 2026-03-01, 2 items
    with pytest.raises(ReportingError, match="startar 2026-03-01"):
        record_uppdrag_report(conn, u, SN_FEB, now=evening(SN_FEB))
    assert record_uppdrag_report(conn, u, date(2026, 9, 16), now=evening(date(2026, 9, 16))) == 1
    assert record_uppdrag_report(conn, u, date(2026, 10, 21), now=evening(date(2026, 10, 21))) == 1
    assert record_uppdrag_report(conn, u, date(2026, 10, 21), now=evening(date(2026, 10, 21))) == 0  # again: nothing new
    with pytest.raises(ReportingError, match="alla 2 rapporter i tidplanen är redan registrerade"):
        record_uppdrag_report(conn, u, date(2026, 11, 18), now=evening(date(2026, 11, 18)))


def test_a_finished_uppdrag_no_longer_covers_its_indicators_flags(conn):
    # Gästnätter below target, followed by an uppdrag whose slutrapport has been given: flagged again.
    conn.execute("INSERT INTO cfg.uppdrag_indikatorer VALUES ('sn_samlokalisering', ?, false)", [PLAIN[0]])
    observe(conn, PLAIN[1], 2026, 1.0, "2027-05-01")
    flagged = "SELECT count(*) FROM ind.uppdrag_flaggor_asof(?) WHERE flagga = 'ej uppnått utan uppdrag' AND indicator_id = ?"
    assert conn.execute(flagged, ["2027-05-01", PLAIN[0]]).fetchall()[0][0] == 0
    for day in (date(2026, 12, 9), date(2027, 4, 21)):  # delrapport, then the slutrapport
        record_uppdrag_report(conn, "sn_samlokalisering", day, now=clock.day_start(day) + EVENING)
    assert conn.execute(flagged, ["2027-05-01", PLAIN[0]]).fetchall()[0][0] == 1


def test_kf_and_a_nämnd_meeting_the_same_day_keep_their_logs_apart(conn):
    conn.execute("UPDATE cfg.indicators SET indikator_kf = true WHERE indicator_id = ?", [PLAIN[0]])
    conn.execute("INSERT INTO cfg.kf_meetings VALUES (?, ?, NULL)", [SN_FEB, SN_FEB_PAPERS])
    observe(conn, PLAIN[1], 2023, 8.0, "2026-02-01")
    assert due(conn, "2026-02-01", SOCIAL) == {PLAIN[0]: SN_FEB} and due(conn, "2026-02-01", "KF")[PLAIN[0]] == SN_FEB
    assert mark_reported(conn, SN_FEB, body=SOCIAL, now=clock.day_start(SN_FEB) + EVENING) == 1
    assert PLAIN[0] in due(conn, SN_FEB, "KF")           # KF has not had it yet
    assert mark_reported(conn, SN_FEB, now=clock.day_start(SN_FEB) + EVENING) == 1
    assert sorted(conn.execute("SELECT body FROM rep.report_log").fetchall()) == [("KF",), (SOCIAL,)]
