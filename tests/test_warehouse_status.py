"""Status against önskat värde, and the KF due rule, on a real DuckDB."""

from datetime import date

import pandas as pd
import pytest

from sources.jsonstat import period_bounds
from tests.conftest import at, observe
from warehouse.core.db import one
from warehouse.meetings.log import ReportingError, due_list, mark_reported, reported_at

# A small test calendar, so the rules are tested independently of the bundled example.
MEETINGS = [("2026-03-30", "2026-03-13"), ("2026-04-27", "2026-04-10"), ("2026-06-15", "2026-05-29")]


@pytest.fixture
def wh(conn):
    conn.execute("DELETE FROM cfg.kf_meetings")
    conn.executemany("INSERT INTO cfg.kf_meetings VALUES (CAST(? AS DATE), CAST(? AS DATE), NULL)", MEETINGS)
    return conn


def target(conn, indicator_id):
    return one(conn, "SELECT series, onskat_varde, tolerance FROM cfg.indicators WHERE indicator_id = ?", [indicator_id])


def status(conn, indicator_id):
    return one(conn, "SELECT status, aktuellt_varde, period FROM ind.indicator_status WHERE indicator_id = ?", [indicator_id])


def due(conn, as_of):
    frame = due_list(conn, date.fromisoformat(as_of))
    return {r.indicator_id: r for r in frame.itertuples()}


def test_no_data_is_ingen_data(wh):
    rows = wh.execute("SELECT status, aktuellt_varde FROM ind.indicator_status").fetchall()
    assert len(rows) == 12
    assert all(s == "ingen data" and v is None for s, v in rows)
    assert due_list(wh, date(2026, 3, 1)).empty


@pytest.mark.parametrize(
    "offset_in_tolerances, expected",
    [(0, "uppnått"), (0.5, "uppnått"), (-0.5, "nära"), (-1, "nära"), (-1.5, "ej uppnått")],
)
def test_higher_is_better(wh, offset_in_tolerances, expected):
    series, goal, tol = target(wh, "gastnatter")
    observe(wh, series, 2022, goal + offset_in_tolerances * tol, "2026-03-01")
    assert status(wh, "gastnatter")[0] == expected


@pytest.mark.parametrize(
    "offset_in_tolerances, expected",
    [(0, "uppnått"), (-2, "uppnått"), (0.5, "nära"), (1, "nära"), (1.5, "ej uppnått")],
)
def test_lower_is_better(wh, offset_in_tolerances, expected):
    series, goal, tol = target(wh, "oppen_arbetsloshet")
    observe(wh, series, 2022, goal + offset_in_tolerances * tol, "2026-03-01")
    assert status(wh, "oppen_arbetsloshet")[0] == expected


def test_exactly_on_target_despite_float_noise(wh):
    series, goal, _ = target(wh, "nystartade_arbetsstallen")
    observe(wh, series, 2022, goal * 3 / 3 - 1e-12, "2026-03-01")
    assert status(wh, "nystartade_arbetsstallen")[0] == "uppnått"


def test_latest_period_and_change_since_previous(wh):
    series, goal, _ = target(wh, "gastnatter")
    observe(wh, series, 2021, goal - 1, "2026-03-01")
    observe(wh, series, 2022, goal + 1, "2026-03-01")
    row = one(wh, "SELECT period, aktuellt_varde, prev_period, change, trend FROM ind.indicator_status WHERE indicator_id = 'gastnatter'")
    assert row[0] == "2022" and row[1] == goal + 1 and row[2] == "2021"
    assert row[3] == pytest.approx(2.0) and row[4] == "bättre"


def test_other_regions_do_not_leak_into_the_kommun(wh):
    series, goal, _ = target(wh, "gastnatter")
    observe(wh, series, 2023, goal + 5, "2026-03-01", region="0617")
    assert status(wh, "gastnatter")[0] == "ingen data"


def test_due_at_first_meeting_whose_deadline_is_after_first_seen(wh):
    series, goal, _ = target(wh, "gastnatter")
    observe(wh, series, 2022, goal, "2026-03-12")
    row = due(wh, "2026-03-12")["gastnatter"]
    assert str(row.due_meeting.date()) == "2026-03-30"
    assert row.at_next_meeting and not row.overdue and row.reason == "nytt värde"


