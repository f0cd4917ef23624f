"""AF's share of inskrivna arbetslösa per kommun, from CONSTRUCTED workbooks (tools/af_workbook.py)."""

import pandas as pd
import pytest
from werkzeug import Response

from sources.af import AfFileError, bas_shares
from sources.kommuner import code_for
from tools.af_workbook import write_workbook

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
    assert (tot.inskrivna_status, tot.andel_status) == ("<5", "<5") and pd.isna(tot.inskrivna) and pd.isna(tot.andel)
    # The labour force is not masked: it keeps its value when only the count is masked.
    assert (tot.arbetskraft, tot.arbetskraft_status) == (5680.5, "")
    assert frame[frame.grupp == "KVI"].iloc[0].andel_status == ""


def test_an_empty_cell_is_missing_not_masked(tmp_path):
    frame = bas_shares(workbook(tmp_path, [ROWS[0][:3] + [312.0, None, 140.0, 2700.0, 172.0, 2980.5]]))
    tot = frame[frame.grupp == "TOT"].iloc[0]
    assert (tot.arbetskraft_status, tot.andel_status, tot.inskrivna_status) == ("..", "..", "")


def test_a_kommun_missing_from_a_month_gets_no_row(tmp_path):
    rows = [["2026-07"] + ROWS[0][1:], ["2026-08"] + ROWS[1][1:]]
    frame = bas_shares(workbook(tmp_path, rows))
    assert sorted(set(zip(frame.period, frame.kommun))) == [("2026-07", "1882"), ("2026-08", "0331")]
    assert set(frame.andel_status) == {""}


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


def test_an_unknown_kommun_name_fails_loudly_naming_the_record(tmp_path):
    with pytest.raises(AfFileError, match="cache 1, post 2, fält KOM: okänt kommunnamn 'Askersunds kommun'"):
        bas_shares(workbook(tmp_path, [ROWS[0], ["2026-08", "Örebro län", "Askersunds kommun", 1.0, 10.0, 1.0, 5.0, 0.0, 5.0]]))
    assert code_for(" ÖREBRO ") == "1880" and code_for("uppgift  saknas") is None


def test_missing_documented_fields_are_named(tmp_path):
    path = write_workbook(tmp_path / "web-inskrivna-arbetslosa-andel-av-bas-2026-08.xlsx", ["PERIOD", "KOM", "ANTAL"],
                          [["2026-08", "Askersund", 1.0]], shared={"KOM"}, heading=HEADING)
    with pytest.raises(AfFileError, match="fält saknas i pivotcachen: TOTSOK, TOTAK"):
        bas_shares(path)


PAGE = """<html><body>
<a href="/download/18.1a2b/1726000000000/web-inskrivna-arbetslosa-andel-av-bas-2026-07.xlsx">juli</a>
<a href='/download/18.9f9f/1728600000000/web-inskrivna-arbetslosa-andel-av-bas-2026-08.xlsx'>augusti</a>
<a href="/download/18.7c7c/1728600000001/web-sok-lan-kom-2026-08.xlsx">sök</a>
<a href="/other/web-inskrivna-arbetslosa-andel-av-bas-arsgenomsnitt-2025.xlsx">år</a>
</body></html>"""


def test_files_are_found_by_name_and_a_month_needs_every_file():
    from sources.af_web import find_files, newest_common_month

    found = find_files(PAGE, "https://arbetsformedlingen.se/statistik/x")
    assert sorted(found["web-inskrivna-arbetslosa-andel-av-bas"]) == ["2026-07", "2026-08"]
    assert found["web-inskrivna-arbetslosa-andel-av-bas"]["2026-08"].startswith("https://arbetsformedlingen.se/download/18.9f9f/")
    both = find_files(PAGE, "https://x/", ("web-inskrivna-arbetslosa-andel-av-bas", "web-sok-lan-kom"))
    assert newest_common_month(both) == "2026-08"
    lagging = {"a": {"2026-07": "u", "2026-08": "u"}, "b": {"2026-07": "u"}}
    assert newest_common_month(lagging) is None  # wait until every file shows August


def test_download_keeps_the_hash_and_sees_a_file_replaced_under_the_same_name(httpserver, tmp_path):
    from sources.af_web import download
    from sources.errors import SourceError
    from sources.http import build_session

    first = write_workbook(tmp_path / "a.xlsx", FIELDS, ROWS[:1], shared={"KOM"}, heading=HEADING).read_bytes()
    second = write_workbook(tmp_path / "b.xlsx", FIELDS, ROWS[:2], shared={"KOM"}, heading=HEADING).read_bytes()
    bodies = [first, second]
    httpserver.expect_request("/f.xlsx").respond_with_handler(
        lambda request: Response(bodies.pop(0), content_type="application/vnd.ms-excel"))
    session = build_session(mode="live")
    target = tmp_path / "af" / "web-inskrivna-arbetslosa-andel-av-bas-2026-08.xlsx"
    sha1, _ = download(session, httpserver.url_for("/f.xlsx"), target)
    sha2, _ = download(session, httpserver.url_for("/f.xlsx"), target)
    assert sha1 != sha2 and target.read_bytes() == second  # same name, new content: a new hash
    httpserver.expect_request("/html.xlsx").respond_with_data("<html>Sidan finns inte</html>", content_type="text/html")
    with pytest.raises(SourceError, match="ingen xlsx-fil"):
        download(session, httpserver.url_for("/html.xlsx"), target)
    assert target.read_bytes() == second  # the good file is untouched


