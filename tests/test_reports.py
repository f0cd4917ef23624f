"""KF report documents (warehouse/reports): the XLSX read back, the HTML rendered in Chromium."""

import re
from datetime import date, datetime, timezone

import openpyxl
import pytest

from tests.browser import chromium, rendered_text, screenshot
from tests.conftest import observe
from warehouse.presentation.reports.write import COLUMNS, write_meeting_reports

MEETING = date(2026, 11, 23)  # bundled calendar: papers by 6 November; the budget meeting, no välfärd turn
PEERS = {"0617": [9.0, 9.5, 10.0], "0840": [11.0, 12.0, 13.0]}  # gästnätter 2020-2022
KOMMUN = [7.8, 8.1, 8.49]
GENERATED = datetime(2026, 11, 8, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def reports(conn, tmp_path):
    conn.execute("INSERT INTO raw.kolada_municipality_group_members VALUES "
                 "('G37333', 'Liknande kommuner, övergripande, Askersund, 2025', '0617', 'Gnosjö', 1), "
                 "('G37333', 'Liknande kommuner, övergripande, Askersund, 2025', '0840', 'Mörbylånga', 1)")
    conn.execute("UPDATE cfg.settings SET jamforelsegrupp = 'G37333'")
    for year, value in zip((2020, 2021, 2022), KOMMUN):
        observe(conn, "N45850", year, value, "2026-11-01")
        for region, values in PEERS.items():
            observe(conn, "N45850", year, values[year - 2020], "2026-11-01", region=region)
    # A välfärd indicator with new data: Barn- och utbildningsnämnden has no turn on 23 Nov.
    observe(conn, "N03937", 2022, 4.1, "2026-11-01")
    paths = write_meeting_reports(conn, MEETING, tmp_path / "rapporter", generated=GENERATED)
    return {p.suffix: p for p in paths}


def test_the_xlsx_holds_the_governance_table_with_numbers_and_status(reports):
    wb = openpyxl.load_workbook(reports[".xlsx"])
    ws = wb["Indikatorer"]
    assert [c.value for c in ws[4]] == COLUMNS
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=5, max_row=ws.max_row) if r[0].value]
    due = [r for r in rows if r[1] in ("Attraktion", "Välfärd", "Företagsklimat", "Finansiellt", "Organisatoriskt")]
    assert [r[3] for r in due] == ["Gästnätter per invånare, alla anläggningstyper, källa Tillväxtverket (via Kolada)"]
    row = due[0]
    assert row[2] == "Gästnätter" and row[6] == "nätter per invånare"  # short name and unit
    assert row[0] == "Socialnämnden" and row[4] == 8.0 and row[5] == pytest.approx(8.49)  # numbers, not text
    assert ws.cell(5, 5).number_format.startswith('"≥ "')  # the target keeps its direction
    assert row[7] == datetime(2022, 12, 31) and ws.cell(5, 8).number_format == "yyyy-mm-dd"  # a date cell
    # Förändring: the change of the shown values, a number with its trend arrow in the format
    assert row[8] == pytest.approx(round(8.49, 2) - round(8.1, 2)) and '" ↑"' in ws.cell(5, 9).number_format
    assert row[9:12] == ["Nej", "Nej", "Ja"]
    assert row[12] == "● uppnått"  # readable without colour
    assert ws.cell(5, 6).number_format == "#,##0.00"  # the catalog's two decimals
    assert ws.cell(5, 13).fill.fgColor.rgb.endswith("C6EFCE")  # green for uppnått
    peer_mean = sum(v[2] for v in PEERS.values()) / len(PEERS)
    # separate from status, with how many of the group have the figure
    assert row[13] == f"snitt {peer_mean:.2f}".replace(".", ",") + " (2 av 2 kommuner); sämre än snittet; plats 3 av 3"
    # 2022-12-31 is more than 30 months before the papers of 23 Nov 2026 (settings.yaml)
    assert row[14] == "Nytt värde; OBS: värdet är äldre än 30 månader"
    assert "replay-läge" in ws["A3"].value and "exempel" in ws["A3"].value