@pytest.mark.parametrize("seen", ["2026-03-13", "2026-03-14", "2026-03-29"])
def test_value_seen_on_or_after_the_deadline_waits_for_the_next_meeting(wh, seen):
    series, goal, _ = target(wh, "gastnatter")
    observe(wh, series, 2022, goal, seen)
    row = due(wh, seen)["gastnatter"]
    assert str(row.due_meeting.date()) == "2026-04-27"
    assert not row.at_next_meeting  # the next meeting (30 March) is too early for it


def test_only_indikator_kf_indicators_are_due(wh):
    wh.execute("UPDATE cfg.indicators SET indikator_kf = false WHERE indicator_id = 'gastnatter'")
    series, goal, _ = target(wh, "gastnatter")
    observe(wh, series, 2022, goal, "2026-03-01")
    assert "gastnatter" not in due(wh, "2026-03-01")


def test_unreported_value_stays_due_and_becomes_overdue(wh):
    series, goal, _ = target(wh, "gastnatter")
    observe(wh, series, 2022, goal, "2026-03-01")
    row = due(wh, "2026-04-01")["gastnatter"]
    assert str(row.next_meeting.date()) == "2026-04-27"
    assert row.at_next_meeting and row.overdue


def test_reporting_removes_it_and_the_log_keeps_what_was_shown(wh):
    series, goal, _ = target(wh, "gastnatter")
    observe(wh, series, 2022, goal, "2026-03-01")
    assert mark_reported(wh, date(2026, 3, 30), reported_by="test", now=at("2026-03-30")) == 1
    assert mark_reported(wh, date(2026, 3, 30), reported_by="test", now=at("2026-03-30")) == 0
    assert "gastnatter" not in due(wh, "2026-03-31")
    shown = reported_at(wh, date(2026, 3, 30))
    assert shown[["indicator_id", "period", "value", "vintage"]].values.tolist() == [["gastnatter", "2022", goal, 1]]


def test_revision_after_reporting(wh):
    series, goal, _ = target(wh, "gastnatter")
    observe(wh, series, 2022, goal, "2026-03-01")
    mark_reported(wh, date(2026, 3, 30), now=at("2026-03-30"))
    observe(wh, series, 2022, goal + 0.3, "2026-04-02")  # Kolada revises 2022
    # Not due again by default; the report log still shows what KF saw.
    assert "gastnatter" not in due(wh, "2026-04-03")
    assert reported_at(wh, date(2026, 3, 30))["value"].tolist() == [goal]
    assert status(wh, "gastnatter")[1] == pytest.approx(goal + 0.3)
    # With report_revisions the revision is due, marked as such.
    wh.execute("UPDATE cfg.indicators SET report_revisions = true WHERE indicator_id = 'gastnatter'")
    row = due(wh, "2026-04-03")["gastnatter"]
    assert row.reason == "reviderat värde" and row.vintage == 2
    assert str(row.due_meeting.date()) == "2026-04-27"


def test_new_period_after_reporting_is_due_again(wh):
    series, goal, _ = target(wh, "gastnatter")
    observe(wh, series, 2022, goal, "2026-03-01")
    mark_reported(wh, date(2026, 3, 30), now=at("2026-03-30"))
    observe(wh, series, 2023, goal + 1, "2026-04-15")
    row = due(wh, "2026-04-15")["gastnatter"]
    assert row.reason == "ny period" and row.period == "2023"
    assert str(row.due_meeting.date()) == "2026-06-15"  # deadline 10 April had passed


def test_marking_a_date_that_is_no_meeting_fails(wh):
    with pytest.raises(ReportingError, match="2026-04-01 är inget KF-sammanträde"):
        mark_reported(wh, date(2026, 4, 1))


def test_value_after_the_last_meeting_in_the_calendar_has_no_due_meeting(wh):
    series, goal, _ = target(wh, "gastnatter")
    observe(wh, series, 2022, goal, "2026-07-01")
    row = due(wh, "2026-07-01")["gastnatter"]
    assert row.due_meeting is None or str(row.due_meeting) in ("NaT", "None")


