"""Build the static site from a published snapshot: `build_site(conn, out)`.

Pages (Swedish, one HTML file each, shared CSS, inline SVG charts with a table behind them):
  index.html                 the five målområden with KF's judgement and the indicators' status
  malomrade/<slug>.html      KF's goals in the målområde and the nämnd indicators linked to it
  namnd/<slug>.html          the nämnd's indicator table in the governance columns, its uppdrag
  indikator/<id>.html        chart, values, status, trend, peers, source, definition, comment
  indikator/<id>.csv         the figures the page shows
  kf.html                    the next KF meetings and what is due at each
  kf/KF_<datum>.html         a listed meeting's report (the document `indikator report` writes)
  om-statistiken.html        sources, when each was last read, what is an example or replayed
  kommuner/<kod>.html        national mode: any kommun's latest public figures and places
  jamforelse/<id>.html       national mode: every kommun ranked on one indicator

The site is written to a temporary folder beside `out` and swapped in whole, so a failed build
leaves the last good site; built only from a snapshot (the controllers' read-only copy), never
the working file.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

from sources import clock
from warehouse.goals.bokslut import BokslutError, bokslut
from warehouse.presentation.format import slug as format_slug
from warehouse.presentation.format import (fmt_change, fmt_date, fmt_number, fmt_period, fmt_target, fmt_value,
                                           is_missing)
from warehouse.presentation.reports import charts
from warehouse.presentation.reports.bokslut import structure
from warehouse.presentation.reports.data import SOURCE_NAMES, IndicatorReport, indicator_series, meeting_report
from warehouse.presentation.reports.write import STATUS_CLASS, STATUS_SYMBOL, TREND_ARROW, write_html

HERE = Path(__file__).parent
SITE_ENV = "MALSTYRNING_WEBB"


def site_path() -> Path:
    """Where the site is written: $MALSTYRNING_WEBB, else webb/ beside the DuckDB file."""
    import os

    from warehouse.core.db import database_path

    return Path(os.environ[SITE_ENV]) if os.environ.get(SITE_ENV) else database_path().parent / "webb"
MALOMRADEN = ["Välfärd", "Företagsklimat", "Attraktion", "Finansiellt", "Organisatoriskt"]
# Where a reader can check a figure at its source (links only: nothing is loaded from there).
SOURCE_LINKS = {"kolada": "https://www.kolada.se/verktyg/fri-sokning/?kpis={series}",
                "scb": "https://www.statistikdatabasen.scb.se/pxweb/sv/ssd/"}


def slug(text: str) -> str:
    return format_slug(text, "-")


@dataclass
class SiteResult:
    path: Path
    pages: int
    files: int
    bytes: int
    seconds: float


def _status(row) -> dict:
    status = row["status"]
    return {"text": status, "cls": STATUS_CLASS.get(status, ""), "symbol": STATUS_SYMBOL.get(status, "")}


def _indicator_rows(conn: duckdb.DuckDBPyConnection) -> list[dict]:
    frame = conn.execute(
        "SELECT s.*, p.group_mean, p.group_n, p.group_size, p.group_position, p.rank, p.ranked_of, "
        "k.kommentar, k.forfattare, "
        "(SELECT string_agg(uppdrag_id, ', ' ORDER BY uppdrag_id) FROM cfg.uppdrag_indikatorer u "
        " WHERE u.indicator_id = s.indicator_id) AS uppdrag_ids "
        "FROM ind.indicator_status s LEFT JOIN ind.peer_comparison p USING (indicator_id) "
        "LEFT JOIN ind.kommentarer k ON k.indicator_id = s.indicator_id AND k.period = s.period "
        "WHERE s.niva = 'nämnd' ORDER BY s.namnd, s.malomrade, s.indicator_id").df()
    rows = []
    for r in frame.to_dict("records"):
        r = {k: None if is_missing(v) else v for k, v in r.items()}  # NaN is truthy in the templates
        d = int(r["decimals"])
        rows.append({**r, "id": r["indicator_id"], "url": f"indikator/{r['indicator_id']}.html",
                     "onskat": fmt_target(r["direction"], r["onskat_varde"], d, r.get("target_year")),
                     "aktuellt": fmt_value(r["aktuellt_varde"], d, r.get("value_status"), typographic=True),
                     "has_value": not is_missing(r["aktuellt_varde"]), "datum": fmt_date(r["period_end"]),
                     "period_text": fmt_period(r["period"]) if isinstance(r["period"], str) else "–",
                     "change_text": fmt_change(r.get("change"), d, typographic=True),
                     "arrow": TREND_ARROW.get(r["trend"], "") if isinstance(r.get("trend"), str) else "",
                     "trend_text": r["trend"] if isinstance(r.get("trend"), str) else "",
                     "st": _status(r), "source_name": SOURCE_NAMES.get(r["source"], r["source"]),
                     "namnd_url": f"namnd/{slug(r['namnd'])}.html",
                     "malomrade_url": f"malomrade/{slug(r['malomrade'])}.html",
                     "published_text": fmt_date(r["published_at"]) if not is_missing(r.get("published_at")) else "",
                     "yes": {k: "Ja" if r[k] else "Nej" for k in ("uppdrag", "budgetpaverkan", "indikator_kf")}})
    return rows


def _peer_text(r: dict) -> str:
    if is_missing(r.get("group_mean")):
        return "Ingen jämförelse med liknande kommuner."
    d = int(r["decimals"])
    text = (f"Snittet för liknande kommuner är {fmt_number(r['group_mean'], d, typographic=True)} "
            f"({int(r['group_n'])} av {int(r['group_size'])} kommuner har värdet): {r['group_position']}.")
    if not is_missing(r.get("rank")):
        text += f" Plats {int(r['rank'])} av {int(r['ranked_of'])}."
    return text


def _source_link(r: dict) -> str | None:
    pattern = SOURCE_LINKS.get(r["source"])
    return pattern.format(series=r["series"]) if pattern and isinstance(r.get("series"), str) else None


def _series_table(series: pd.DataFrame, r: dict, shown_mean: pd.Series) -> list[dict]:
    d = int(r["decimals"])
    return [{"period": fmt_period(p.period), "period_raw": p.period,
             "value": fmt_number(p.value, d, typographic=True), "value_raw": p.value,
             "mean": fmt_number(m, d, typographic=True) if not is_missing(m) else "–",
             "mean_raw": None if is_missing(m) else m}
            for p, m in zip(series.itertuples(), shown_mean)]


def _csv(rows: list[dict], r: dict) -> str:
    out = io.StringIO()
    w = csv.writer(out, delimiter=";")
    w.writerow(["indikator", "period", "varde", "snitt_jamforelsegrupp", "onskat_varde", "enhet", "kalla"])
    for row in rows:
        w.writerow([r["indicator_id"], row["period_raw"], row["value_raw"],
                    "" if row["mean_raw"] is None else row["mean_raw"], r["onskat_varde"], r["unit"],
                    r["indikator_kalla"]])
    return out.getvalue()


def _national_pages(conn: duckdb.DuckDBPyConnection, page, indicators: list[dict]) -> set[str]:
    """National mode (omfattning: riket): any kommun's figures from the same warehouse. Per
    kommun a page with its latest value of each public-source indicator and its place among
    the kommuner; per indicator a page with every kommun ranked. No status: the önskade värden
    are the reference kommun's own."""
    frame = conn.execute(
        """
        SELECT s.indicator_id, s.region, e.namn, s.aktuellt_varde, s.period, s.decimals, s.unit, s.direction,
               rank() OVER (PARTITION BY s.indicator_id ORDER BY
                   CASE WHEN s.direction = 'higher' THEN -round(s.aktuellt_varde, s.decimals)
                        ELSE round(s.aktuellt_varde, s.decimals) END) AS plats,
               count(*) OVER (PARTITION BY s.indicator_id) AS av
        FROM ind.indicator_status_riket s JOIN cfg.enheter e ON e.kod = s.region AND e.typ = 'kommun'
        WHERE s.niva = 'nämnd' AND s.source IN ('kolada', 'scb') AND s.aktuellt_varde IS NOT NULL
        ORDER BY s.indicator_id, plats, e.namn
        """).df()
    names = {r["indicator_id"]: r for r in indicators}
    kommuner = conn.execute("SELECT kod, namn FROM cfg.enheter WHERE typ = 'kommun' ORDER BY namn").fetchall()

    def row(r):
        return {"kod": r.region, "namn": r.namn, "plats": int(r.plats), "av": int(r.av), "period": r.period,
                "value": fmt_number(r.aktuellt_varde, int(r.decimals), typographic=True), "unit": r.unit}

    by_indicator = {i: [row(r) for r in g.itertuples()] for i, g in frame.groupby("indicator_id")}
    page("kommuner/index.html", "kommuner.html.j2", 1, kommuner=kommuner)
    for kod, namn in kommuner:
        mine = [{**x, "id": i, "name": names[i]["name"]} for i, rows in by_indicator.items() if i in names
                for x in rows if x["kod"] == kod]
        page(f"kommuner/{kod}.html", "kommun.html.j2", 1, kod=kod, namn=namn, rows=mine)
    ranked = {i for i in by_indicator if i in names}
    for i in ranked:
        page(f"jamforelse/{i}.html", "jamforelse.html.j2", 1, r=names[i], rows=by_indicator[i])
    return ranked


