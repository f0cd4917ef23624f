"""AF's share of inskrivna arbetslösa per kommun, from CONSTRUCTED workbooks (tests/af_workbook.py)."""

import pandas as pd
import pytest

from sources.af import AfFileError, bas_shares
from sources.kommuner import UnknownKommun, code_for
from tests.af_workbook import write_workbook

FIELDS = ["PERIOD", "LAN", "KOM", "TOTSOK", "TOTAK", "KVISOK", "KVIAK", "MANSOK", "MANAK"]
HEADING = "Inskrivna arbetslösa 16-65 år i procent av arbetskraften (BAS), augusti 2026"


def workbook(tmp_path, rows, name="web-inskrivna-arbetslosa-andel-av-bas-2026-08.xlsx", heading=HEADING):
    return write_workbook(tmp_path / name, FIELDS, rows, shared={"PERIOD", "LAN", "KOM"}, heading=heading)


ROWS = [
    ["2026-08", "Örebro län", "Askersund", 312.0, 5680.5, 140.0, 2700.0, 172.0, 2980.5],
    # Heby under two län in the history: one kommun, shares from summed parts.
    ["2026-08", "Uppsala län", "Heby", 10.0, 100.0, 4.0, 50.0, 6.0, 50.0],
    ["2026-08", "Västmanlands län", "Heby", 60.0, 200.0, 30.0, 100.0, 30.0, 100.0],
    ["2026-08", "Uppgift saknas", "Uppgift saknas", 7.0, 0.0, 3.0, 0.0, 4.0, 0.0],
]


def test_shares_from_summed_numerators_and_denominators(tmp_path):
    frame = bas_shares(workbook(tmp_path, ROWS))
    tot = {r.kommun: r for r in frame[frame.grupp == "TOT"].itertuples()}
    assert set(tot) == {"1882", "0331"}  # "Uppgift saknas" is no kommun
    assert tot["1882"].andel == pytest.approx(312 / 5680.5 * 100)
    assert tot["0331"].andel == pytest.approx(70 / 300 * 100)  # not the mean of 10 % and 30 %
    assert tot["1882"].alder == "16-65" and tot["1882"].namnare == "BAS" and tot["1882"].period == "2026-08"
    assert (frame.grupp == "KVI").sum() == 2


def test_masked_cells_stay_missing_and_flagged(tmp_path):
    rows = [ROWS[0][:3] + ["<5", 5680.5, 2.0, 2700.0, "<5", 2980.5]]
    frame = bas_shares(workbook(tmp_path, rows))
    tot = frame[frame.grupp == "TOT"].iloc[0]
    assert tot.masked and pd.isna(tot.inskrivna) and pd.isna(tot.andel)
    assert not frame[frame.grupp == "KVI"].iloc[0].masked


def test_age_band_and_basis_come_from_the_file(tmp_path):
    path = workbook(tmp_path, ROWS[:1], name="web-inskrivna-arbetslosa-2022-12.xlsx")
    with pytest.raises(AfFileError, match="BAS eller RAMS"):
        bas_shares(path)
    path = workbook(tmp_path, ROWS[:1], name="web-inskrivna-arbetslosa-andel-av-reg-2022-12.xlsx",
                    heading="Inskrivna arbetslösa 16–64 år, andel av registerbaserad arbetskraft")
    row = bas_shares(path).iloc[0]
    assert (row.alder, row.namnare) == ("16-64", "RAMS")
    with pytest.raises(AfFileError, match="åldersintervallet"):
        bas_shares(workbook(tmp_path, ROWS[:1], heading="Inskrivna arbetslösa"))


def test_an_unknown_kommun_name_fails_loudly(tmp_path):
    with pytest.raises(UnknownKommun, match="okänt kommunnamn 'Askersunds kommun'"):
        bas_shares(workbook(tmp_path, [["2026-08", "Örebro län", "Askersunds kommun", 1.0, 10.0, 1.0, 5.0, 0.0, 5.0]]))
    assert code_for(" ÖREBRO ") == "1880" and code_for("uppgift  saknas") is None


def test_missing_documented_fields_are_named(tmp_path):
    path = write_workbook(tmp_path / "web-inskrivna-arbetslosa-andel-av-bas-2026-08.xlsx", ["PERIOD", "KOM", "ANTAL"],
                          [["2026-08", "Askersund", 1.0]], shared={"KOM"}, heading=HEADING)
    with pytest.raises(AfFileError, match="fält saknas i pivotcachen: TOTSOK, TOTAK"):
        bas_shares(path)
