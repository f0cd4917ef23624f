"""The måluppfyllelse rule (warehouse/goals/judgement.sql) at its edges, and through the whole
chain from observations to målområde, point-in-time and per bokslut year."""

import pytest

from tests.conftest import observe


def judge(conn, parts, met, partly, judged, better=0, worse=0):
    return conn.execute("SELECT ind.kf_judge(?, ?, ?, ?, ?, ?)", [parts, met, partly, judged, better, worse]).fetchone()[0]


@pytest.mark.parametrize("counts, expected", [
    ((5, 4, 0, 5), "uppfyllt"),                 # share 0.8, exactly on uppfyllt_fran
    ((5, 3, 1, 5), "delvis uppfyllt"),          # 0.7
    ((2, 1, 0, 2), "delvis uppfyllt"),          # 0.5, exactly on delvis_fran
    ((2, 0, 2, 2), "delvis uppfyllt"),          # two nära are half met each
    ((1, 0, 1, 1), "delvis uppfyllt"),
    ((5, 2, 0, 5, 2, 1), "delvis uppfyllt"),    # 0.4, within the trend margin, improving
    ((5, 2, 0, 5, 1, 1), "ej uppfyllt"),        # 0.4, as many worse as better
    ((8, 3, 0, 8, 5, 0), "ej uppfyllt"),        # 0.375, below the margin whatever the trend
    ((3, 0, 0, 0), "kan inte bedömas"),         # nothing judged
    ((4, 2, 0, 2), "uppfyllt"),                 # half the parts judged: enough (minst_bedomda 0.5)
    ((5, 2, 0, 2), "kan inte bedömas"),         # 2 of 5 judged: too few
    ((1, 0, 0, 1), "ej uppfyllt"),
])
def test_the_rule_at_its_edges(kf_conn, counts, expected):
    assert judge(kf_conn, *counts) == expected


def test_the_rule_follows_the_catalogs_settings(kf_conn):
    kf_conn.execute("UPDATE cfg.kf_bedomning SET uppfyllt_fran = 1.0, trend_marginal = 0")
    assert judge(kf_conn, 5, 4, 0, 5) == "delvis uppfyllt"
    assert judge(kf_conn, 5, 5, 0, 5) == "uppfyllt"
    assert judge(kf_conn, 5, 2, 0, 5, 3, 0) == "ej uppfyllt"


def _levels(conn, as_of="2026-11-25", ar=None):
    rows = conn.execute("SELECT niva, id, bedomning FROM ind.kf_maluppfyllelse_asof(CAST(? AS DATE), ar := ?)",
                        [as_of, ar]).fetchall()
    return {(niva, ident): b for niva, ident, b in rows}


def test_from_the_matt_to_the_malomrade_point_in_time_and_per_bokslut_year(kf_conn):
    # Finansiellt: e1 (årets resultat ≥ 2 %, tolerance 0.5) and e2 (soliditet ≥ 20 %, tolerance 2).
    observe(kf_conn, "N03102", 2021, 3.3, "2026-03-01")
    observe(kf_conn, "N03102", 2022, 1.7, "2026-03-01")
    observe(kf_conn, "N03002", 2022, 17.7, "2026-06-01")
    before = _levels(kf_conn, "2026-04-01")
    assert before[("målprecisering", "e1a_resultat")] == "delvis uppfyllt"   # 1.7: nära
    assert before[("målprecisering", "e2a_soliditet")] == "kan inte bedömas"  # not yet known
    # one goal of two judged (enough at minst_bedomda 0.5), half met: share 0.5
    assert before[("målområde", "Finansiellt")] == "delvis uppfyllt"
    now = _levels(kf_conn)
    assert now[("målprecisering", "e2a_soliditet")] == "ej uppfyllt"          # 17.7 < 18
    # e1 delvis (0.5) and e2 ej (0): share 0.25 → ej; trend: e1 worsened (3.3 → 1.7)
    assert now[("målområde", "Finansiellt")] == "ej uppfyllt"
    # The bokslut of 2021 judges the 2021 value: 3.3 ≥ 2, and soliditet has no 2021 value.
    b2021 = _levels(kf_conn, ar=2021)
    assert b2021[("målprecisering", "e1a_resultat")] == "uppfyllt"
    assert b2021[("strategiskt mål", "e2_soliditet")] == "kan inte bedömas"
    assert b2021[("målområde", "Finansiellt")] == "uppfyllt"  # the one goal judged is met
    kf_conn.execute("UPDATE cfg.kf_bedomning SET minst_bedomda = 0.75")
    assert _levels(kf_conn, ar=2021)[("målområde", "Finansiellt")] == "kan inte bedömas"
