"""AF files into totals, observations and the cross-file checks (CONSTRUCTED workbooks)."""

from datetime import datetime, timezone

import pytest

from sources.af_web import Download
from tools.af_workbook import write_month
from warehouse.af import load as af
from warehouse.core import db
from warehouse.core.observations import RetirementRefused

UNITS = [dict(lan="Örebro län", kommun="Askersund", inskrivna=301, arbetskraft=5500.25),
         dict(lan="Stockholms län", kommun="Vaxholm", inskrivna=4, arbetskraft=90.0),
         dict(lan="Uppgift saknas", kommun="Uppgift saknas", inskrivna=7, arbetskraft=0.0)]
T0 = datetime(2026, 11, 16, 8, tzinfo=timezone.utc)


def record(conn, files, month="2026-10", at=T0):
    import hashlib

    downloads = [Download(kind, p.name, f"https://arbetsformedlingen.se/download/18.1/1/{p.name}",
                          hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_size, p, at)
                 for kind, p in files.items()]
    af.record_downloads(conn, downloads, file_month=month, alder="16-65", namnare="BAS", run_id=None)


def current(conn, series, region="1882", breakdown="TOT"):
    return conn.execute("SELECT value, status, alder, namnare, vintage FROM stg.af_observations "
                        "WHERE series = ? AND region = ? AND breakdown = ? ORDER BY vintage DESC LIMIT 1",
                        [series, region, breakdown]).fetchall()


def test_a_month_becomes_observations_and_all_four_checks_hold(conn, tmp_path):
    record(conn, write_month(tmp_path / "a", "2026-10", UNITS))
    out = af.load_month(conn, "2026-10")
    assert out["periods"] == ["2026M10"] and out["files"] == 5
    [(andel, status, alder, namnare, vintage)] = current(conn, "inskrivna_arbetslosa_andel")
    assert andel == pytest.approx(100 * 301 / 5500.25) and (status, alder, namnare) == ("", "16-65", "BAS")
    assert current(conn, "utan_arbete_6_manader", breakdown="T")[0][0] == 120
    # Vaxholm's 4 is "<5" in the tid file: the count is masked there, so its check cannot be exact.
    assert current(conn, "utan_arbete_24_manader", region="0187", breakdown="T")[0][:2] == (None, "<5")
    checks = af.cross_checks(conn, "2026-10")
    assert set(checks.kontroll) == set(af.CHECKS)
    by = {(r.kontroll, r.region): r.utfall for r in checks.itertuples()}
    assert {by[(k, "1882")] for k in af.CHECKS} == {"ok"}
    assert {by[(k, "0187")] for k in af.CHECKS} == {"maskerad"}
    # Loading the same files again changes nothing.
    assert af.load_month(conn, "2026-10")["result"].changed == 0


def test_disagreeing_files_are_not_loaded_and_the_last_good_month_stays(conn, tmp_path):
    record(conn, write_month(tmp_path / "a", "2026-10", UNITS))
    af.load_month(conn, "2026-10")
    before = conn.execute("SELECT * FROM stg.af_observations ORDER BY ALL").fetchall()
    files = write_month(tmp_path / "b", "2026-10", [dict(UNITS[0], inskrivna=320)] + UNITS[1:])
    other = write_month(tmp_path / "c", "2026-10", [dict(UNITS[0], inskrivna=319)])  # one less, no Vaxholm
    files["yrke"] = other["yrke"]
    record(conn, files, at=datetime(2026, 11, 20, tzinfo=timezone.utc))
    with pytest.raises(af.CrossChecksFailed, match="AF 2026-10: filerna stämmer inte med varandra \\(yrke_kvar 2\\)"):
        af.load_month(conn, "2026-10")
    assert conn.execute("SELECT * FROM stg.af_observations ORDER BY ALL").fetchall() == before
    checks = af.cross_checks(conn, "2026-10")
    yrke = {r.region: r for r in checks[checks.kontroll == "yrke_kvar"].itertuples()}
    assert (yrke["1882"].utfall, yrke["1882"].varde, yrke["1882"].arbetslosa) == ("avvikelse", 319, 320)
    assert yrke["0187"].utfall == "saknas"
    assert set(checks[checks.kontroll != "yrke_kvar"].utfall) <= {"ok", "maskerad"}