# --- The other four files (CONSTRUCTED by tools/af_workbook.write_month) --------------------

UNITS = [dict(lan="Örebro län", kommun="Askersund", inskrivna=301, arbetskraft=5500.25),
         dict(lan="Uppsala län", kommun="Heby", inskrivna=3, arbetskraft=50.0),
         dict(lan="Västmanlands län", kommun="Heby", inskrivna=40, arbetskraft=400.0),
         dict(lan="Uppgift saknas", kommun="Uppgift saknas", inskrivna=7, arbetskraft=0.0)]


def _value(frame, region, measure):
    row = frame[(frame.region == region) & (frame.measure == measure)].iloc[0]
    return None if row.status else row.value


def test_every_file_gives_per_kommun_totals_summed_over_its_rows(tmp_path):
    from sources.af import file_totals
    from tools.af_workbook import write_month

    files = write_month(tmp_path, "2026-10", UNITS)
    sok, svag, yrke = (file_totals(files[k]) for k in ("sok", "svag", "yrke"))
    # Six rows per kommun (sex x age) sum to the count; Heby's two län collapse into one kommun.
    assert _value(sok, "1882", "INSAL") == 301 and _value(sok, "0331", "INSAL") == 43
    assert _value(svag, "1882", "SAMTLIGA") == 301 and _value(yrke, "1882", "KVAR") == 301
    assert set(sok.region) == {"1882", "0331"}  # "Uppgift saknas" is no kommun
    # web-sok has three caches; the plain one (no UTBILDNING/FODLGRP) is read, not all three.
    assert len(sok) == 2


def test_the_tid_file_is_read_from_its_sheet_with_masking(tmp_path):
    from sources.af import file_totals
    from tools.af_workbook import write_month

    tid = file_totals(write_month(tmp_path, "2026-10", UNITS)["tid"])
    assert _value(tid, "1882", "ARBETSLOSA") == 301 and _value(tid, "1882", "UA06") == 120
    # Heby: 3 is shown as "<5" under one län, so the kommun's sum is masked, never 3 or 40 or
    # 43; what is known is kept as the interval 40–44.
    heby = tid[(tid.region == "0331") & (tid.measure == "ARBETSLOSA")].iloc[0]
    assert heby.status == "<5" and pd.isna(heby.value) and (heby.low, heby.high) == (40, 44)


def test_a_tid_sheet_without_a_documented_column_is_named(tmp_path):
    from sources.af import file_totals
    from tools.af_workbook import write_pivot_workbook

    path = write_pivot_workbook(tmp_path / "web-inskrivna-arbetslosa-tid-utan-arbete-lan-kom-2026-10.xlsx", [],
                                {"Total": [["Rubrik"], [], [], [], ["PERIOD", "LÄN", "KOMMUN", "ARBETSLÖSA"],
                                           ["2026-10", "Örebro län", "Askersund", 12]]})
    with pytest.raises(AfFileError, match="rad 5: kolumner saknas: Utan arbete mer än 6 månader"):
        file_totals(path)
    path = write_pivot_workbook(path, [], {"Total": [["PERIOD", "LÄN", "KOMMUN", "ARBETSLÖSA",
                                                      "Utan arbete mer än 6 månader", "Utan arbete mer än 12 månader",
                                                      "Utan arbete mer än 24 månader"],
                                                     ["okt 2026", "Örebro län", "Askersund", 12, 5, 5, "<5"]]})
    with pytest.raises(AfFileError, match="rad 2: PERIOD 'okt 2026' är inte en månad"):
        file_totals(path)
    header = ["PERIOD", "LÄN", "KOMMUN", "ARBETSLÖSA", "Utan arbete mer än 6 månader",
              "Utan arbete mer än 12 månader", "Utan arbete mer än 24 månader"]
    path = write_pivot_workbook(path, [], {"Total": [header, ["2026-10", "Örebro län", "Askersund", 12, 5]]})
    row = file_totals(path).set_index("measure").loc["UA24"]
    assert row.status == ".."  # blank trailing cells are empty figures, not an IndexError
    path = write_pivot_workbook(path, [], {"Total": [header, ["2026-10", "Örebro län", None, 12, 5, 5, 1]]})
    with pytest.raises(AfFileError, match="rad 2, kolumn KOMMUN: kommunnamnet saknas"):
        file_totals(path)


def test_a_file_is_known_by_its_name(tmp_path):
    from sources.af import kind_of

    assert kind_of("web-sok-lan-kom-2026-10.xlsx") == "sok"
    assert kind_of("web-inskrivna-arbetslosa-andel-av-registerbaserad-arbetskraft-2022-12.xlsx") == "bas"
    with pytest.raises(AfFileError, match="okänt filnamn"):
        kind_of("web-tid-riket-2026-10.xlsx")


def test_a_non_numeric_count_names_file_record_and_field(tmp_path):
    rows = [ROWS[0], ROWS[0][:3] + [312.0, "n/a", 140.0, 2700.0, 172.0, 2980.5]]
    with pytest.raises(AfFileError, match=r"andel-av-bas-2026-08.xlsx: cache 1, post 2, fält TOTAK: inte ett tal \('n/a'\)"):
        bas_shares(workbook(tmp_path, rows))
