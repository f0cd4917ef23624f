"""The controllers' views (schema rapport, warehouse/presentation/views.sql) and their export:
Swedish columns, values rounded as shown, units, direction and names present, the series view
with the comparison group named, and CSV/XLSX read back equal to the view."""

import csv

import openpyxl
import pytest

from pipelines.cli import main
from tests.test_cli import built  # noqa: F401 - the module-scoped replay warehouse
from warehouse.core import db


@pytest.fixture
def conn(built):  # noqa: F811
    c = db.connect(built, read_only=True)
    yield c
    c.close()


def test_indikatorer_rounds_as_shown_and_names_units_direction_and_kommun(conn):
    rows = conn.execute('SELECT "Indikator-id", "Aktuellt värde", "Enhet", "Riktning", "Kommunnamn", "Kommun" '
                        "FROM rapport.indikatorer").fetchall()
    raw = dict(conn.execute("SELECT indicator_id, round(aktuellt_varde, decimals) FROM ind.indicator_status").fetchall())
    direction = dict(conn.execute("SELECT indicator_id, direction FROM cfg.indicators").fetchall())
    assert len(rows) == len(raw)
    for ident, value, unit, sign, name, kod in rows:
        assert value == raw[ident] or (value is None and raw[ident] is None)
        assert unit and sign == ("≤" if direction[ident] == "lower" else "≥")
        assert kod == "1882" and name == "Askersund"
    gast = next(r for r in rows if r[0] == "gastnatter")
    assert gast[1] == round(gast[1], 2)  # the catalog's two decimals


def test_serier_names_the_comparison_group_and_keeps_own_files_own(conn):
    members = {k for (k,) in conn.execute('SELECT "Kommun" FROM rapport.jamforelsegrupp').fetchall()}
    assert len(members) == 7
    rows = conn.execute('SELECT "Kommun", "Kommunnamn", "Egen kommun", "I jämförelsegruppen", "Jämförelsegrupp" '
                        "FROM rapport.serier WHERE \"Indikator-id\" = 'gastnatter' AND \"Period\" = '2022'").fetchall()
    assert {r[0] for r in rows} - {"1882"} <= members and any(r[0] == "1882" and r[2] for r in rows)
    assert all(r[3] == (r[0] in members) and r[1] and r[4].startswith("Liknande kommuner") for r in rows)
    own = conn.execute("SELECT DISTINCT \"Kommun\" FROM rapport.serier WHERE \"Källa\" IN ('hr', 'ekonomi', 'manuell')"
                       ).fetchall()
    assert own in ([], [("1882",)])


def test_export_writes_the_view_as_swedish_excel_reads_it(built, tmp_path, capsys, conn):  # noqa: F811
    assert main(["--db", built, "export", "rapport.indikatorer", "--out", str(tmp_path / "i.csv")]) == 0
    assert "rader" in capsys.readouterr().out
    text = (tmp_path / "i.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(text.splitlines(), delimiter=";"))
    view = conn.execute('SELECT "Indikator-id", "Aktuellt värde" FROM rapport.indikatorer').fetchall()
    header = rows[0]
    got = {r[header.index("Indikator-id")]: r[header.index("Aktuellt värde")] for r in rows[1:]}
    for ident, value in view:
        assert got[ident] == ("" if value is None else str(value).replace(".", ","))
    assert main(["--db", built, "export", "rapport.serier", "--out", str(tmp_path / "s.xlsx")]) == 0
    ws = openpyxl.load_workbook(tmp_path / "s.xlsx").active
    n = conn.execute("SELECT count(*) FROM rapport.serier").fetchall()[0][0]
    assert ws.max_row == n + 1 and isinstance(ws.cell(2, 12).value, (int, float))
    assert main(["--db", built, "export", "raw.kolada_responses"]) == 1
    assert "okänd vy 'raw.kolada_responses'" in capsys.readouterr().err


def test_the_uppdrag_views_follow_the_rules_in_swedish(conn):
    # As of the warehouse's today (the fixed clock, 2026-11-25).
    uppdrag = conn.execute('SELECT "Uppdrag-id", "Nämnd", "Indikatorer", "Sena rapporter", "Kandidat att avsluta" '
                           "FROM rapport.uppdrag ORDER BY 1").fetchall()
    rule = conn.execute("SELECT uppdrag_id, namnd, n_indikatorer, n_sena, kandidat_avslut "
                        "FROM ind.uppdrag_uppfoljning_asof(ind.today()) ORDER BY 1").fetchall()
    assert uppdrag == rule and len(uppdrag) == len(conn.execute("SELECT * FROM cfg.uppdrag").fetchall())
    late = conn.execute("""SELECT "Uppdrag-id", "Planerat möte" FROM rapport.uppdrag_tidplan WHERE "Läge" = 'sen'"""
                        ).fetchall()
    flagged = conn.execute("""SELECT count(*) FROM rapport.flaggor WHERE "Flagga" = 'delrapport sen'""").fetchall()[0][0]
    assert late and len(late) == flagged
    assert all(str(day) < "2026-11-25" for _, day in late)
    linked = conn.execute('SELECT "Roll", "Aktuellt värde" FROM rapport.uppdrag_indikatorer').fetchall()
    assert {role for role, _ in linked} == {"ursprung", "uppföljning"}
    # Each nämnd's list for its own meetings, beside KF's.
    bodies = {n for (n,) in conn.execute('SELECT DISTINCT "Nämnd" FROM rapport.namnd_lista').fetchall()}
    assert bodies <= {n for (n,) in conn.execute("SELECT DISTINCT namnd FROM cfg.namnd_meetings").fetchall()}
    assert bodies


def test_the_governance_table_names_the_uppdrag_behind_its_uppdrag_column(conn):
    rows = conn.execute('SELECT "Indikator-id", "Uppdrag", "Följs av uppdrag" FROM ind.namnd_indikatorer').fetchall()
    links = conn.execute("SELECT indicator_id, uppdrag_id FROM cfg.uppdrag_indikatorer").fetchall()
    for ident, flag, followed in rows:
        ids = sorted(u for i, u in links if i == ident)
        assert followed == (", ".join(ids) or None)
        assert flag == "Nej" or ids  # every "Ja" has its uppdrag