def test_unreported_value_does_not_slip_when_a_newer_period_arrives(wh):
    series, goal, _ = target(wh, "gastnatter")
    observe(wh, series, 2022, goal, "2026-03-01")  # due 30 March, never reported
    observe(wh, series, 2023, goal + 1, "2026-04-15")  # after the 10 April deadline
    row = due(wh, "2026-04-15")["gastnatter"]
    assert row.period == "2023"  # the list shows the newest value ...
    assert str(row.due_meeting.date()) == "2026-03-30" and row.overdue  # ... still overdue since March


def test_revision_before_reporting_keeps_the_first_due_meeting(wh):
    series, goal, _ = target(wh, "gastnatter")
    observe(wh, series, 2022, goal, "2026-03-01")
    observe(wh, series, 2022, goal + 2, "2026-03-20")
    row = due(wh, "2026-03-20")["gastnatter"]
    assert row.vintage == 2 and str(row.due_meeting.date()) == "2026-03-30"


def test_due_list_is_point_in_time(wh):
    series, goal, _ = target(wh, "gastnatter")
    observe(wh, series, 2022, goal, "2026-03-01")
    mark_reported(wh, date(2026, 3, 30), now=at("2026-03-30"))
    observe(wh, series, 2023, goal + 1, "2026-04-02")
    # As of 20 March: the report of 30 March had not happened, 2023 was not yet seen.
    row = due(wh, "2026-03-20")["gastnatter"]
    assert row.period == "2022" and row.reason == "nytt värde"
    assert "gastnatter" not in due(wh, "2026-02-28")
    assert due(wh, "2026-04-02")["gastnatter"].reason == "ny period"


def test_first_seen_counts_in_stockholm_time(wh):
    series, goal, _ = target(wh, "gastnatter")
    frame_seen = at("2026-03-12", hour=23)  # 23:00 UTC = 00:00 on 13 March in Stockholm
    observe(wh, series, 2022, goal, "2026-03-12")
    wh.execute("UPDATE stg.kolada_observations SET first_seen = ?", [frame_seen])
    assert str(due(wh, "2026-03-13")["gastnatter"].due_meeting.date()) == "2026-04-27"


def test_the_log_keeps_what_the_papers_could_show(wh):
    series, goal, _ = target(wh, "gastnatter")
    observe(wh, series, 2022, goal, "2026-03-01")  # before the 13 March deadline
    observe(wh, series, 2023, goal + 1, "2026-03-20")  # after it, before the meeting
    assert mark_reported(wh, date(2026, 3, 30), now=at("2026-03-30")) == 1
    shown = reported_at(wh, date(2026, 3, 30))
    assert shown[["period", "value"]].values.tolist() == [["2022", goal]]
    row = due(wh, "2026-03-31")["gastnatter"]  # 2023 is due at the next meeting
    assert row.reason == "ny period" and str(row.due_meeting.date()) == "2026-04-27"


def test_marking_a_meeting_with_nothing_due_records_nothing(wh):
    assert mark_reported(wh, date(2026, 3, 30), now=at("2026-03-30")) == 0
    assert reported_at(wh, date(2026, 3, 30)).empty


def observe_scb(conn, period: str, value, seen: str, published: str):
    """Merge one SCB observation (folkmängd) fetched on `seen` from a table updated on `published`."""
    from sources.jsonstat import period_bounds
    from warehouse.core.observations import merge_observations

    start, end = period_bounds(period)
    frame = pd.DataFrame([{
        "series": "folkmangd", "breakdown": "T", "region": "1882", "period": period, "period_start": start,
        "period_end": end, "value": value, "status": "", "is_deleted": False, "fetched_at": at(seen),
        "response_id": 1, "published_at": at(published), "source_table": "TAB638", "contents": "BE0101N1",
    }]).astype({"value": "float64"})
    return merge_observations(conn, "stg.scb_observations", "scb", frame,
                              extra=["period_start", "published_at", "source_table", "contents"])


def watch_table(conn, since: str):
    conn.execute("INSERT INTO raw.scb_table_checks VALUES (?, 'TAB638', ?, NULL, NULL, NULL, '2025', 'folkmangd', true, 1, NULL)",
                 [at(since), at(since)])


