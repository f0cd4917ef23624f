"""Position among comparable municipalities (warehouse/indicators/peers.sql): the group's mean,
missing members, ties and lower-is-better, on a real DuckDB."""

import pytest

from tests.conftest import observe

GROUP = ["0617", "0840", "1083"]


@pytest.fixture
def wh(conn):
    conn.execute("DELETE FROM raw.kolada_municipality_group_members")
    for m in GROUP + ["1882"]:  # Kolada lists the kommun itself in some groups: it must not count
        conn.execute("INSERT INTO raw.kolada_municipality_group_members VALUES ('G1', 'Liknande kommuner', ?, ?, 1)", [m, m])
    conn.execute("UPDATE cfg.settings SET jamforelsegrupp = 'G1'")
    return conn


def peer(conn, indicator_id):
    (row,) = conn.execute("SELECT group_mean, group_n, group_size, group_position, rank, ranked_of "
                          "FROM ind.peer_comparison WHERE indicator_id = ?", [indicator_id]).fetchall()
    return row


def test_group_mean_excludes_the_kommun_and_counts_missing_members(wh):
    values = {"1882": 8.0, "0617": 9.0, "0840": 12.0}  # 1083 has no figure
    for region, v in values.items():
        observe(wh, "N45850", 2022, v, "2026-11-01", region=region)
    mean, n, size, position, rank, ranked_of = peer(wh, "gastnatter")
    assert mean == pytest.approx(10.5) and (n, size) == (2, 3)
    assert position == "sämre än snittet"  # higher is better, 8 < 10.5
    assert (rank, ranked_of) == (3, 3)


def test_ties_share_the_better_place_and_regions_and_riket_are_not_ranked(wh):
    for region, v in {"1882": 9.0, "0617": 9.0, "0840": 12.0, "1083": 7.0, "0000": 99.0, "0018": 50.0}.items():
        observe(wh, "N45850", 2022, v, "2026-11-01", region=region)
    *_, rank, ranked_of = peer(wh, "gastnatter")
    assert (rank, ranked_of) == (2, 4)  # 12 first; 9 and 9 share second; Riket and Region Örebro län out


def test_lower_is_better_ranks_the_lowest_first(wh):
    direction = wh.execute("SELECT direction FROM cfg.indicators WHERE indicator_id = 'oppen_arbetsloshet'").fetchall()
    assert direction == [("lower",)]
    for region, v in {"1882": 3.0, "0617": 4.0, "0840": 2.5}.items():
        observe(wh, "N03937", 2022, v, "2026-11-01", region=region)
    mean, n, size, position, rank, ranked_of = peer(wh, "oppen_arbetsloshet")
    assert mean == pytest.approx(3.25) and position == "bättre än snittet"
    assert (rank, ranked_of) == (2, 3)


def test_only_the_same_period_is_compared(wh):
    observe(wh, "N45850", 2022, 8.0, "2026-11-01")
    observe(wh, "N45850", 2021, 20.0, "2026-11-01", region="0617")  # an older year for a member
    mean, n, size, position, rank, ranked_of = peer(wh, "gastnatter")
    assert mean is None and n == 0 and position is None
    assert rank is None and ranked_of is None  # alone with the figure: no place


def test_the_governance_view_and_the_cli_table_show_the_comparison_beside_the_status(wh, monkeypatch):
    from warehouse.presentation.text import render_status, status_frame

    for region, v in {"1882": 8.49, "0617": 9.0, "0840": 12.0}.items():
        observe(wh, "N45850", 2022, v, "2026-11-01", region=region)
    (row,) = wh.execute('SELECT "Status", "Snitt jämförelsegrupp", "Jämförelse", "Plats bland kommuner" '
                        """FROM ind.namnd_indikatorer WHERE "Indikator-id" = 'gastnatter'""").fetchall()
    assert row == ("uppnått", pytest.approx(10.5), "sämre än snittet (2 av 3 i gruppen)", "3 av 3")
    monkeypatch.setenv("COLUMNS", "400")  # a window wide enough for one line per row
    out = render_status(status_frame(wh, "social"))
    line = next(x for x in out.splitlines() if "Gästnätter" in x)
    assert "uppnått" in line and "sämre än snittet (10,50, 2 av 3); plats 3 av 3" in line
    monkeypatch.setenv("COLUMNS", "80")  # too narrow for the table: a card headed by name and status
    card = render_status(status_frame(wh, "social")).split("Gästnätter · uppnått\n", 1)[1]
    assert "sämre än snittet (10,50, 2 av 3); plats 3 av 3" in " ".join(" ".join(card.split("\n")[:4]).split())


def test_as_the_mean_is_judged_at_the_shown_precision(wh):
    # 0,15 against a mean of 0,10 and 0,20, which in floating point is 0,15000000000000002: both
    # show as 0,15, so the kommun is "som snittet", not "sämre" (issue 17).
    for region, v in {"1882": 0.15, "0617": 0.1, "0840": 0.2}.items():
        observe(wh, "N45850", 2022, v, "2026-11-01", region=region)
    mean, n, size, position, rank, ranked_of = peer(wh, "gastnatter")
    assert mean != 0.15 and round(mean, 2) == 0.15
    assert position == "som snittet"
