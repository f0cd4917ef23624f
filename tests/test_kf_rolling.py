"""The rolling schedule for välfärd indicators and revisions after reporting
(warehouse/meetings/due.sql), on a real DuckDB with a small calendar of three meetings."""

from datetime import date

import pytest
import yaml

from indicator_catalog.catalog import CatalogError, load_catalog
from tests.conftest import at, observe
from warehouse.indicators.catalog_tables import load_catalog_tables
from warehouse.meetings.log import ReportingError, due_list, mark_reported, reported_at

from tests.conftest import BUN, PLAIN, SOCIAL, VALFARD


def due(conn, as_of):
    return {r.indicator_id: r for r in due_list(conn, date.fromisoformat(as_of)).itertuples()}


def meeting(row):
    return str(row.due_meeting.date())


def test_a_valfard_indicator_skips_a_meeting_without_its_namnds_turn(rolling):
    observe(rolling, VALFARD[1], 2022, 4.0, "2026-03-20")
    observe(rolling, PLAIN[1], 2022, 8.0, "2026-03-20")
    rows = due(rolling, "2026-04-01")
    assert meeting(rows[VALFARD[0]]) == "2026-06-15"  # 27 April is Socialnämnden's turn
    assert rows[VALFARD[0]].rolling_turn and not rows[VALFARD[0]].at_next_meeting
    assert meeting(rows[PLAIN[0]]) == "2026-04-27"  # the other målområden: the plain rule
    assert not rows[PLAIN[0]].rolling_turn


@pytest.mark.parametrize("seen, expected", [("2026-03-12", "2026-03-30"), ("2026-03-13", "2026-06-15"),
                                            ("2026-03-14", "2026-06-15")])
def test_data_published_on_or_after_the_deadline_waits_for_the_next_turn(rolling, seen, expected):
    observe(rolling, VALFARD[1], 2022, 4.0, seen)
    assert meeting(due(rolling, seen)[VALFARD[0]]) == expected


def test_without_turns_in_the_calendar_valfard_follows_the_plain_rule(rolling):
    rolling.execute("UPDATE cfg.kf_calendar SET rolling = false")
    observe(rolling, VALFARD[1], 2022, 4.0, "2026-03-20")
    row = due(rolling, "2026-04-01")[VALFARD[0]]
    assert meeting(row) == "2026-04-27" and not row.rolling_turn


def test_two_new_periods_before_one_meeting_are_one_report_of_the_newest(rolling):
    observe(rolling, VALFARD[1], 2021, 4.4, "2026-03-20")
    observe(rolling, VALFARD[1], 2022, 4.0, "2026-04-20")
    rows = due_list(rolling, date(2026, 5, 1))
    assert rows["indicator_id"].tolist().count(VALFARD[0]) == 1
    row = due(rolling, "2026-05-01")[VALFARD[0]]
    assert row.period == "2022" and meeting(row) == "2026-06-15"  # counted from the older value
    assert mark_reported(rolling, date(2026, 6, 15), now=at("2026-06-15")) == 1
    shown = reported_at(rolling, date(2026, 6, 15))
    assert shown[["indicator_id", "period", "value"]].values.tolist() == [[VALFARD[0], "2022", 4.0]]
    assert VALFARD[0] not in due(rolling, "2026-06-16")


def test_a_revision_after_reporting_is_flagged_and_due_only_if_the_catalog_says_so(rolling):
    observe(rolling, VALFARD[1], 2022, 4.0, "2026-03-01")
    assert mark_reported(rolling, date(2026, 3, 30), now=at("2026-03-30")) == 1
    observe(rolling, VALFARD[1], 2022, 4.3, "2026-04-02")  # Kolada revises 2022
    revisions = rolling.execute("SELECT * FROM ind.kf_revisions_asof(DATE '2026-04-03')").df()
    assert revisions[["indicator_id", "period", "reported_value", "revised_value", "revised_vintage", "due_again"]
                     ].values.tolist() == [[VALFARD[0], "2022", 4.0, 4.3, 2, False]]
    assert VALFARD[0] not in due(rolling, "2026-04-03")
    # Before the revision was seen, nothing is flagged (point in time).
    assert rolling.execute("SELECT count(*) FROM ind.kf_revisions_asof(DATE '2026-04-01')").fetchone()[0] == 0
    rolling.execute("UPDATE cfg.indicators SET report_revisions = true WHERE indicator_id = ?", [VALFARD[0]])
    row = due(rolling, "2026-04-03")[VALFARD[0]]
    assert row.reason == "reviderat värde" and meeting(row) == "2026-06-15"
    # What KF saw on 30 March stays what it saw.
    assert reported_at(rolling, date(2026, 3, 30))["value"].tolist() == [4.0]


