"""Write the bokslut report of KF's goals (warehouse/goals/bokslut.py) as HTML and XLSX, the same
rows in both: per målområde its judgement, per strategiskt mål its judgement, per
målprecisering its judgement and its mått with value, target, status, trend and the comparison
group, survey participation, the earlier definitions after a series break, and the summary line."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
from jinja2 import Environment, FileSystemLoader, select_autoescape
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from sources import clock
from warehouse.goals.bokslut import Bokslut, bokslut
from warehouse.presentation.format import fmt_number, fmt_target, fmt_value, is_missing
from warehouse.presentation.reports.write import (HEADER_FILL, STATUS_CLASS, STATUS_FILL, STATUS_SYMBOL, TREND_ARROW,
                                                  number_format)

TEMPLATES = Path(__file__).parent / "templates"
# A judgement takes the look of the status it corresponds to (the meeting report's classes,
# fills and symbols, readable without colour), so both documents speak one visual language.
AS_STATUS = {"uppfyllt": "uppnått", "delvis uppfyllt": "nära", "ej uppfyllt": "ej uppnått",
             "kan inte bedömas": "kan inte bedömas"}
JUDGEMENT_CLASS = {j: STATUS_CLASS[s] for j, s in AS_STATUS.items()}
SYMBOL = {**STATUS_SYMBOL, **{j: STATUS_SYMBOL[s] for j, s in AS_STATUS.items()}}
FILL = {STATUS_CLASS[s]: fill for s, fill in STATUS_FILL.items()}
TREND = {t: f"{arrow} {t}" for t, arrow in TREND_ARROW.items()}
SURVEY_SHORT = {"medborgarundersokning": "Medborgarundersökningen", "insikt": "Insikt", "foretagsklimat": "Företagsklimat"}


def _val(v):
    return None if is_missing(v) else v


def _years(years: list[int]) -> str:
    """2010, 2011, 2012, 2014 → '2010–2012, 2014'."""
    out, start, prev = [], None, None
    for y in sorted(years) + [None]:
        if start is not None and (y is None or y != prev + 1):
            out.append(str(start) if start == prev else f"{start}–{prev}")
            start = None
        if y is not None and start is None:
            start = y
        prev = y
    return ", ".join(out)


def participation_text(participation, enkat: str) -> str:
    """'Medborgarundersökningen: deltog inte 2010–2022' from the participation rows."""
    rows = participation[participation["enkat"] == enkat]
    if rows.empty:
        return ""
    parts = [f"{kind} {_years(rows[rows['deltagande'] == kind]['ar'].astype(int).tolist())}"
             for kind in ("deltog", "deltog inte", "inte publicerad ännu", "okänt") if (rows["deltagande"] == kind).any()]
    return f"{SURVEY_SHORT.get(enkat, enkat)}: " + "; ".join(parts)


def _matt_row(m: dict, ar: int, current: bool = False) -> dict:
    dec = int(m["decimals"] or 0)
    notes = []
    if m.get("older_than_year") is True and not current:
        notes.append(f"senaste mätning {m['period']}, inte {ar}")
    if _val(m.get("deltagande_aret")) and not current:
        survey = SURVEY_SHORT.get(m["enkat"], m["enkat"])
        text = f"{survey} {ar}: {m['deltagande_aret']}"
        if _val(m.get("antal_svar")):
            text += f", {fmt_number(m['antal_svar'], 0)} svar"
        if _val(m.get("svarsfrekvens")):
            text += f", svarsfrekvens {fmt_number(m['svarsfrekvens'], 0)} %"
        notes.append(text)
    if _val(m.get("antal_svar_varde")):
        text = f"{fmt_number(m['antal_svar_varde'], 0)} svar"
        if _val(m.get("svarsfrekvens_varde")):
            text += f", svarsfrekvens {fmt_number(m['svarsfrekvens_varde'], 0)} %"
        notes.insert(0, f"{m['period']}: {text}")
    peer = "ingen jämförelse"
    if _val(m.get("group_mean")) is not None:
        peer = (f"snitt {fmt_number(m['group_mean'], dec)} ({int(m['group_n'])} av {int(m['group_size'])}); "
                f"{m['group_position']}")
    return {
        "id": m["indicator_id"], "name": m["name"], "kalla": m["indikator_kalla"], "unit": m["unit"],
        "onskat": fmt_target(m["direction"], m["onskat_varde"], dec, _val(m.get("target_year"))),
        "varde": fmt_value(m["aktuellt_varde"], dec, _val(m.get("value_status"))),
        "varde_raw": _val(m["aktuellt_varde"]), "onskat_raw": m["onskat_varde"], "decimals": dec,
        "period": _val(m["period"]) or "–", "status": m["status"], "status_class": STATUS_CLASS.get(m["status"], ""),
        "symbol": SYMBOL.get(m["status"], ""), "trend": TREND.get(_val(m.get("trend")) or "", "–"),
        "peer": peer, "notes": "; ".join(notes), "participation": "",
    }


def structure(b: Bokslut) -> list[dict]:
    """målområde → strategiskt mål → målprecisering → mått, as the report lays them out."""
    lv = b.levels.to_dict("records")
    matt = b.matt.to_dict("records")
    contrib = b.contributing.to_dict("records")
    earlier = b.earlier.to_dict("records")
    areas = []
    for area in (r for r in lv if r["niva"] == "målområde"):
        goals = []
        for goal in (r for r in lv if r["niva"] == "strategiskt mål" and r["malomrade"] == area["id"]):
            precs = []
            for p in (r for r in lv if r["niva"] == "målprecisering" and r["mal_id"] == goal["id"]):
                rows = [_matt_row(m, b.ar, b.current) for m in matt if m["malprecisering_id"] == p["id"]]
                for row, m in zip(rows, (m for m in matt if m["malprecisering_id"] == p["id"])):
                    if _val(m.get("enkat")):
                        row["participation"] = participation_text(b.participation, m["enkat"])
                    row["earlier"] = [{"definition": e["definition"], "period": e["period"],
                                       "varde": fmt_number(e["value"], row["decimals"])}
                                      for e in earlier if e["indicator_id"] == row["id"]]
                precs.append({**_judged(p), "matt": rows,
                              "contributing": [{"name": c["name"], "namnd": c["namnd"], "status": c["status"],
                                                "varde": fmt_number(c["aktuellt_varde"], int(c["decimals"] or 0)),
                                                "period": _val(c["period"]) or "–"}
                                               for c in contrib if c["malprecisering_id"] == p["id"]]})
            goals.append({**_judged(goal), "precs": precs})
        areas.append({**_judged(area), "goals": goals})
    return areas


def _judged(r: dict) -> dict:
    return {"id": r["id"], "text": r["text"], "horisont": _val(r.get("horisont")), "bedomning": r["bedomning"],
            "cls": JUDGEMENT_CLASS.get(r["bedomning"], ""), "symbol": SYMBOL.get(r["bedomning"], ""),
            "basis": f"{int(r['met'])} uppfyllda, {int(r['partly'])} delvis av {int(r['judged'])} bedömda "
                     f"({int(r['parts'])} totalt)"}


def _title(b: Bokslut) -> str:
    return f"Måluppfyllelse {b.ar} – kommunfullmäktiges mål"


def write_html(b: Bokslut, path: Path, generated: datetime) -> Path:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))
    html = env.get_template("bokslut.html.j2").render(
        title=_title(b), b=b, areas=structure(b), summary=b.summary_line(), rule=b.rule,
        participation=b.participation.to_dict("records"), generated=generated.strftime("%Y-%m-%d %H:%M"))
    path.write_text(html, encoding="utf-8")
    return path


def write_xlsx(b: Bokslut, path: Path, generated: datetime) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Måluppfyllelse"
    ws["A1"] = _title(b)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = (f"{b.kommun_namn} ({b.kommun}), per {b.as_of}. {b.summary_line()} Framtagen {generated:%Y-%m-%d %H:%M}."
                + (" KF-målen är ett konstruerat exempel, inte antagna." if b.constructed else ""))
    cols = ["Nivå", "Målområde / mål / målprecisering / mått", "Önskat värde", "Värde", "Period", "Status / bedömning",
            "Trend", "Jämfört med liknande kommuner", "Anmärkning"]
    header = 4
    for c, name in enumerate(cols, start=1):
        cell = ws.cell(header, c, name)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    r = header
    for area in structure(b):
        r = _judgement_row(ws, r + 1, "Målområde", area["text"], area, bold=True)
        for goal in area["goals"]:
            r = _judgement_row(ws, r + 1, "Strategiskt mål", goal["text"], goal)
            for p in goal["precs"]:
                r = _judgement_row(ws, r + 1, "Målprecisering", p["text"], p)
                for m in p["matt"]:
                    r += 1
                    values = ["Mått", f"{m['name']} ({m['kalla']})", m["onskat_raw"], m["varde_raw"], m["period"],
                              f"{m['symbol']} {m['status']}", m["trend"], m["peer"], m["notes"]]
                    for c, v in enumerate(values, start=1):
                        ws.cell(r, c, v).alignment = Alignment(wrap_text=True, vertical="top")
                    fmt = number_format(m["decimals"])
                    ws.cell(r, 3).number_format = ws.cell(r, 4).number_format = fmt
                    ws.cell(r, 6).fill = PatternFill("solid", fgColor=FILL.get(m["status_class"], "FFFFFF"))
                    for e in m["earlier"]:
                        r += 1
                        ws.cell(r, 1, "Tidigare definition")
                        ws.cell(r, 2, f"{m['name']}: {e['definition']} (jämförs inte med den nya)")
                        ws.cell(r, 4, e["varde"])
                        ws.cell(r, 5, e["period"])
    for c, w in enumerate([16, 60, 12, 12, 10, 20, 14, 30, 40], start=1):
        ws.column_dimensions[get_column_letter(c)].width = w
    ws.freeze_panes = ws.cell(header + 1, 1)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ps = wb.create_sheet("Enkätdeltagande")
    ps.append(["Undersökning", "År", "Deltagande", "Antal svar", "Svarsfrekvens (%)"])
    for c in ps[1]:
        c.font = Font(bold=True)
    for p in b.participation.itertuples():
        ps.append([p.namn, int(p.ar), p.deltagande, _val(p.antal_svar), _val(p.svarsfrekvens)])
    wb.properties.creator = "malstyrning"
    wb.properties.created = wb.properties.modified = generated.replace(tzinfo=None)
    wb.save(path)
    return path


def _judgement_row(ws, r: int, level: str, text: str, j: dict, bold: bool = False) -> int:
    ws.cell(r, 1, level).font = Font(bold=bold)
    ws.cell(r, 2, text).font = Font(bold=bold)
    ws.cell(r, 2).alignment = Alignment(wrap_text=True, vertical="top")
    ws.cell(r, 6, f"{j['symbol']} {j['bedomning']}").fill = PatternFill("solid", fgColor=FILL.get(j["cls"], "FFFFFF"))
    ws.cell(r, 6).font = Font(bold=True)
    ws.cell(r, 9, j["basis"])
    return r


def write_bokslut_reports(conn: duckdb.DuckDBPyConnection, ar: int, out_dir: Path, *, as_of=None,
                          generated: datetime | None = None, result: Bokslut | None = None) -> list[Path]:
    """The bokslut report of year `ar` as HTML and XLSX in `out_dir`; `result`: the bokslut
    already read (a caller that prints its summary line too), else it is read here."""
    generated = generated or clock.now()
    b = result or bokslut(conn, ar, as_of)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [write_html(b, out_dir / f"Bokslut_{ar}_KF-mal.html", generated),
            write_xlsx(b, out_dir / f"Bokslut_{ar}_KF-mal.xlsx", generated)]

