"""KF's mått follow the KF due rule (the same SQL as the nämnd indicators), take no nämnd's
välfärd turn, and a survey result is tagged for the bokslut of the measured year."""

from datetime import date

import pandas as pd

from tests.conftest import observe, use_rolling_calendar
from warehouse.meetings.forecast import forecast
from warehouse.meetings.log import due_list


def _due(conn, as_of):
    return {r.indicator_id: r for r in due_list(conn, date.fromisoformat(as_of)).itertuples()}


def test_a_survey_matt_is_due_at_the_next_kf_meeting_without_a_turn_and_tagged_for_the_bokslut(kf_conn):
    use_rolling_calendar(kf_conn)
    # Välfärd: the medborgarundersökning's result, seen 2026-04-01. The next meetings with a
    # deadline after it: 2026-04-27 (Socialnämnden's välfärd turn) — KF's own mått goes there.
    observe(kf_conn, "N00667", 2026, 88.0, "2026-04-01")
    observe(kf_conn, "N03937", 2025, 5.0, "2026-04-01")  # a nämnd välfärd indicator (BUN) waits
    rows = _due(kf_conn, "2026-04-02")
    mu = rows["mu_bra_plats_att_bo"]
    assert str(mu.due_meeting.date()) == "2026-04-27" and not mu.rolling_turn
    assert mu.niva == "KF" and mu.malprecisering_id == "v1a_bra_plats" and mu.bokslut_ar == 2026
    assert str(rows["oppen_arbetsloshet"].due_meeting.date()) == "2026-06-15"  # BUN's next turn
    # A mått that is no survey has no bokslut tag; a nämnd indicator neither.
    observe(kf_conn, "N03102", 2025, 2.5, "2026-04-01")
    rows = _due(kf_conn, "2026-04-02")
    assert pd.isna(rows["kf_resultat_andel"].bokslut_ar) and pd.isna(rows["oppen_arbetsloshet"].bokslut_ar)
    assert rows["oppen_arbetsloshet"].niva == "nämnd"
    # The forecast uses the same rule: no "välfärdstur" for KF's own mått.
    plan = forecast(kf_conn, date(2026, 4, 2))
    mu_plan = plan[plan["indicator_id"] == "mu_bra_plats_att_bo"]
    assert mu_plan["meeting_date"].astype(str).tolist() == ["2026-04-27"]
    assert not mu_plan["why"].str.contains("välfärdstur").any()