def _calendar(catalog_copy, meetings):
    path = catalog_copy / "kf_calendar.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["meetings"] = meetings
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def test_turns_are_loaded_from_the_calendar(catalog_copy, conn):
    _calendar(catalog_copy, [{"datum": "2027-01-25", "handlingar_senast": "2027-01-08", "valfard_namnder": [BUN]},
                             {"datum": "2027-02-22", "handlingar_senast": "2027-02-05"}])
    load_catalog_tables(conn, load_catalog(catalog_copy))
    assert conn.execute("SELECT CAST(meeting_date AS VARCHAR), namnd FROM cfg.kf_valfard_turns").fetchall() == [
        ("2027-01-25", BUN)]
    assert conn.execute("SELECT rolling FROM cfg.kf_calendar").fetchone() == (True,)


def test_an_unknown_namnd_in_the_turns_names_file_meeting_and_field(catalog_copy):
    _calendar(catalog_copy, [{"datum": "2027-01-25", "handlingar_senast": "2027-01-08",
                              "valfard_namnder": [BUN, "Socialnämden"]}])
    with pytest.raises(CatalogError, match=r"kf_calendar.yaml: möte 2027-01-25: fält 'valfard_namnder': okänd nämnd 'Socialnämden'"):
        load_catalog(catalog_copy)


def test_a_namnd_with_valfard_indicators_but_no_turn_is_refused(catalog_copy):
    _calendar(catalog_copy, [{"datum": "2027-01-25", "handlingar_senast": "2027-01-08", "valfard_namnder": [SOCIAL]}])
    with pytest.raises(CatalogError, match=f"{BUN} har välfärdsindikatorn 'oppen_arbetsloshet'.*ingen tur"):
        load_catalog(catalog_copy)


def test_a_new_vintage_with_the_same_value_is_no_revision(rolling):
    observe(rolling, VALFARD[1], 2022, 4.0, "2026-03-01")
    assert mark_reported(rolling, date(2026, 3, 30), now=at("2026-03-30")) == 1
    # Kolada sets a status flag on 2022 but keeps the value: a new vintage with the same value.
    rolling.execute("INSERT INTO stg.kolada_observations SELECT * REPLACE (2 AS vintage, 'x' AS status, "
                    "TIMESTAMPTZ '2026-04-02 12:00+00' AS first_seen) FROM stg.kolada_observations WHERE series = ?",
                    [VALFARD[1]])
    assert rolling.execute("SELECT list(vintage ORDER BY vintage), list(DISTINCT value) FROM stg.kolada_observations "
                           "WHERE series = ?", [VALFARD[1]]).fetchone() == ([1, 2], [4.0])
    rolling.execute("UPDATE cfg.indicators SET report_revisions = true WHERE indicator_id = ?", [VALFARD[0]])
    assert rolling.execute("SELECT count(*) FROM ind.kf_revisions_asof(DATE '2026-04-03')").fetchone()[0] == 0
    assert VALFARD[0] not in due(rolling, "2026-04-03")


def test_a_meeting_cannot_be_marked_before_its_paper_deadline(rolling):
    observe(rolling, PLAIN[1], 2022, 8.0, "2026-04-01")
    with pytest.raises(ReportingError, match="först när handlingsstoppet 2026-04-10 har passerat"):
        mark_reported(rolling, date(2026, 4, 27), now=at("2026-04-09"))
    assert mark_reported(rolling, date(2026, 4, 27), now=at("2026-04-10")) == 1
    assert rolling.execute("SELECT breakdown FROM rep.report_log").fetchall() == [("T",)]


def test_the_report_document_and_the_log_agree_when_a_value_is_deleted_on_the_meeting_day(rolling):
    from warehouse.presentation.reports.data import meeting_report

    observe(rolling, PLAIN[1], 2022, 8.0, "2026-03-01")
    observe(rolling, PLAIN[1], 2022, None, "2026-03-30", deleted=True)
    shown = [(i.row["indicator_id"], i.row["aktuellt_varde"]) for i in meeting_report(rolling, date(2026, 3, 30)).indicators]
    assert mark_reported(rolling, date(2026, 3, 30), now=at("2026-03-30")) == len(shown) == 1
    assert reported_at(rolling, date(2026, 3, 30))[["indicator_id", "value"]].values.tolist() == [list(shown[0])]


def test_a_value_after_its_namnds_last_turn_is_not_silently_dropped(rolling):
    from warehouse.presentation.text import render_due

    observe(rolling, VALFARD[1], 2022, 4.0, "2026-06-01")  # after BUN's last turn's deadline (29 May)
    out = render_due(rolling, date(2026, 6, 2))
    assert "OBS: 1 indikator(er) har nya värden men inget möte i kalendern" in out and "Öppen arbetslöshet" in out
