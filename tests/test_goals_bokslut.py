"""The bokslut report of KF's goals: its rows are the SQL views' rows (the report adds layout,
never figures), in HTML, XLSX, the terminal and the Dagster job alike."""

from datetime import date

import dagster as dg
import pytest
from openpyxl import load_workbook

from pipelines.cli import main
from pipelines.definitions import defs as load_defs
from tests.conftest import observe
from tests.test_cli import built  # noqa: F401 - the module-scoped replay warehouse
from warehouse.goals.bokslut import BokslutError, bokslut
from warehouse.presentation.goals_text import render_goals
from warehouse.presentation.reports.bokslut import structure, write_bokslut_reports


@pytest.fixture
def filled(kf_conn):
    observe(kf_conn, "N03102", 2021, 3.3, "2026-03-01")
    observe(kf_conn, "N03102", 2022, 1.7, "2026-03-01")
    observe(kf_conn, "N03002", 2022, 17.7, "2026-03-01")
    observe(kf_conn, "N00090", 2022, 6.5, "2026-03-01")
    observe(kf_conn, "N00090", 2022, 6.0, "2026-03-01", region="0617")  # a group member, if loaded
    return kf_conn


def test_every_judgement_and_matt_row_is_the_views(filled):
    b = bokslut(filled, 2022, date(2026, 11, 25))
    view = {(r[0], r[1]): r[2] for r in filled.execute(
        "SELECT niva, id, bedomning FROM ind.kf_maluppfyllelse_asof(DATE '2026-11-25', ar := 2022)").fetchall()}
    shown = {}
    for area in structure(b):
        shown[("målområde", area["id"])] = area["bedomning"]
        for goal in area["goals"]:
            shown[("strategiskt mål", goal["id"])] = goal["bedomning"]
            for p in goal["precs"]:
                shown[("målprecisering", p["id"])] = p["bedomning"]
    assert shown == view and len(view) == 27
    matt = {r[0]: r[1:] for r in filled.execute(
        "SELECT indicator_id, aktuellt_varde, status FROM ind.kf_matt_status_asof(DATE '2026-11-25', ar := 2022)"
    ).fetchall()}
    rows = {m["id"]: m for a in structure(b) for g in a["goals"] for p in g["precs"] for m in p["matt"]}
    assert {k: (v["varde_raw"], v["status"]) for k, v in rows.items()} == matt
    assert rows["kf_resultat_andel"]["varde"] == "1,7" and rows["kf_sjukfranvaro"]["status"] == "uppnått"
    # the bokslut of 2021 shows the 2021 value, and says so where a mått's newest is older
    b21 = bokslut(filled, 2021, date(2026, 11, 25))
    rows21 = {m["id"]: m for a in structure(b21) for g in a["goals"] for p in g["precs"] for m in p["matt"]}
    assert rows21["kf_resultat_andel"]["varde"] == "3,3"
    assert b.summary_line().startswith(f"{b.summary()['uppfyllt']} av 10 strategiska mål uppfyllda")


def test_html_and_xlsx_carry_the_same_figures(filled, tmp_path):
    html, xlsx = write_bokslut_reports(filled, 2022, tmp_path, as_of=date(2026, 11, 25))
    text = html.read_text(encoding="utf-8")
    b = bokslut(filled, 2022, date(2026, 11, 25))
    assert b.summary_line() in text and "konstruerat exempel" in text
    for goal in b.levels[b.levels["niva"] == "målprecisering"]["text"]:
        assert goal in text
    assert "Serieavbrott" in text or "Insikt" in text
    ws = load_workbook(xlsx)["Måluppfyllelse"]
    values = {ws.cell(r, 2).value.split(" (")[0]: ws.cell(r, 4).value for r in range(5, ws.max_row + 1)
              if ws.cell(r, 1).value == "Mått"}
    assert values["Årets resultat, andel av skatt och bidrag"] == pytest.approx(1.7)
    assert values["Soliditet inkl. pensionsåtagande"] == pytest.approx(17.7)
    assert values["Bra plats att bo och leva på"] is None


def test_a_year_not_begun_and_a_catalog_without_goals_are_clear_errors(filled):
    with pytest.raises(BokslutError, match="bokslutet för 2027 kan inte göras per 2026-11-25"):
        bokslut(filled, 2027, date(2026, 11, 25))
    filled.execute("DELETE FROM cfg.kf_strategiska_mal")
    with pytest.raises(BokslutError, match="katalogen har inga KF-mål"):
        bokslut(filled, 2022, date(2026, 11, 25))


