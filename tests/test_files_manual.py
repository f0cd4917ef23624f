"""The manual-values file (sources/manual.py, warehouse/files/manual.py): the contract's edges,
CSV and XLSX alike, every bad row rejected naming file, row and column with nothing loaded,
and values that reach KF's mått with their notes and vintages."""

from datetime import datetime, timezone
from pathlib import Path

import pytest

from sources.manual import ManualFileError, parse_manual
from warehouse.core.db import one
from warehouse.core.hashing import sha256_of
from warehouse.files.inbox import load_file

HEADER = "serie;kommun;period;varde;kalla;inmatad_av;lank"
GOOD = [HEADER,
        "sn_ranking;1882;2024;153;Svenskt Näringsliv 2024 (test);Test Testsson;https://example.org/r",
        "sn_omdome;1882;2024;3,4;Svenskt Näringsliv 2024 (test);Test Testsson;",
        "sn_ranking;0617;2024;88;Svenskt Näringsliv 2024 (test);Test Testsson;"]
NOW = datetime(2026, 11, 25, 9, tzinfo=timezone.utc)


def _write(tmp_path: Path, lines, name="manuella.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _xlsx(tmp_path: Path, lines) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    for n, line in enumerate(lines):
        cells = line.split(";")
        if n:  # as Excel keeps typed cells: kommun and year as numbers (0617 → 617), values as numbers
            cells[1], cells[2], cells[3] = int(cells[1]), int(cells[2]), float(cells[3].replace(",", "."))
        wb.active.append(cells)
    path = tmp_path / "manuella.xlsx"
    wb.save(path)
    return path


def test_csv_and_xlsx_give_the_same_rows(tmp_path):
    csv_rows = parse_manual(_write(tmp_path, GOOD).read_bytes(), "manuella.csv")
    xlsx_rows = parse_manual(_xlsx(tmp_path, GOOD).read_bytes(), "manuella.xlsx")
    cols = ["serie", "kommun", "period", "varde", "kalla", "inmatad_av", "lank"]
    assert csv_rows[cols].values.tolist() == xlsx_rows[cols].values.tolist()
    assert csv_rows["varde"].tolist() == [153, 3.4, 88]
    assert csv_rows["kommun"].tolist() == ["1882", "1882", "0617"]


def test_a_month_written_with_a_dash_is_the_warehouse_month():
    rows = parse_manual(f"{HEADER}\nsn_ranking;1882;2025-03;1;k;v;\n".encode())
    assert rows["period"].tolist() == ["2025M03"] and str(rows["period_end"][0]) == "2025-03-31"


@pytest.mark.parametrize("line, where", [
    ("sn_ranking;9999;2024;1;k;v;", "rad 2, kolumn kommun: inte en av de 290 kommunkoderna"),
    ("sn_ranking;1882;2024Q1;1;k;v;", "rad 2, kolumn period: inte en period"),
    ("sn_ranking;1882;2024;etthundra;k;v;", "rad 2, kolumn varde: inte ett tal"),
    ("sn_ranking;1882;2024;nan;k;v;", "rad 2, kolumn varde"),
    ("sn_ranking;1882;2024;1;;v;", "rad 2, kolumn kalla: tomt"),
    ("sn_ranking;1882;2024;1;k;;", "rad 2, kolumn inmatad_av: tomt"),
    ("sn_ranking;1882;2024;1;k;v;www.example.org", "rad 2, kolumn lank: inte en http(s)-länk"),
    ("SN Ranking;1882;2024;1;k;v;", "rad 2, kolumn serie: inte ett serie-id"),
])
def test_a_bad_row_names_file_row_and_column(line, where):
    with pytest.raises(ManualFileError, match=r"^manuella\.csv: " + where.replace("(", r"\(").replace(")", r"\)")):
        parse_manual(f"{HEADER}\n{line}\n".encode(), "manuella.csv")


def test_missing_columns_and_duplicates_are_refused():
    with pytest.raises(ManualFileError, match="kolumner saknas: kalla"):
        parse_manual(b"serie;kommun;period;varde;inmatad_av\nsn_ranking;1882;2024;1;v\n", "x.csv")
    with pytest.raises(ManualFileError, match="rad 2, 3: samma serie, kommun och period"):
        parse_manual(f"{HEADER}\nsn_ranking;1882;2024;1;k;v;\nsn_ranking;1882;2024;2;k;v;\n".encode(), "x.csv")


def _load(conn, path):
    return load_file(conn, path, sha256_of(path), kommun="1882", now=NOW)


def _values(conn):
    return conn.execute("SELECT series, region, period, value, vintage FROM stg.file_observations "
                        "WHERE source = 'manuell' ORDER BY ALL").fetchall()


@pytest.mark.parametrize("bad", ["sn_ranking;1882;2024;x;k;v;", "sn_rankning;1882;2024;1;k;v;",
                                 "sn_ranking;1882;2027;1;k;v;"])
def test_a_file_with_one_bad_row_loads_nothing(kf_conn, tmp_path, bad):
    outcome = _load(kf_conn, _write(tmp_path, [*GOOD, bad]))
    assert outcome.status == "rejected" and outcome.kind == "manuell"
    assert "rad 5" in outcome.message or "2027" in outcome.message
    assert _values(kf_conn) == []
    assert one(kf_conn, "SELECT count(*) FROM stg.manual_value_notes")[0] == 0
    assert one(kf_conn, "SELECT status FROM raw.file_loads")[0] == "rejected"


def test_an_unknown_series_names_the_row_and_the_known_ones(kf_conn, tmp_path):
    outcome = _load(kf_conn, _write(tmp_path, [HEADER, "sn_rankning;1882;2024;1;k;v;"]))
    assert "rad 2, kolumn serie: ingen indikator eller mått i katalogen läser serien 'sn_rankning'" in outcome.message
    assert "sn_omdome, sn_ranking" in outcome.message


def test_values_reach_the_matt_with_their_notes_and_a_new_file_revises_without_deleting(kf_conn, tmp_path):
    assert _load(kf_conn, _write(tmp_path, GOOD)).status == "loaded"
    row = kf_conn.execute("SELECT aktuellt_varde, period, status FROM ind.indicator_status "
                          "WHERE indicator_id = 'sn_ranking'").fetchone()
    assert row == (153, "2024", "ej uppnått")  # ≤ 100 wanted, tolerance 20
    assert kf_conn.execute("SELECT kalla, inmatad_av, lank FROM stg.manual_value_notes "
                           "WHERE series = 'sn_ranking' AND region = '1882'").fetchone() == \
        ("Svenskt Näringsliv 2024 (test)", "Test Testsson", "https://example.org/r")
    # The next year's file names only 2025, and corrects 2024's omdöme.
    later = _write(tmp_path, [HEADER, "sn_ranking;1882;2025;95;SN 2025 (test);Test Testsson;",
                              "sn_omdome;1882;2024;3,5;SN 2024 rättad (test);Test Testsson;"], "senare.csv")
    assert _load(kf_conn, later).status == "loaded"
    assert _values(kf_conn) == [
        ("sn_omdome", "1882", "2024", 3.4, 1), ("sn_omdome", "1882", "2024", 3.5, 2),
        ("sn_ranking", "0617", "2024", 88.0, 1), ("sn_ranking", "1882", "2024", 153.0, 1),
        ("sn_ranking", "1882", "2025", 95.0, 1)]
    row = kf_conn.execute("SELECT aktuellt_varde, period, status, trend FROM ind.indicator_status "
                          "WHERE indicator_id = 'sn_ranking'").fetchone()
    assert row == (95, "2025", "uppnått", "bättre")  # a lower place is better


def test_the_same_file_twice_is_a_duplicate(kf_conn, tmp_path):
    path = _write(tmp_path, GOOD)
    assert _load(kf_conn, path).status == "loaded"
    assert _load(kf_conn, path).status == "duplicate"
    assert len(_values(kf_conn)) == 3


def test_a_damaged_workbook_and_a_personnummer_are_refused(kf_conn, tmp_path):
    broken = tmp_path / "manuella.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"not a workbook" * 10)
    outcome = _load(kf_conn, broken)
    assert outcome.status == "rejected" and "arbetsboken kan inte läsas" in outcome.message
    person = _write(tmp_path, [HEADER, "sn_ranking;1882;2024;1;k;Anna 19800101-1234;"], "pnr.csv")
    outcome = _load(kf_conn, person)
    assert outcome.status == "rejected" and outcome.person_data and "19800101" not in outcome.message
    assert _values(kf_conn) == []