def test_publication_time_sets_the_due_meeting_for_scb(wh):
    watch_table(wh, "2026-02-01")
    # Published 1 March, before the 13 March deadline, but first fetched on 20 March.
    observe_scb(wh, "2025", 11500, "2026-03-20", "2026-03-01")
    row = due(wh, "2026-03-20")["befolkningsutveckling"]
    assert str(row.due_meeting.date()) == "2026-03-30" and str(row.pending_since.date()) == "2026-03-01"
    assert row.source_table == "TAB638"
    # Point in time: before it was fetched the warehouse did not know it.
    assert "befolkningsutveckling" not in due(wh, "2026-03-10")


def test_publication_before_the_warehouse_watched_the_table_counts_from_first_seen(wh):
    watch_table(wh, "2026-03-20")  # a new installation: the first check is the first fetch
    observe_scb(wh, "2024", 11400, "2026-03-20", "2025-02-21")
    row = due(wh, "2026-03-20")["befolkningsutveckling"]
    assert str(row.pending_since.date()) == "2026-03-20" and str(row.due_meeting.date()) == "2026-04-27"
    assert not row.overdue


def test_the_year_after_its_reported_december_month_is_a_new_period(wh):
    watch_table(wh, "2026-01-01")
    observe_scb(wh, "2025M12", 11500, "2026-01-20", "2026-01-19")
    mark_reported(wh, date(2026, 3, 30), now=at("2026-03-30"))
    observe_scb(wh, "2025", 11480, "2026-04-02", "2026-04-01")
    row = due(wh, "2026-04-02")["befolkningsutveckling"]
    assert row.period == "2025" and row.reason == "ny period" and str(row.due_meeting.date()) == "2026-04-27"
    # The December month is not the "previous period" of its year: no change from noise.
    assert one(wh, "SELECT prev_period, change FROM ind.indicator_status WHERE indicator_id = 'befolkningsutveckling'") == (None, None)


def test_kolada_cross_check_compares_the_same_year_for_the_whole_kommun(wh):
    from warehouse.core.observations import merge_observations

    def hr(series, period, value):
        start, end = period_bounds(period)
        frame = pd.DataFrame([{"series": series, "breakdown": "T", "region": "1882", "period": period,
                               "period_start": start, "period_end": end, "value": value, "status": "",
                               "is_deleted": False, "fetched_at": at("2025-03-01"), "response_id": 1,
                               "file_sha256": "x"}]).astype({"value": "float64"})
        merge_observations(wh, "stg.file_observations", "hr", frame, extra=["period_start", "file_sha256"])

    # Two months: 60+ shares of 10 % and 50 % by month, but 110 / 500 hours = 22 % for the year.
    for period, sick, long_ in (("2024M01", 400, 40), ("2024M02", 100, 70)):
        hr("sjuk_timmar_totalt", period, sick)
        hr("sjuk_timmar_dag60plus", period, long_)
    observe(wh, "N00091", 2023, 41.0, "2026-03-01")
    observe(wh, "N00091", 2024, 38.5, "2026-03-01")
    rows = {r[0]: r for r in wh.execute("SELECT indicator_id, ar, manader, eget_varde, kolada_kpi, kolada_varde FROM ind.kolada_kontroll").fetchall()}
    assert rows["langtidssjukskrivningar"][1:3] == (2024, 2)
    assert rows["langtidssjukskrivningar"][3] == pytest.approx(22.0)
    assert rows["langtidssjukskrivningar"][4:] == ("N00091", 38.5)


def file_obs(conn, source, series, period, value, *, breakdown="T", status="", seen="2026-11-01"):
    """Merge one observation of the kommun's own files (ekonomi, hr) as a load on `seen` would."""
    start, end = period_bounds(period)
    frame = pd.DataFrame([{"series": series, "breakdown": breakdown, "region": "1882", "period": period,
                           "period_start": start, "period_end": end, "value": value, "status": status,
                           "is_deleted": False, "fetched_at": at(seen), "response_id": None, "file_sha256": "x"}])
    from warehouse.core.observations import merge_observations
    return merge_observations(conn, "stg.file_observations", source, frame.astype({"value": "float64"}),
                              extra=["period_start", "file_sha256"])