def test_the_xlsx_has_one_excel_chart_per_due_indicator_with_its_data_and_source(reports):
    wb = openpyxl.load_workbook(reports[".xlsx"])
    assert len(wb["Diagram"]._charts) == 1
    assert any(c.value == "Källa: Kolada" for row in wb["Diagram"].iter_rows() for c in row)
    data = [[c.value for c in r] for r in wb["Diagramdata"].iter_rows()]
    assert data[0][0] == "Gästnätter"
    assert data[1] == ["Period", "Askersund", "Önskat värde", "Snitt Liknande kommuner, övergripande, Askersund, 2025"]
    assert [r[0] for r in data[2:5]] == ["2020", "2021", "2022"]
    assert [r[1] for r in data[2:5]] == pytest.approx(KOMMUN)
    assert [r[2] for r in data[2:5]] == [8.0, 8.0, 8.0]
    assert [r[3] for r in data[2:5]] == pytest.approx([(a + b) / 2 for a, b in zip(*PEERS.values())])


def test_the_html_report_has_the_table_a_chart_per_indicator_and_the_source(reports):
    html = reports[".html"].read_text(encoding="utf-8")
    assert html.count("<svg") == 1
    assert "Källa: Kolada" in html
    assert re.search(r'<td class="status uppnatt">● uppnått</td>', html)
    assert "+0,39 ↑ bättre sedan 2021" in html and "⚠ värdet är äldre än 30 månader" in html
    assert "Observera:" in html and "replay-läge" in html
    svg_text = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", html))
    assert "Önskat värde 8,00" in svg_text and "Snitt Liknande kommuner" in svg_text  # target and peer lines
    assert "Öppen arbetslöshet" not in html  # välfärd waits for its nämnd's turn


def test_the_html_report_renders_in_chromium(reports, tmp_path):
    browser = chromium()
    url = reports[".html"].as_uri()
    text = rendered_text(browser, url, tmp_path / "profile")
    assert "Indikatorer till KF 2026-11-23" in text and "Gästnätter per invånare" in text
    assert "Källa: Kolada" in text and "uppnått" in text
    png = screenshot(browser, url, tmp_path / "rapport.png", tmp_path / "profile2")
    assert png.stat().st_size > 20_000  # a rendered page with a chart, not a blank one


