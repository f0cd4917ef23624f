"""The forecast of which indicators will be due at each of the next KF meetings
(warehouse/meetings/forecast.py), with the rolling schedule of tests/test_kf_rolling.py."""

from datetime import date

import pytest

from tests.conftest import observe
from tests.conftest import PLAIN, VALFARD
from warehouse.meetings.forecast import forecast
from warehouse.meetings.log import due_list


def kpi(conn, kpi_id, publ_period, publication_date, prel=None):
    conn.execute("INSERT OR REPLACE INTO raw.kolada_kpi (kpi, title, publ_period, publication_date, "
                 "prel_publication_date, response_id) VALUES (?, 'x', ?, CAST(? AS DATE), CAST(? AS DATE), 1)",
                 [kpi_id, publ_period, publication_date, prel])


def rows(frame, indicator_id):
    return [(str(r.meeting_date), r.kind, r.period) for r in frame.itertuples() if r.indicator_id == indicator_id]


def test_kolada_release_dates_place_the_next_period_at_the_meeting_the_rule_gives(rolling):
    observe(rolling, PLAIN[1], 2022, 8.0, "2026-03-01")
    kpi(rolling, PLAIN[1], "2023", "2026-04-02")
    kpi(rolling, VALFARD[1], "2023", "2026-04-02")
    frame = forecast(rolling, date(2026, 3, 1), meetings=3)
    # gästnätter: 2022 is already here (due 30 March); 2023 comes 2 April, before the
    # 10 April deadline, so 27 April.
    assert rows(frame, PLAIN[0]) == [("2026-03-30", "finns nu", "2022"), ("2026-04-27", "väntas", "2023")]
    # öppen arbetslöshet (välfärd, Barn- och utbildningsnämnden): its next turn after 2 April is 15 June.
    assert rows(frame, VALFARD[0]) == [("2026-06-15", "väntas", "2023")]
    why = frame.loc[frame.indicator_id == VALFARD[0], "why"].item()
    assert "2023 väntas 2026-04-03" in why and "Kolada: publiceras 2026-04-02, hämtas natten efter" in why
    assert "välfärdstur" in why


def test_kolada_data_published_the_day_before_the_deadline_is_fetched_on_it_and_waits(rolling):
    """The due rule counts Kolada values from first seen (the nightly fetch), so the forecast
    must too: published 9 April, fetched on the 10 April deadline day, due in June."""
    kpi(rolling, PLAIN[1], "2023", "2026-04-09")
    assert rows(forecast(rolling, date(2026, 3, 1), meetings=3), PLAIN[0]) == [("2026-06-15", "väntas", "2023")]
    observe(rolling, PLAIN[1], 2023, 8.0, "2026-04-10")  # what the nightly fetch then does
    assert str(due_list(rolling, date(2026, 4, 10)).set_index("indicator_id").loc[PLAIN[0], "due_meeting"].date()) == "2026-06-15"


def test_a_release_date_already_past_means_any_day_now(rolling):
    kpi(rolling, PLAIN[1], "2022", "2026-02-01")
    frame = forecast(rolling, date(2026, 3, 20), meetings=3)
    assert rows(frame, PLAIN[0]) == [("2026-04-27", "väntas", "2022")]  # from 20 March: after the 13 March deadline
    assert "skulle publiceras 2026-02-01 men finns inte i lagret" in frame.loc[frame.indicator_id == PLAIN[0], "why"].item()


def test_the_period_after_one_already_loaded_is_estimated_a_year_later(rolling):
    observe(rolling, PLAIN[1], 2022, 8.0, "2025-03-01")
    rolling.execute("INSERT INTO rep.report_log (meeting_date, indicator_id, source, series, region, period, "
                    "period_end, value, vintage, first_seen, reported_at, reported_by, breakdown) SELECT DATE '2025-03-30', 'gastnatter', 'kolada', ?, '1882', '2022', "
               "DATE '2022-12-31', 8.0, 1, now(), TIMESTAMPTZ '2025-03-30 18:00:00+02', 't', 'T'", [PLAIN[1]])
    kpi(rolling, PLAIN[1], "2022", "2025-03-25")
    frame = forecast(rolling, date(2026, 1, 1), meetings=3)
    assert rows(frame, PLAIN[0]) == [("2026-04-27", "väntas", "2023")]  # 25 March 2026: after the 13 March deadline
    assert "uppskattat" in frame.loc[frame.indicator_id == PLAIN[0], "why"].item()


def test_own_files_get_no_forecast_and_overdue_values_go_to_the_next_meeting(rolling):
    observe(rolling, PLAIN[1], 2022, 8.0, "2026-03-01")  # due 30 March, not reported
    frame = forecast(rolling, date(2026, 4, 1), meetings=2)
    (row,) = [r for r in frame.itertuples() if r.indicator_id == PLAIN[0]]
    assert str(row.meeting_date) == "2026-04-27" and "försenat" in row.why
    own = rolling.execute("SELECT indicator_id FROM cfg.indicators WHERE source IN ('hr', 'ekonomi')").fetchall()
    assert own and not set(frame.indicator_id) & {i for (i,) in own}


def test_any_day_now_counts_from_the_next_nightly_fetch_as_the_due_rule_does(rolling):
    # The day before the 10 April deadline a value Kolada should already have published can at
    # the earliest be fetched on the deadline day itself: the due rule then says June (issue 17.14).
    kpi(rolling, PLAIN[1], "2023", "2026-04-01")
    assert rows(forecast(rolling, date(2026, 4, 9), meetings=3), PLAIN[0]) == [("2026-06-15", "väntas", "2023")]
    observe(rolling, PLAIN[1], 2023, 8.0, "2026-04-10")
    assert str(due_list(rolling, date(2026, 4, 10)).set_index("indicator_id").loc[PLAIN[0], "due_meeting"].date()) == "2026-06-15"


@pytest.mark.parametrize("order", [("2025M12", "2025"), ("2025", "2025M12")])
def test_a_year_and_its_december_month_the_forecast_takes_the_year_as_status_does(rolling, order):
    # SCB folkmängd: the year 2025 and its December month end on the same day; the next period
    # expected is the next year, whichever row DuckDB happens to return first.
    import pandas as pd

    from sources.jsonstat import period_bounds
    from tests.conftest import at
    from warehouse.core.observations import merge_observations

    rolling.execute("INSERT INTO raw.scb_table_checks VALUES (?, 'TAB638', ?, NULL, NULL, NULL, '2025', 'folkmangd', "
                    "true, 1, NULL)", [at("2026-01-01"), at("2026-01-01")])
    for period in order:
        start, end = period_bounds(period)
        frame = pd.DataFrame([{"series": "folkmangd", "breakdown": "T", "region": "1882", "period": period,
                               "period_start": start, "period_end": end, "value": 11500.0, "status": "",
                               "is_deleted": False, "fetched_at": at("2026-02-25"), "response_id": 1,
                               "published_at": at("2026-02-24"), "source_table": "TAB638", "contents": "c"}])
        merge_observations(rolling, "stg.scb_observations", "scb", frame,
                           extra=["period_start", "published_at", "source_table", "contents"])
    rolling.execute("UPDATE cfg.indicators SET indikator_kf = true WHERE indicator_id = 'befolkningsutveckling'")
    from warehouse.meetings.forecast import expected_publications

    expected = [e for e in expected_publications(rolling, date(2026, 3, 1)) if e.indicator_id == "befolkningsutveckling"]
    assert [(e.period, str(e.expected)) for e in expected] == [("2026", "2027-02-24")]