def build_site(conn: duckdb.DuckDBPyConnection, out: Path, *, as_of: date | None = None,
               replay: bool = False, national: bool = False) -> SiteResult:
    started = time.monotonic()
    as_of = as_of or clock.today()
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html", "j2"]))
    kommun, kommun_namn = conn.execute("SELECT kommun, kommun_namn FROM cfg.settings").fetchall()[0]
    group = conn.execute(
        "SELECT any_value(m.group_title), list(m.member_id ORDER BY m.member_id) "
        "FROM raw.kolada_municipality_group_members m JOIN cfg.settings s ON m.group_id = s.jamforelsegrupp"
    ).fetchall()[0]
    group_title, members = group[0], group[1] or []
    published = conn.execute("SELECT max(published_at) FROM meta.publication").fetchall()[0][0] \
        if conn.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'meta' "
                        "AND table_name = 'publication'").fetchall()[0][0] else None
    indicators = _indicator_rows(conn)
    examples = bool(conn.execute("SELECT bool_or(onskat_exempel) FROM cfg.indicators").fetchall()[0][0])
    common = {"kommun": kommun, "kommun_namn": kommun_namn, "national": national, "published": fmt_date(published) if published else "–",
              "replay": replay, "examples": examples, "malomraden": [(m, slug(m)) for m in MALOMRADEN],
              "namnder": sorted({(r["namnd"], slug(r["namnd"])) for r in indicators})}

    try:
        goals = bokslut(conn, None, as_of)
        areas = {a["text"]: a for a in structure(goals)}
        summary, constructed = goals.summary_line(), goals.constructed
    except BokslutError:  # a catalog without KF's own goals (kf_mal.yaml is optional)
        areas, summary, constructed = {}, "", False
    tmp = out.with_name(f".{out.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    for folder in ("malomrade", "namnd", "indikator") + (("kommuner", "jamforelse") if national else ()):
        (tmp / folder).mkdir(parents=True)
    pages = 0

    def page(name: str, template: str, depth: int, **values) -> None:
        nonlocal pages
        html = env.get_template(template).render(root="../" * depth, **common, **values)
        (tmp / name).write_text(html, encoding="utf-8")
        pages += 1

    counts = {m: {s: sum(1 for r in indicators if r["malomrade"] == m and r["status"] == s)
                  for s in STATUS_SYMBOL} for m in MALOMRADEN}
    page("index.html", "index.html.j2", 0, areas=areas, counts=counts, symbols=STATUS_SYMBOL,
         classes=STATUS_CLASS, summary=summary, constructed=constructed)
    for m in MALOMRADEN:
        page(f"malomrade/{slug(m)}.html", "malomrade.html.j2", 1, malomrade=m, area=areas.get(m),
             rows=[r for r in indicators if r["malomrade"] == m])
    uppdrag = conn.execute("SELECT * FROM ind.uppdrag_uppfoljning_asof(ind.today())").df()
    for namnd, nslug in common["namnder"]:
        page(f"namnd/{nslug}.html", "namnd.html.j2", 1, namnd=namnd,
             rows=[r for r in indicators if r["namnd"] == namnd],
             uppdrag=uppdrag[uppdrag["namnd"] == namnd].to_dict("records"))
    # National mode: every kommun's figures, and the indicators that have a ranking to link to.
    ranked = _national_pages(conn, page, indicators) if national else set()
    for r in indicators:
        series = (indicator_series(conn, r, members, "infinity") if r["has_value"] else pd.DataFrame())
        table, chart = [], ""
        if not series.empty:
            mean = charts.peer_mean_shown(series, None if is_missing(r.get("group_size")) else int(r["group_size"]))
            table = _series_table(series, r, mean)
            ind = IndicatorReport(r, series, r["source_name"])
            chart = charts.svg(ind, kommun_namn, group_title,
                               None if is_missing(r.get("group_size")) else int(r["group_size"]))
            chart = _accessible_svg(chart, r["indicator_id"])
            (tmp / "indikator" / f"{r['indicator_id']}.csv").write_text(_csv(table, r), encoding="utf-8")
        page(f"indikator/{r['indicator_id']}.html", "indikator.html.j2", 1, r=r, table=table, chart=chart,
             peer=_peer_text(r), source_link=_source_link(r), group_title=group_title, ranked=r["id"] in ranked)
    with_page = {r["indicator_id"] for r in indicators}
    kf = conn.execute("SELECT * FROM ind.kf_due_asof(?) ORDER BY due_meeting NULLS LAST, namnd, name",
                      [as_of]).df()
    meetings = conn.execute("SELECT meeting_date, paper_deadline, note FROM cfg.kf_meetings WHERE meeting_date >= ? "
                            "ORDER BY 1 LIMIT 6", [as_of]).fetchall()
    # Each listed meeting's papers as the KF report presents them (the same document as
    # `indikator report`), under kf/.
    (tmp / "kf").mkdir()
    reports = {}
    for m, _, _ in meetings:
        if any(not pd.isna(d.due_meeting) and d.due_meeting.date() == m for d in kf.itertuples()):
            report = meeting_report(conn, m)
            report.replay = replay
            write_html(report, tmp / "kf" / f"KF_{m}.html", clock.now())
            reports[m] = f"kf/KF_{m}.html"
            pages += 1
    page("kf.html", "kf.html.j2", 0, meetings=[
        {"date": fmt_date(m), "deadline": fmt_date(dl), "note": note, "report": reports.get(m),
         # KF's own mått have no page of their own: they link to their målområde's page.
         "rows": [{"name": d.name, "namnd": d.namnd, "period": fmt_period(d.period), "status": d.status,
                   "reason": d.reason, "url": (f"indikator/{d.indicator_id}.html" if d.indicator_id in with_page
                                               else f"malomrade/{slug(d.malomrade)}.html")}
                  for d in kf.itertuples() if not pd.isna(d.due_meeting) and d.due_meeting.date() == m]}
        for m, dl, note in meetings])
    sources = conn.execute(
        "SELECT source, max(fetched_at) AS last_read, count(DISTINCT series) AS series FROM stg.current_observations "
        "GROUP BY source ORDER BY source").fetchall()
    page("om-statistiken.html", "om.html.j2", 0, group_title=group_title,
         sources=[{"name": SOURCE_NAMES.get(s, s), "read": fmt_date(t), "series": n} for s, t, n in sources])
    shutil.copyfile(HERE / "static" / "site.css", tmp / "site.css")
    files = [p for p in tmp.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    # Swap in whole: the old site stays until the new one is complete.
    old = out.with_name(f".{out.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    shutil.rmtree(old, ignore_errors=True)
    return SiteResult(out, pages, len(files), size, time.monotonic() - started)


def _accessible_svg(svg: str, ident: str) -> str:
    """matplotlib's SVG as an image with a name: role=img and a title the page's heading gives;
    its XML prologue and fixed size dropped so it scales with the page."""
    if not svg.lstrip().startswith("<?xml") and "<svg" not in svg:
        return svg  # a single value, already text
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", svg, count=1)
    return svg.replace("<svg", f'<svg role="img" aria-labelledby="diagram-{ident}"', 1)