def test_the_html_report_prints_on_a4_landscape(reports, tmp_path):
    # Printed from a browser it fits every column on A4 landscape (portrait cut the last two).
    import subprocess

    from tests.browser import FLAGS

    pdf = tmp_path / "rapport.pdf"
    subprocess.run([chromium(), *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", reports[".html"].as_uri()], capture_output=True, timeout=120)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf.read_bytes())
    assert boxes and all(round(float(w)) == 842 and round(float(h)) == 595 for w, h in boxes), boxes
    html = reports[".html"].read_text(encoding="utf-8")
    assert "print-color-adjust: exact" in html and '<div class="table-wrap" role="region" tabindex="0"' in html


def test_a_meeting_not_in_the_calendar_is_a_clear_error(conn, tmp_path):
    with pytest.raises(ValueError, match="2026-11-24 är inget KF-sammanträde"):
        write_meeting_reports(conn, date(2026, 11, 24), tmp_path)


def test_a_meeting_with_nothing_due_says_so(conn, tmp_path):
    paths = write_meeting_reports(conn, MEETING, tmp_path, namnd="Socialnämnden", generated=GENERATED)
    assert "Inga indikatorer ska redovisas" in paths[0].read_text(encoding="utf-8")
    assert paths[0].name == "KF_2026-11-23_socialnamnden.html"
    ws = openpyxl.load_workbook(paths[1])["Indikatorer"]
    assert ws.cell(5, 1).value == "Inga indikatorer ska redovisas vid detta sammanträde."


def test_the_report_is_the_same_after_the_meeting_is_marked_reported(conn, reports, tmp_path):
    """What the papers showed stays what the document shows: rep.report_log holds the same rows."""
    from warehouse.meetings.log import mark_reported, reported_at

    assert mark_reported(conn, MEETING, reported_by="test") == 1
    again = {p.suffix: p for p in write_meeting_reports(conn, MEETING, tmp_path / "igen", generated=GENERATED)}
    assert again[".html"].read_text(encoding="utf-8") == reports[".html"].read_text(encoding="utf-8")
    logged = reported_at(conn, MEETING)
    assert logged[["indicator_id", "period", "value"]].values.tolist() == [["gastnatter", "2022", KOMMUN[2]]]


def test_a_revision_after_reporting_is_listed_in_the_next_meetings_report(conn, reports, tmp_path):
    from tests.conftest import at
    from warehouse.meetings.log import mark_reported

    assert mark_reported(conn, MEETING, reported_by="test", now=at("2026-11-23")) == 1
    observe(conn, "N45850", 2022, 8.61, "2026-11-24")  # Kolada revises 2022 after the meeting
    paths = write_meeting_reports(conn, date(2026, 12, 14), tmp_path / "dec", generated=GENERATED)
    html = paths[0].read_text(encoding="utf-8")
    section = html[html.index("Reviderade värden sedan förra redovisningen"):]
    assert "Gästnätter" in section and "8,49" in section and "8,61" in section and "2026-11-23" in section
    rv = openpyxl.load_workbook(paths[1])["Reviderade"]
    assert [c.value for c in rv[2]][2:4] == ["2022", 8.49] and rv.cell(2, 6).value == 8.61


def test_the_report_shows_the_target_year_and_what_the_source_says_of_a_value(conn, tmp_path):
    # Gästnätter with a target year, and a twelve-month turnover of one month ("1 av 12 mån"),
    # both made KF indicators here: the report shows the year beside önskat värde and the
    # months beside the value, and the turnover is "kan inte bedömas" (issue 17).
    from warehouse.core.hashing import sha256_of
    from warehouse.files.inbox import load_file
    from tests.test_sources_hr import HEADER

    conn.execute("UPDATE cfg.indicators SET target_year = 2030 WHERE indicator_id = 'gastnatter'")
    conn.execute("UPDATE cfg.indicators SET indikator_kf = true WHERE indicator_id = 'personalomsattning'")
    observe(conn, "N45850", 2022, 8.49, "2026-11-01")
    path = tmp_path / "hr_2026-10.csv"
    path.write_text(HEADER + "2026-10;Socialförvaltningen;60000;500;100;200;400;4;2;0;3\n", encoding="utf-8")
    assert load_file(conn, path, sha256_of(path), kommun="1882",
                     now=datetime(2026, 11, 1, 12, tzinfo=timezone.utc)).status == "loaded"
    paths = {p.suffix: p for p in write_meeting_reports(conn, MEETING, tmp_path / "r", generated=GENERATED)}
    html = paths[".html"].read_text(encoding="utf-8")
    assert "≥ 8,00 år 2030" in html and "1,5 (1 av 12 mån)" in html and "kan inte bedömas" in html
    ws = openpyxl.load_workbook(paths[".xlsx"])["Indikatorer"]
    formats = {ws.cell(r, 4).value: (ws.cell(r, 5).number_format, ws.cell(r, 6).number_format, ws.cell(r, 13).value)
               for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value in ("Socialnämnden",)}
    gast = next(v for k, v in formats.items() if k.startswith("Gästnätter"))
    turnover = next(v for k, v in formats.items() if k.startswith("Avgångna"))
    assert gast[0] == '"≥ "#,##0.00" år 2030"'
    assert turnover[1] == '#,##0.0" (1 av 12 mån)"' and turnover[2] == "– kan inte bedömas"


def test_the_documents_write_a_true_minus_and_narrow_thousands(conn, tmp_path):
    # Befolkningsutveckling falls by 37 (11 534 → 11 497): the change carries a real minus sign.
    conn.execute("UPDATE cfg.indicators SET indikator_kf = true, source = 'kolada', series = 'N01951' "
                 "WHERE indicator_id = 'gastnatter'")
    observe(conn, "N01951", 2021, 11534.0, "2026-11-01")
    observe(conn, "N01951", 2022, 11497.0, "2026-11-01")
    conn.execute("UPDATE cfg.indicators SET decimals = 0 WHERE indicator_id = 'gastnatter'")
    html = write_meeting_reports(conn, MEETING, tmp_path / "r", generated=GENERATED)[0].read_text(encoding="utf-8")
    assert "\u221237 ↓ sämre sedan 2021" in html and "11\u202f497" in html


def test_a_nämnd_meetings_report_has_all_its_indicators_and_its_uppdrag(conn, tmp_path):
    # Gästnätter is Socialnämnden's; the nämnd's report lists it at the nämnd's own meeting
    # (2026-12-09, papers by 2026-11-27) with the nämnd's uppdrag and their tidplan.
    observe(conn, "N45850", 2022, 8.49, "2026-11-01")
    paths = write_meeting_reports(conn, date(2026, 12, 9), tmp_path, generated=GENERATED, body="Socialnämnden")
    assert [p.name for p in paths] == ["socialnamnden_2026-12-09.html", "socialnamnden_2026-12-09.xlsx"]
    html = paths[0].read_text(encoding="utf-8")
    assert "<h1>Indikatorer till Socialnämnden 2026-12-09</h1>" in html
    assert "Gästnätter" in html and "<h2>Uppdrag</h2>" in html
    assert "Behålla medarbetare i hemtjänsten" in html and "Utreda samlokalisering" in html
    # As of the paper deadline (27 Nov) the delrapport of 16 Sep was not given: marked late.
    assert re.search(r'class="late">⚠ delrapport 1 2026-09-16 SEN', html)
    assert "Barn- och utbildningsnämnden" not in html and "Minska korttidssjukfrånvaron" not in html
    ws = openpyxl.load_workbook(paths[1])["Uppdrag"]
    assert [c.value for c in ws[1]][:3] == ["Uppdrag", "Id", "KF målområde"]
    assert sorted(r[1].value for r in ws.iter_rows(min_row=2)) == ["sn_behalla_medarbetare", "sn_samlokalisering"]
    assert "SEN" in next(r[9].value for r in ws.iter_rows(min_row=2) if r[1].value == "sn_behalla_medarbetare")
    # Not a meeting of the nämnd: a clear error naming the nämnd.
    with pytest.raises(ValueError, match="inget sammanträde för Socialnämnden"):
        write_meeting_reports(conn, date(2026, 12, 8), tmp_path, body="Socialnämnden")


def test_a_nämnd_report_lists_every_indicator_of_the_nämnd_new_data_or_not(conn, tmp_path):
    observe(conn, "N45850", 2022, 8.49, "2026-11-01")
    html_path, xlsx_path = write_meeting_reports(conn, date(2026, 12, 9), tmp_path, generated=GENERATED,
                                                 body="Socialnämnden")
    own = [r[0] for r in conn.execute("SELECT name FROM cfg.indicators WHERE namnd = 'Socialnämnden' "
                                      "ORDER BY malomrade, indicator_id").fetchall()]
    ws = openpyxl.load_workbook(xlsx_path)["Alla indikatorer"]
    assert [r[1].value for r in ws.iter_rows(min_row=2)] == own and len(own) == 4
    status = {r[1].value: r[6].value for r in ws.iter_rows(min_row=2)}
    assert status["Gästnätter"] == "● uppnått" and status["Antal arbetsställen"] == "– ingen data"
    html = html_path.read_text(encoding="utf-8")
    assert "<h2>Nämndens alla indikatorer</h2>" in html and all(name in html for name in own)