def shown(conn, indicator_id):
    return one(conn, "SELECT status, aktuellt_varde, change, trend, prev_period FROM ind.indicator_status "
                     "WHERE indicator_id = ?", [indicator_id])


@pytest.mark.parametrize("indicator_id, series, period, value, expected", [
    # decimals 0: 89,6 shows as "90" against "≥ 90"; 45,4 as "45" against "≤ 45" (issue 17)
    ("upparbetade_investeringar", "upparbetade_investeringar_andel", "2026M03", 89.6, "uppnått"),
    ("skuldsattningsgrad", "skuldsattningsgrad", "2026", 45.4, "uppnått"),
    ("upparbetade_investeringar", "upparbetade_investeringar_andel", "2026M03", 89.4, "nära"),
    ("skuldsattningsgrad", "skuldsattningsgrad", "2026", 45.5, "nära"),  # shows as 46 (half away from zero)
])
def test_status_is_judged_on_the_value_as_shown(wh, indicator_id, series, period, value, expected):
    from warehouse.presentation.format import fmt_number

    file_obs(wh, "ekonomi", series, period, value)
    assert shown(wh, indicator_id)[0] == expected
    decimals, target = one(wh, "SELECT decimals, onskat_varde FROM cfg.indicators WHERE indicator_id = ?", [indicator_id])
    on_target = fmt_number(value, decimals) == fmt_number(target, decimals)
    assert on_target == (expected == "uppnått")  # what the reader sees agrees with the status


@pytest.mark.parametrize("value", [0.5, 1.5, 2.5, 88.5, 89.5, 2.675, 1.005, -0.5, -2.5, 45.45, 0.125])
def test_shown_values_round_as_the_status_rule_does(conn, value):
    from warehouse.presentation.format import fmt_number

    for decimals in (0, 1, 2):
        duck = one(conn, "SELECT round(CAST(? AS DOUBLE), ?)", [value, decimals])[0]
        assert fmt_number(value, decimals) == fmt_number(duck, decimals), (value, decimals)


def test_a_year_to_date_figure_is_compared_with_the_same_month_a_year_earlier(wh):
    # Upparbetade investeringar hittills i år: December's 95 % against January's 5 % is not "sämre".
    file_obs(wh, "ekonomi", "upparbetade_investeringar_andel", "2025M12", 95.0)
    file_obs(wh, "ekonomi", "upparbetade_investeringar_andel", "2026M01", 5.0)
    status, value, change, trend, prev_period = shown(wh, "upparbetade_investeringar")
    assert (value, change, trend, prev_period) == (5.0, None, None, None)
    file_obs(wh, "ekonomi", "upparbetade_investeringar_andel", "2025M01", 4.0)
    status, value, change, trend, prev_period = shown(wh, "upparbetade_investeringar")
    assert (change, trend, prev_period) == (1.0, "bättre", "2025M01")


def test_turnover_of_fewer_than_twelve_months_is_not_judged_and_says_so(wh, tmp_path):
    # Six leavers in June out of 400: 1,5 % for the month, not 18,0 % "ej uppnått" (issue 17).
    from datetime import datetime, timezone

    from tests.test_sources_hr import HEADER
    from warehouse.core.hashing import sha256_of
    from warehouse.files.inbox import load_file
    from warehouse.presentation.text import render_status, status_frame

    path = tmp_path / "hr_2026-06.csv"
    path.write_text(HEADER + "2026-06;Socialförvaltningen;60000;500;100;200;400;4;2;0;3\n", encoding="utf-8")
    assert load_file(wh, path, sha256_of(path), kommun="1882", now=datetime(2026, 7, 2, tzinfo=timezone.utc)).status == "loaded"
    status, value, *_ = shown(wh, "personalomsattning")
    assert (status, value) == ("kan inte bedömas", 1.5)
    table = render_status(status_frame(wh, namnd="Social"))
    assert "1,5 (1 av 12 mån)" in table and "kan inte bedömas" in table