def test_a_masked_count_passes_only_when_the_other_file_can_match_it(conn, tmp_path):
    # Vaxholm's 4 is "<5" in the tid file (0–4): the sok file's 4 fits, a 9 cannot.
    files = write_month(tmp_path / "a", "2026-10", UNITS)
    files["sok"] = write_month(tmp_path / "b", "2026-10", [UNITS[0], dict(UNITS[1], inskrivna=9)])["sok"]
    record(conn, files)
    with pytest.raises(af.CrossChecksFailed, match="sok_insal 1"):
        af.load_month(conn, "2026-10")
    checks = af.cross_checks(conn, "2026-10")
    by = {(r.kontroll, r.region): r.utfall for r in checks.itertuples()}
    assert by[("sok_insal", "0187")] == "avvikelse" and by[("yrke_kvar", "0187")] == "maskerad"


def test_files_with_a_series_and_files_with_one_month_can_be_mixed(conn, tmp_path):
    series = write_month(tmp_path / "a", "2026-10", UNITS, periods=["2026-09", "2026-10"])
    files = dict(series, tid=write_month(tmp_path / "b", "2026-10", UNITS)["tid"])  # tid: October only
    record(conn, files)
    out = af.load_month(conn, "2026-10")
    assert out["periods"] == ["2026M09", "2026M10"]
    assert set(out["checks"].period) == {"2026-10"}  # September is in one side only: not compared


def test_a_replacement_without_a_kommun_keeps_its_values(conn, tmp_path):
    # A kommun missing from AF's file altogether is an incomplete file, not a deletion.
    record(conn, write_month(tmp_path / "a", "2026-10", UNITS))
    af.load_month(conn, "2026-10")
    current = ("SELECT series, breakdown, region, period, value FROM stg.current_observations "
               "WHERE source = 'arbetsformedlingen' ORDER BY ALL")
    before = conn.execute(current).fetchall()
    record(conn, write_month(tmp_path / "b", "2026-10", UNITS[:1]), at=datetime(2026, 11, 20, tzinfo=timezone.utc))
    logged = []
    result = af.load_month(conn, "2026-10", log=logged.append)["result"]
    assert (result.deleted, result.kept > 0) == (0, True)
    assert conn.execute(current).fetchall() == before
    assert any("värdena behålls" in line and "0187" in line for line in logged), logged


def test_a_replacement_without_a_month_retires_it_only_past_the_guard_when_confirmed(conn, tmp_path):
    # The kommuner are in the new file but September is gone: a deletion, of half the values.
    record(conn, write_month(tmp_path / "a", "2026-10", UNITS, periods=["2026-09", "2026-10"]))
    af.load_month(conn, "2026-10")
    record(conn, write_month(tmp_path / "b", "2026-10", UNITS), at=datetime(2026, 11, 20, tzinfo=timezone.utc))
    before = conn.execute("SELECT * FROM stg.af_observations ORDER BY ALL").fetchall()
    with pytest.raises(RetirementRefused, match="skulle ta bort"):
        af.load_month(conn, "2026-10")
    assert conn.execute("SELECT * FROM stg.af_observations ORDER BY ALL").fetchall() == before
    assert af.load_month(conn, "2026-10", guard=None)["result"].deleted > 0
    periods = conn.execute("SELECT DISTINCT period FROM stg.current_observations "
                           "WHERE source = 'arbetsformedlingen'").fetchall()
    assert periods == [("2026M10",)]


def test_a_file_replaced_under_the_same_name_revises_the_month(conn, tmp_path):
    record(conn, write_month(tmp_path / "a", "2026-10", UNITS))
    af.load_month(conn, "2026-10")
    record(conn, write_month(tmp_path / "b", "2026-10", [dict(UNITS[0], inskrivna=310)] + UNITS[1:]),
           at=datetime(2026, 11, 20, tzinfo=timezone.utc))
    result = af.load_month(conn, "2026-10")["result"]
    assert result.revised > 0
    rows = conn.execute("SELECT vintage, value FROM stg.af_observations WHERE series = 'inskrivna_arbetslosa' "
                        "AND region = '1882' AND breakdown = 'TOT' ORDER BY vintage").fetchall()
    assert rows == [(1, 301.0), (2, 310.0)]  # the first file's figure is kept as vintage 1
    assert set(af.cross_checks(conn, "2026-10").utfall) <= {"ok", "maskerad"}  # the newest files only


def test_loading_a_month_without_downloads_or_with_a_lost_file_says_so(conn, tmp_path):
    with pytest.raises(LookupError, match="Inga AF-filer är hämtade för 2026-09"):
        af.load_month(conn, "2026-09")
    files = write_month(tmp_path / "a", "2026-10", UNITS)
    record(conn, files)
    files["sok"].unlink()
    with pytest.raises(FileNotFoundError, match="web-sok-lan-kom-2026-10.xlsx: den hämtade filen"):
        af.load_month(conn, "2026-10")


