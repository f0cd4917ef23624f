"""Survey participation (did not take part / not published yet / took part without a value) and
the Insikt series break (warehouse/goals/goals.sql), from constructed observations, fetch
records and release metadata."""

from datetime import date

from tests.conftest import at, observe


def _release(conn, kpi, publ_period, publication_date):
    conn.execute("INSERT OR REPLACE INTO raw.kolada_kpi (kpi, title, publ_period, publication_date, response_id) "
                 "VALUES (?, ?, ?, ?, 0)", [kpi, kpi, publ_period, publication_date]).fetchall()


def _asked(conn, kpis, years, day, municipalities=("1882",)):
    for y in years:
        conn.execute("INSERT INTO raw.kolada_fetches VALUES (gen_random_uuid()::VARCHAR, ?, ?, ?, ?, ?, [], NULL)",
                     [str(y), at(day), list(kpis), list(municipalities), [y]]).fetchall()


def _participation(conn, as_of, enkat="medborgarundersokning"):
    return {ar: (d, n) for ar, d, n in conn.execute(
        "SELECT ar, deltagande, antal_svar FROM ind.kf_survey_participation_asof(CAST(? AS DATE)) "
        "WHERE enkat = ? AND region = '1882'", [as_of, enkat]).fetchall()}


def test_took_part_did_not_take_part_and_not_yet_published_are_told_apart(kf_conn):
    # Kolada's metadata: period 2026 is published 2026-12-15 (as recorded 2026-03-23).
    _release(kf_conn, "N00528", "2026", date(2026, 12, 15))
    _asked(kf_conn, ["N00528", "N00667"], [2021, 2022, 2023, 2026], "2026-03-01")
    observe(kf_conn, "N00528", 2021, 512, "2026-03-01")   # took part: answer count …
    observe(kf_conn, "N00667", 2021, 91.0, "2026-03-01")  # … and the result
    observe(kf_conn, "N00528", 2023, 480, "2026-03-01")   # took part, but the figure is missing
    p = _participation(kf_conn, "2026-11-25")
    assert p[2021] == ("deltog", 512)
    assert p[2022] == ("deltog inte", None)                # asked, published, nothing
    assert p[2023] == ("deltog", 480)
    assert p[2026] == ("inte publicerad ännu", None)
    assert 2024 not in p and 2025 not in p                 # never asked: no claim either way
    # After the publication date, 2026 without figures means the kommun did not take part.
    assert _participation(kf_conn, "2026-12-16")[2026] == ("deltog inte", None)
    # Point in time: before the 2021 figures arrived, 2021 was a year without them.
    assert _participation(kf_conn, "2026-02-27") == {}     # nothing asked yet either
    # The mått's series: 2021 with its answer count; 2023 has no value to show.
    series = kf_conn.execute("SELECT period, value, deltagande, antal_svar FROM ind.kf_matt_series_asof(DATE '2026-11-25') "
                             "WHERE indicator_id = 'mu_bra_plats_att_bo'").fetchall()
    assert series == [("2021", 91.0, "deltog", 512)]


def test_without_release_metadata_the_warehouse_does_not_guess(kf_conn):
    _asked(kf_conn, ["N00528", "N00667"], [2022], "2026-03-01")
    assert _participation(kf_conn, "2026-11-25") == {2022: ("okänt", None)}


def test_the_insikt_series_break_two_lines_never_joined_status_on_the_new_definition(kf_conn):
    for year, value in [(2021, 74.0), (2022, 70.3), (2024, 71.0), (2025, 99.0)]:
        observe(kf_conn, "U07451", year, value, "2026-03-01")  # 2025 under the old id: past its end
    status = kf_conn.execute("SELECT status, aktuellt_varde FROM ind.indicator_status "
                             "WHERE indicator_id = 'insikt_totalt'").fetchall()[0]
    assert status == ("ingen data", None)  # the old definition never stands in for the new
    observe(kf_conn, "U07453", 2024, 68.0, "2026-04-24")
    observe(kf_conn, "U07453", 2025, 76.0, "2026-04-24")
    row = kf_conn.execute("SELECT status, aktuellt_varde, prev_period, trend FROM ind.indicator_status "
                          "WHERE indicator_id = 'insikt_totalt'").fetchone()
    assert row == ("uppnått", 76.0, "2024", "bättre")  # compared within the new definition only
    lines = kf_conn.execute("SELECT definition, list(period ORDER BY period) FROM ind.kf_matt_series_asof(DATE '2026-11-25') "
                            "WHERE indicator_id = 'insikt_totalt' GROUP BY definition ORDER BY definition").fetchall()
    assert lines == [("Insikt totalt, gammal definition (t.o.m. 2024)", ["2021", "2022", "2024"]),
                     ("gällande definition", ["2024", "2025"])]
