"""Write a meeting's report as HTML (charts as inline SVG) and XLSX (Excel's own line charts,
real number formats and status fills), the same rows in both."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape
from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from sources import clock
from warehouse.presentation.format import (slug, fmt_change, fmt_date, fmt_number, fmt_period, fmt_target, fmt_value, fmt_yes,
                                           is_missing, target_sign)
from warehouse.presentation.tables import revision_rows
from warehouse.presentation.reports import charts
from warehouse.presentation.reports.data import MeetingReport, meeting_report
from warehouse.meetings.log import KF, body_label
from warehouse.presentation.uppdrag_text import flag_text, uppdrag_rows

TEMPLATES = Path(__file__).parent / "templates"
COLUMNS = ["Nämnd", "KF målområde", "Indikator", "Indikator/källa", "Önskat värde", "Aktuellt värde", "Enhet",
           "Datum", "Förändring", "Uppdrag", "Budgetpåverkan", "Indikator KF", "Status mot önskat värde",
           "Jämfört med liknande kommuner", "Skäl", "Kommentar"]
# Status readable without colour (print in black and white, colour blindness): a symbol too.
STATUS_SYMBOL = {"uppnått": "●", "nära": "◐", "ej uppnått": "○", "kan inte bedömas": "–", "ingen data": "–"}
TREND_ARROW = {"bättre": "↑", "sämre": "↓", "oförändrat": "→"}
STATUS_FILL = {"uppnått": "C6EFCE", "nära": "FFEB9C", "ej uppnått": "FFC7CE", "kan inte bedömas": "EDEDED",
               "ingen data": "FFFFFF"}
STATUS_CLASS = {"uppnått": "uppnatt", "nära": "nara", "ej uppnått": "ej-uppnatt", "kan inte bedömas": "kan-inte-bedomas",
                "ingen data": "ingen-data"}
HEADER_FILL = "1F4E79"


def _reason(row: dict) -> str:
    text = {"nytt värde": "Nytt värde", "ny period": "Ny period", "reviderat värde": "Reviderat värde"}.get(
        row["reason"], row["reason"])
    return text + (f" ({row['namnd']}s välfärdstur)" if row.get("rolling_turn") else "")


def _peer(row: dict) -> str:
    if row.get("peer_mean") is None or pd.isna(row["peer_mean"]):
        return "ingen jämförelse"
    text = (f"snitt {fmt_number(row['peer_mean'], row['decimals'] or 0)} ({int(row['peer_n'])} av {int(row['peer_total'])} "
            f"kommuner); {row['peer_position']}").rstrip("; ")
    if row.get("rank") is not None and not pd.isna(row["rank"]):
        text += f"; plats {int(row['rank'])} av {int(row['ranked_of'])}"
    return text


def _change(r: dict) -> str:
    """'+0,40 ↑ bättre sedan 2021': the change of the shown values since the previous period,
    its arrow by the indicator's direction (↑ better, ↓ worse, → unchanged)."""
    if is_missing(r.get("change")):
        return "–"
    trend = r.get("trend") if isinstance(r.get("trend"), str) else ""
    return (f"{fmt_change(r['change'], int(r['decimals'] or 0), typographic=True)} {TREND_ARROW.get(trend, '')} {trend}"
            f" sedan {r['prev_period']}").replace("  ", " ")


def display_rows(report: MeetingReport) -> list[dict]:
    out = []
    for ind in report.indicators:
        r = ind.row
        out.append({
            "namnd": r["namnd"], "malomrade": r["malomrade"], "indikator_kalla": r["indikator_kalla"],
            "onskat": fmt_target(r["direction"], r["onskat_varde"], r["decimals"] or 0, r.get("target_year")),
            "onskat_value": r["onskat_varde"],
            # in the documents: a true minus and narrow no-break spaces between thousands
            "aktuellt": fmt_value(r["aktuellt_varde"], r["decimals"] or 0, r.get("value_status"), typographic=True),
            "aktuellt_value": r["aktuellt_varde"],
            "decimals": int(r["decimals"] or 0), "datum": fmt_date(r["period_end"]),
            "datum_value": pd.Timestamp(r["period_end"]).date(), "period": r["period"],
            "uppdrag": fmt_yes(r["uppdrag"]), "budget": fmt_yes(r["budgetpaverkan"]), "kf": fmt_yes(r["indikator_kf"]),
            "status": r["status"], "status_class": STATUS_CLASS.get(r["status"], ""),
            "status_symbol": STATUS_SYMBOL.get(r["status"], ""),
            "arrow": TREND_ARROW.get(r.get("trend") if isinstance(r.get("trend"), str) else "", ""),
            "change": _change(r), "change_value": None if is_missing(r.get("change")) else r["change"],
            "stale": r.get("stale") if isinstance(r.get("stale"), str) else "",
            "comment": r.get("kommentar") if isinstance(r.get("kommentar"), str) else "",
            "comment_by": r.get("forfattare") if isinstance(r.get("forfattare"), str) else "",
            "peer": _peer(r), "reason": _reason(r), "name": r["name"], "unit": r["unit"],
            "target_year": None if pd.isna(r.get("target_year")) else int(r["target_year"]),
            "direction": r["direction"],
            "value_status": r["value_status"].replace('"', "'") if isinstance(r.get("value_status"), str) else "",
            "source_name": ind.source_name,
        })
    return out