def test_the_terminal_view_says_the_example_and_every_goal(filled):
    b = bokslut(filled, None, date(2026, 11, 25))
    out = render_goals(b)
    assert out.startswith("KF:s mål – måluppfyllelse på de senaste värdena (per 2026-11-25)")
    assert "EXEMPEL" in out and all(len(line) <= 100 for line in out.splitlines())
    for goal in b.levels[b.levels["niva"] == "strategiskt mål"]["text"]:
        assert goal[:40] in out.replace("\n    ", " ")


def test_cli_and_dagster_job_write_the_bokslut_from_the_replay_warehouse(built, tmp_path, capsys, monkeypatch):  # noqa: F811
    assert main(["--db", built, "bokslut", "2022", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "strategiska mål uppfyllda" in out and "Bokslut_2022_KF-mal.html" in out
    assert main(["--db", built, "mal"]) == 0
    goals = capsys.readouterr().out
    # Kolada answers for 2022: the reference kommun took no part in the medborgarundersökning.
    assert "Medborgarundersökningen: deltog inte 2022" in goals
    with pytest.raises(SystemExit):
        main(["--db", built, "bokslut", "20x5"])
    monkeypatch.setenv("MALSTYRNING_DUCKDB", built)
    job = load_defs().resolve_job_def("bokslut_job")
    result = job.execute_in_process(run_config={"ops": {"write_bokslut_report": {"config": {"ar": 2022}}}},
                                    instance=dg.DagsterInstance.ephemeral())
    assert result.success
    paths = result.output_for_node("write_bokslut_report")
    assert [p.rsplit("/", 1)[1] for p in paths] == ["Bokslut_2022_KF-mal.html", "Bokslut_2022_KF-mal.xlsx"]


@pytest.fixture(scope="module")
def two_years(tmp_path_factory):
    """A replay warehouse with Kolada 2021 and 2022 (the dump's medborgarundersökning years)."""
    from tests.conftest import FIXED_NOW

    path = tmp_path_factory.mktemp("bokslut") / "wh.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MALSTYRNING_DUCKDB", str(path))
        mp.setenv("MALSTYRNING_HTTP_MODE", "replay")
        mp.setenv("MALSTYRNING_NOW", FIXED_NOW)
        job = load_defs().resolve_job_def("kolada_job")
        for year in ("2021", "2022"):
            assert job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), partition_key=year).success
    return str(path)


def test_a_kommun_that_took_part_shows_its_real_answer_count_beside_the_result(two_years, tmp_path):
    """Real Kolada values (the dump behind the replay): Mörbylånga (0840), one of the reference
    kommun's comparison group, took part in the medborgarundersökning 2021 (522 answers) and
    not in 2022; pointing the mått at it shows both, with the answer count beside the result."""
    import shutil

    from tests.conftest import dump_value
    from warehouse.core import db

    copy = tmp_path / "wh.duckdb"
    shutil.copy(two_years, copy)
    conn = db.connect(copy)
    db.ensure_views(conn)
    from indicator_catalog.catalog import load_catalog
    from warehouse.indicators.catalog_tables import load_catalog_tables
    load_catalog_tables(conn, load_catalog())
    conn.execute("UPDATE cfg.indicators SET region = '0840' WHERE indicator_id = 'mu_bra_plats_att_bo'")
    part = dict(conn.execute("SELECT ar, deltagande FROM ind.kf_survey_participation_asof(DATE '2026-11-25') "
                             "WHERE region = '0840'").fetchall())
    answers = dump_value("N00528", "0840", 2021)
    if answers is None:
        pytest.skip("the Kolada dump's medborgarundersökning files are not here")
    assert part == {2021: "deltog", 2022: "deltog inte"}
    b = bokslut(conn, 2022, date(2026, 11, 25))
    row = next(m for a in structure(b) for g in a["goals"] for p in g["precs"] for m in p["matt"]
               if m["id"] == "mu_bra_plats_att_bo")
    assert row["varde_raw"] == pytest.approx(dump_value("N00667", "0840", 2021)) and row["period"] == "2021"
    assert f"2021: {int(answers)} svar" in row["notes"] and "Medborgarundersökningen 2022: deltog inte" in row["notes"]