def year_of_af(conn, tmp_path, year=2025, per_month=lambda m: (300 + m, 5500.0 + 10 * m)):
    """Twelve file months, each file holding its own month."""
    for m in range(1, 13):
        month = f"{year}-{m:02d}"
        n, ak = per_month(m)
        record(conn, write_month(tmp_path / month, month, [dict(UNITS[0], inskrivna=n, arbetskraft=ak)]), month=month)
        af.load_month(conn, month)


def test_the_yearly_af_share_is_a_ratio_of_sums_beside_kolada_n03941(conn, tmp_path):
    from tests.conftest import observe

    year_of_af(conn, tmp_path)
    observe(conn, "N03941", 2025, 5.2, "2026-02-01")
    row = conn.execute("SELECT ar, manader, eget_varde, kolada_kpi, kolada_varde FROM ind.kolada_kontroll "
                       "WHERE indicator_id = 'oppen_arbetsloshet'").fetchone()
    expected = 100 * sum(300 + m for m in range(1, 13)) / sum(5500.0 + 10 * m for m in range(1, 13))
    assert row[:2] == (2025, 12) and row[2] == pytest.approx(expected) and row[3:] == ("N03941", 5.2)


def test_the_kolada_year_check_warns_only_on_a_full_year_off_by_more_than_a_point(conn, tmp_path):
    import dagster as dg
    from dagster_duckdb import DuckDBResource

    from pipelines.defs.af.checks import af_kolada_yearly
    from tests.conftest import observe

    year_of_af(conn, tmp_path)  # about 5.5 %
    observe(conn, "N03941", 2025, 5.2, "2026-02-01")
    path = conn.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    conn.close()
    check = lambda: af_kolada_yearly(duckdb=DuckDBResource(database=path))  # noqa: E731
    result = check()
    assert result.passed and result.metadata["compared"].value == 1
    c = db.connect(path)
    observe(c, "N03941", 2025, 3.9, "2026-03-01")  # Kolada revised: now 1.6 points apart
    c.close()
    result = check()
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN


def test_the_demo_lines_show_the_month_and_the_companion_figure(conn, tmp_path):
    from warehouse.presentation.text import render_af_month, render_manadsvarden

    record(conn, write_month(tmp_path / "a", "2026-10", UNITS))
    af.load_month(conn, "2026-10")
    text = render_af_month(conn, "1882")
    assert "2026-10: 5,5 % inskrivna arbetslösa 16-65 år av arbetskraften (BAS), 301 av 5 500" in text
    assert "4 av 4 kontroller stämmer" in text
    assert "Öppen arbetslöshet: 5,5 % (2026-10)" in render_manadsvarden(conn)


def test_a_period_held_by_a_newer_file_month_is_never_turned_back_by_an_older_one(conn, tmp_path):
    # Files that carry a series (unverified for AF, so both shapes must work): September's
    # files hold 08-09, October's 08-10 with revised figures.
    sept = write_month(tmp_path / "09", "2026-09", [UNITS[0]], periods=["2026-08", "2026-09"])
    octo = write_month(tmp_path / "10", "2026-10", [dict(UNITS[0], inskrivna=310)],
                       periods=["2026-08", "2026-09", "2026-10"])
    record(conn, sept, month="2026-09")
    assert af.load_month(conn, "2026-09")["periods"] == ["2026M08", "2026M09"]
    record(conn, octo, month="2026-10")
    af.load_month(conn, "2026-10")
    messages = []
    out = af.load_month(conn, "2026-09", log=messages.append)  # a backfill of the older month
    assert out["result"].changed == 0 and out["periods"] == []
    assert any("2026-08, 2026-09 finns i nyare filer" in m for m in messages)
    rows = conn.execute("SELECT period, value FROM stg.current_observations WHERE series = 'inskrivna_arbetslosa' "
                        "AND region = '1882' AND breakdown = 'TOT' ORDER BY period").fetchall()
    assert rows == [("2026M08", 310.0), ("2026M09", 310.0), ("2026M10", 310.0)]


def test_a_file_for_the_wrong_month_is_refused_and_nothing_is_loaded(conn, tmp_path):
    files = write_month(tmp_path / "a", "2026-10", UNITS)
    files["tid"] = write_month(tmp_path / "b", "2026-09", UNITS)["tid"].rename(tmp_path / "b" / files["tid"].name)
    record(conn, files)
    with pytest.raises(af.AfFileError, match="tid-utan-arbete-lan-kom-2026-10.xlsx: filen gäller 2026-10 enligt "
                                             "namnet men innehåller 2026-09"):
        af.load_month(conn, "2026-10")
    assert conn.execute("SELECT count(*) FROM stg.af_observations").fetchone()[0] == 0