def overview_rows(report: MeetingReport) -> list[dict]:
    """A nämnd's every indicator with its status as the papers can show it (the nämnd's report)."""
    return [{"malomrade": r.malomrade, "name": r.name,
             "onskat": fmt_target(r.direction, r.onskat_varde, int(r.decimals), r.target_year),
             "aktuellt": fmt_value(r.aktuellt_varde, int(r.decimals), r.value_status, typographic=True),
             "aktuellt_value": None if is_missing(r.aktuellt_varde) else r.aktuellt_varde,
             "decimals": int(r.decimals), "unit": r.unit, "datum": fmt_date(r.period_end),
             "status": r.status, "status_class": STATUS_CLASS.get(r.status, ""),
             "status_symbol": STATUS_SYMBOL.get(r.status, ""), "uppdrag": fmt_yes(r.uppdrag)}
            for r in report.overview.itertuples()]


def provenance_note(report: MeetingReport) -> str:
    """What the reader must know before trusting the figures: replayed recordings, example targets."""
    notes = []
    if report.replay:
        notes.append("Siffrorna kommer från inspelade svar (replay-läge), inte från källorna i dag.")
    if report.targets_example:
        notes.append("Önskade värden är exempel tills nämnderna antagit sina planer.")
    return " ".join(notes)


def _title(report: MeetingReport) -> str:
    organ = body_label(report.body)
    return f"Indikatorer till {organ} {report.meeting}" + (f" – {report.namnd}" if report.namnd else "")


def write_html(report: MeetingReport, path: Path, generated: datetime) -> Path:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))
    rows = display_rows(report)
    chart_list = [{"svg": charts.svg(ind, report.kommun_namn, report.group_title,
                                     None if is_missing(ind.row.get("peer_total")) else int(ind.row["peer_total"])),
                   "why": f"{row['name']}: {row['reason']}; värdet {row['aktuellt']} avser {fmt_period(row['period'])}. "
                          f"Källa: {row['source_name']}."}
                  for ind, row in zip(report.indicators, rows)]
    html = env.get_template("meeting.html.j2").render(
        title=_title(report), r=report, provenance=provenance_note(report), rows=rows, charts=chart_list, revisions=revision_rows(report.revisions),
        uppdrag=uppdrag_rows(report.uppdrag) if report.uppdrag else [], overview=overview_rows(report),
        flaggor=([] if not report.uppdrag else
                 [flag_text(f) for f in report.uppdrag["flaggor"].itertuples() if pd.isna(f.uppdrag_id)]),
        generated=generated.strftime("%Y-%m-%d %H:%M"))
    path.write_text(html, encoding="utf-8")
    return path