def test_the_target_year_is_shown_beside_the_target(wh):
    from warehouse.presentation.text import render_status, status_frame

    year = one(wh, "SELECT target_year FROM cfg.indicators WHERE indicator_id = 'befolkningsutveckling'")[0]
    assert year == 2030
    assert "≥ 11 600 år 2030" in render_status(status_frame(wh, namnd="Barn"))


def test_the_year_to_date_series_are_those_the_ekonomi_module_computes(conn):
    from warehouse.files import ekonomi

    for series in ekonomi.YEAR_TO_DATE + ("skuldsattningsgrad", "arets_resultat", "resultat_x"):
        in_sql = one(conn, "SELECT ind.year_to_date('ekonomi', ?)", [series])[0]
        assert in_sql == (series in ekonomi.YEAR_TO_DATE), series


def test_an_scb_value_published_before_the_deadline_and_fetched_on_it_is_in_the_papers(wh):
    # SCB publishes on 12 March while the warehouse watches the table; the nightly run loads it
    # on the 13 March paper deadline. The list says "due at KF 30 March", so the papers must
    # hold it and marking must record it; otherwise it is "försenad" for a meeting it could
    # never reach (issue 17.12).
    watch_table(wh, "2026-02-01")
    observe_scb(wh, "2025", 11500, "2026-03-13", "2026-03-12")
    assert str(due(wh, "2026-03-13")["befolkningsutveckling"].due_meeting.date()) == "2026-03-30"
    papers = wh.execute("SELECT indicator_id, period, value FROM ind.kf_papers(DATE '2026-03-30')").fetchall()
    assert ("befolkningsutveckling", "2025", 11500.0) in papers
    assert mark_reported(wh, date(2026, 3, 30), now=at("2026-03-30")) >= 1
    assert "befolkningsutveckling" not in due(wh, "2026-03-31")
    # A Kolada value first seen on the deadline day still waits for the next meeting, in the
    # list and in the papers alike.
    series, goal, _ = target(wh, "gastnatter")
    observe(wh, series, 2022, goal, "2026-04-10")
    assert str(due(wh, "2026-04-10")["gastnatter"].due_meeting.date()) == "2026-06-15"
    assert "gastnatter" not in {r[0] for r in wh.execute("SELECT indicator_id FROM ind.kf_papers(DATE '2026-04-27')").fetchall()}


def test_a_reverted_revision_is_not_due_again(wh):
    # With report_revisions: 8,4 reported, revised to 8,6, then back to 8,4, what KF saw.
    series, _, _ = target(wh, "gastnatter")
    wh.execute("UPDATE cfg.indicators SET report_revisions = true WHERE indicator_id = 'gastnatter'")
    observe(wh, series, 2022, 8.4, "2026-03-01")
    mark_reported(wh, date(2026, 3, 30), now=at("2026-03-30"))
    observe(wh, series, 2022, 8.6, "2026-04-02")
    assert due(wh, "2026-04-03")["gastnatter"].reason == "reviderat värde"
    observe(wh, series, 2022, 8.4, "2026-04-05")
    assert "gastnatter" not in due(wh, "2026-04-06")
    assert wh.execute("SELECT * FROM ind.kf_revisions_asof(DATE '2026-04-06')").fetchall() == []


def test_a_meeting_marked_late_does_not_rewrite_past_due_lists(wh):
    # KF 30 March is marked a week late, on 6 April: the list of 2 April said it was due (and
    # overdue), and says so still; from 6 April it is reported. Marking early (after the
    # deadline, before the meeting) does not empty the list before the meeting either.
    series, goal, _ = target(wh, "gastnatter")
    observe(wh, series, 2022, goal, "2026-03-01")
    mark_reported(wh, date(2026, 3, 30), now=at("2026-04-06"))
    assert due(wh, "2026-04-02")["gastnatter"].overdue
    assert "gastnatter" not in due(wh, "2026-04-06")
    observe(wh, series, 2023, goal, "2026-04-01")
    mark_reported(wh, date(2026, 4, 27), now=at("2026-04-20"))  # after the 10 April deadline
    assert due(wh, "2026-04-21")["gastnatter"].period == "2023"
    assert "gastnatter" not in due(wh, "2026-04-27")