def number_format(decimals: int) -> str:
    """Excel's number format for the catalog's decimals: '#,##0.00'."""
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def write_xlsx(report: MeetingReport, path: Path, generated: datetime) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Indikatorer"
    ws["A1"] = _title(report)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = (f"{report.organ} {report.meeting}, handlingar senast {report.paper_deadline}, "
                f"{report.kommun_namn} ({report.kommun}). Framtagen {generated:%Y-%m-%d %H:%M}.")
    ws["A3"] = provenance_note(report)
    ws["A3"].font = Font(bold=True, color="9C0006")
    header = 4
    for col, name in enumerate(COLUMNS, start=1):
        cell = ws.cell(header, col, name)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    rows = display_rows(report)
    for i, row in enumerate(rows, start=header + 1):
        values = [row["namnd"], row["malomrade"], row["name"], row["indikator_kalla"], row["onskat_value"],
                  row["aktuellt_value"], row["unit"], row["datum_value"], row["change_value"], row["uppdrag"],
                  row["budget"], row["kf"], f'{row["status_symbol"]} {row["status"]}', row["peer"],
                  row["reason"] + (f'; OBS: {row["stale"]}' if row["stale"] else ""),
                  f'{row["comment"]} ({row["comment_by"]})' if row["comment"] else None]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(i, col, None if isinstance(value, float) and pd.isna(value) else value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        # Numbers stay numbers; the direction and year of the target and what the source says
        # of the value are text in the number format, as the HTML shows them.
        ws.cell(i, 5).number_format = (f'"{target_sign(row["direction"])}"' + number_format(row["decimals"])
                                       + (f'" år {int(row["target_year"])}"' if row["target_year"] else ""))
        ws.cell(i, 6).number_format = (number_format(row["decimals"])
                                       + (f'" ({row["value_status"]})"' if row["value_status"] else ""))
        ws.cell(i, 8).number_format = "yyyy-mm-dd"
        # A change keeps its sign and shows its direction as an arrow, as the HTML does.
        arrow = row["arrow"]
        ws.cell(i, 9).number_format = f'+{number_format(row["decimals"])}" {arrow}";-{number_format(row["decimals"])}" {arrow}";0" {arrow}"'
        ws.cell(i, 13).fill = PatternFill("solid", fgColor=STATUS_FILL.get(row["status"], "FFFFFF"))
        ws.cell(i, 13).font = Font(bold=True)
        ws.cell(i, 14).font = Font(italic=True, color="404040")
    if not rows:
        ws.cell(header + 1, 1, "Inga indikatorer ska redovisas vid detta sammanträde.")
    widths = [24, 14, 20, 40, 12, 12, 10, 11, 12, 8, 12, 10, 14, 28, 30, 40]
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    # Row heights for the wrapped cells: Excel fits them on open, LibreOffice does not.
    for r in range(header, header + len(rows) + 1):
        lines = max(math.ceil(len(str(ws.cell(r, c).value or "")) / (w * 0.9)) for c, w in enumerate(widths, 1))
        ws.row_dimensions[r].height = 15 * max(1, lines)
    # Printed on one page wide, landscape: the governance table as the papers show it.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header}:{header}"
    ws.freeze_panes = ws.cell(header + 1, 1)
    if rows:
        ws.auto_filter.ref = f"A{header}:{get_column_letter(len(COLUMNS))}{header + len(rows)}"
    ws.cell(header + len(rows) + 2, 1, "Status mot önskat värde: uppnått / nära (inom toleransen) / ej uppnått / "
                                       "kan inte bedömas (värdet täcker bara en del av sin period) / ingen data. Jämförelsen "
                                       "med andra kommuner påverkar inte statusen.")

    if report.indicators:
        _charts(wb, report, rows)
    if not report.revisions.empty:
        rv = wb.create_sheet("Reviderade")
        rv.append(["Nämnd", "Indikator", "Period", "Redovisat", f"Redovisat vid {body_label(report.body)}", "Nytt värde",
                   "Redovisas igen"])
        for c in rv[1]:
            c.font = Font(bold=True)
        for v in report.revisions.itertuples():
            rv.append([v.namnd, v.name, v.period, v.reported_value, pd.Timestamp(v.reported_meeting).date(),
                       v.revised_value, fmt_yes(v.due_again)])
            for col in (4, 6):
                rv.cell(rv.max_row, col).number_format = number_format(int(v.decimals or 0))
            rv.cell(rv.max_row, 5).number_format = "yyyy-mm-dd"
    if report.uppdrag and not report.uppdrag["uppdrag"].empty:
        _uppdrag_sheet(wb, report)
    if not report.overview.empty:
        _overview_sheet(wb, report)
    wb.properties.creator = "malstyrning"
    wb.properties.created = wb.properties.modified = generated.replace(tzinfo=None)
    wb.save(path)
    return path


def _charts(wb: Workbook, report: MeetingReport, rows: list[dict]) -> None:
    """One Excel line chart per indicator on sheet Diagram, its data on sheet Diagramdata."""
    data = wb.create_sheet("Diagramdata")
    sheet = wb.create_sheet("Diagram", 1)
    top = 1
    for n, (ind, row) in enumerate(zip(report.indicators, rows)):
        first = data.max_row + 2 if n else 1
        group = f"Snitt {report.group_title or 'jämförelsegruppen'}"
        data.cell(first, 1, row["name"]).font = Font(bold=True)
        for col, name in enumerate(["Period", report.kommun_namn, "Önskat värde", group], start=1):
            data.cell(first + 1, col, name).font = Font(bold=True)
        fmt = number_format(row["decimals"])
        for i, s in enumerate(ind.series.itertuples(), start=first + 2):
            data.cell(i, 1, s.period)
            for col, value in ((2, s.value), (3, ind.row["onskat_varde"]),
                               (4, None if pd.isna(s.peer_mean) else s.peer_mean)):
                data.cell(i, col, value).number_format = fmt
        last = first + 1 + len(ind.series)
        chart = LineChart()
        chart.title = row["name"]
        chart.y_axis.title = row["unit"] or ""
        chart.height, chart.width = 7.5, 16
        has_peers = ind.series.peer_mean.notna().any()
        chart.add_data(Reference(data, min_col=2, max_col=4 if has_peers else 3, min_row=first + 1, max_row=last),
                       titles_from_data=True)
        chart.set_categories(Reference(data, min_col=1, min_row=first + 2, max_row=last))
        for series in chart.series:
            series.smooth = False  # openpyxl's default smooths the line between yearly values
        chart.series[0].marker.symbol = "circle"  # a single period still shows
        chart.series[1].graphicalProperties.line.dashStyle = "dash"
        chart.series[1].graphicalProperties.line.solidFill = "C00000"
        if has_peers:
            chart.series[2].graphicalProperties.line.dashStyle = "sysDot"
            chart.series[2].graphicalProperties.line.solidFill = "7F7F7F"
        sheet.add_chart(chart, f"A{top}")
        sheet.cell(top + 15, 1, f"Källa: {row['source_name']}").font = Font(italic=True, size=9)
        top += 18


def _uppdrag_sheet(wb: Workbook, report: MeetingReport) -> None:
    """The nämnd's uppdrag with their follow-up, one row per uppdrag (the HTML's section)."""
    ws = wb.create_sheet("Uppdrag", 1)
    ws.append(["Uppdrag", "Id", "KF målområde", "Ursprung", "Tid", "Budgetpåverkan", "Förflyttning", "Önskad nivå",
               "Indikatorer", "Tidplan", "Att uppmärksamma"])
    for c in ws[1]:
        c.font = Font(bold=True)
    for u in uppdrag_rows(report.uppdrag):
        ws.append([u["rubrik"], u["id"], u["malomrade"], u["ursprung"], u["tid"], fmt_yes(u["budgetpaverkan"]),
                   u["forflyttning"], u["onskad_niva"], "\n".join(u["indikatorer"]),
                   "\n".join(p["text"] for p in u["tidplan"]), "\n".join(u["flaggor"])])
        for cell in ws[ws.max_row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for col, w in zip("ABCDEFGHIJK", (30, 22, 16, 18, 22, 14, 36, 30, 60, 40, 40)):
        ws.column_dimensions[col].width = w
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToHeight = 0


def _overview_sheet(wb: Workbook, report: MeetingReport) -> None:
    ws = wb.create_sheet("Alla indikatorer", 1)
    ws.append(["KF målområde", "Indikator", "Önskat värde", "Aktuellt värde", "Enhet", "Datum", "Status", "Uppdrag"])
    for c in ws[1]:
        c.font = Font(bold=True)
    for r in overview_rows(report):
        ws.append([r["malomrade"], r["name"], r["onskat"], r["aktuellt_value"], r["unit"], r["datum"],
                   f"{r['status_symbol']} {r['status']}".strip(), r["uppdrag"]])
        ws.cell(ws.max_row, 4).number_format = number_format(r["decimals"])
    for col, w in zip("ABCDEFGH", (16, 30, 18, 14, 20, 12, 20, 10)):
        ws.column_dimensions[col].width = w


def write_meeting_reports(conn: duckdb.DuckDBPyConnection, meeting, out_dir: Path, *, namnd: str | None = None,
                          generated: datetime | None = None, body: str = KF) -> list[Path]:
    """The meeting's report (all nämnder, or one) as HTML and XLSX in `out_dir`; `body` is 'KF'
    or the nämnd whose own meeting it is (then with its uppdrag)."""
    generated = generated or clock.now()
    report = meeting_report(conn, meeting, namnd, body)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = (f"KF_{meeting}" if body == KF else f"{slug(body)}_{meeting}") + (f"_{slug(report.namnd)}" if report.namnd
                                                                            else "")
    return [write_html(report, out_dir / f"{stem}.html", generated),
            write_xlsx(report, out_dir / f"{stem}.xlsx", generated)]
