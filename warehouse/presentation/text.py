"""Plain-text tables for the terminal: the nämnd indicator tables and the KF due list."""

from __future__ import annotations

import re
import shutil
import textwrap
from datetime import date

import duckdb
import pandas as pd

from warehouse.meetings.log import KF, body_label, due_list, next_meeting, open_meeting
from warehouse.meetings.uppdrag import report_label
from warehouse.presentation.format import (fmt_change, fmt_date, fmt_number, fmt_period, fmt_target, fmt_value,
                                           fmt_yes)
from warehouse.presentation.tables import revision_rows


def width() -> int:
    """The terminal's width; piped or captured, 100 (a normal terminal), so that a log or a
    pasted output reads like the screen. COLUMNS overrides both, as for other tools."""
    return shutil.get_terminal_size((100, 24)).columns


_NUMBER = re.compile(r"^[−+\-≥≤]?\s?[\d\u202f\u00a0 ,.–]*\d[\d\u202f\u00a0 ,.]*\s?(%|st)?$|^[–-]$")


def table_text(frame: pd.DataFrame, cols: int | None = None, title: str | tuple[str, ...] | None = None,
               group: str | None = None) -> str:
    """A table no wider than the terminal. Text columns (and headers) wrap at spaces inside
    their cells, the widest column giving way first and none narrower than its longest word;
    figures stay on one line, right-aligned. When even that cannot fit (many columns in a
    small window), each row becomes a short block of "Kolumn: värde" pairs headed by the
    `title` column(s), as psql's expanded display does, rather than cutting words. (Rich's
    tables were tried: they fold words mid-word when the window is narrower than the text.)
    `group` names a column shown as a heading line whenever it changes instead of in every
    row (the nämnd, say), with the rows indented under it: one column less to fit."""
    cols = cols or width()
    pad = "  " if group else ""
    cols -= len(pad)
    cells = frame.astype(object).where(frame.notna(), "–").astype(str)
    groups = cells.pop(group).tolist() if group else [None] * len(cells)
    names = [str(c) for c in cells.columns]
    numeric = [bool(len(cells)) and cells[c].map(lambda v: bool(_NUMBER.match(v))).all() for c in cells.columns]
    natural, least = [], []
    for name, col, num in zip(names, cells.columns, numeric):
        values = cells[col].tolist()
        natural.append(max([len(name), *map(len, values)]))
        words = [len(w) for w in name.split()] + ([len(v) for v in values] if num
                                                   else [len(w) for v in values for w in v.split()])
        least.append(max(words, default=1))
    gaps = _GAP * (len(names) - 1)
    if sum(least) + gaps > cols:
        # A card is headed by the `title` columns (the indicator and its status, say), else the first.
        heads = [title] if isinstance(title, str) else list(title or cells.columns[:1])
        return _cards(cells[[*heads, *[c for c in cells.columns if c not in heads]]], groups, cols, pad, len(heads))
    widths = _fit_widths([names, *cells.itertuples(index=False)], natural, least, cols - gaps)

    def line_block(values: list[str]) -> list[str]:
        wrapped = [textwrap.wrap(v, w, break_long_words=False, break_on_hyphens=False) or [""]
                   for v, w in zip(values, widths)]
        rows = []
        for k in range(max(map(len, wrapped))):
            parts = [(c[k] if k < len(c) else "") for c in wrapped]
            rows.append(pad + (" " * _GAP).join(p.rjust(w) if right else p.ljust(w)
                                         for p, w, right in zip(parts, widths, numeric)).rstrip())
        return rows

    out = line_block(names)
    out.append(pad + (" " * _GAP).join("─" * w for w in widths))
    for heading, row in zip(_headings(groups, cols + len(pad)), cells.itertuples(index=False)):
        out.extend(heading)
        out.extend(line_block(list(row)))
    return "\n".join(out)


_GAP = 2


def _fit_widths(rows: list, natural: list[int], least: list[int], room: int) -> list[int]:
    """Column widths summing to at most `room`: one character at a time, take it from the
    column whose narrowing adds the fewest lines to the table (the widest on a tie), so a
    long comparison text wraps before a short unit does."""
    import numpy as np

    widths = list(natural)
    cache: dict[tuple[int, int], np.ndarray] = {}

    def heights(i: int, w: int) -> np.ndarray:
        if (i, w) not in cache:
            cache[i, w] = np.array([len(textwrap.wrap(str(r[i]), w, break_long_words=False,
                                                      break_on_hyphens=False)) or 1 for r in rows])
        return cache[i, w]

    current = np.column_stack([heights(i, w) for i, w in enumerate(widths)])
    while sum(widths) > room:
        best = None
        for i in (i for i in range(len(widths)) if widths[i] > least[i]):
            trial = current.copy()
            trial[:, i] = heights(i, widths[i] - 1)
            key = (int(trial.max(axis=1).sum()), -widths[i])
            if best is None or key < best[0]:
                best = (key, i, trial)
        _, i, current = best
        widths[i] -= 1
    return widths


def _headings(groups: list, cols: int):
    """Per row, the heading lines to print before it: the group's name where it changes."""
    previous = object()
    for k, g in enumerate(groups):
        yield ([] if g is None or g == previous else ([""] if k else []) + [textwrap.fill(g, cols)])
        previous = g


def _cards(cells: pd.DataFrame, groups: list, cols: int, pad: str, n_head: int) -> str:
    """Rows as blocks: the first `n_head` columns as the heading, the others as pairs filling lines."""
    blocks = []
    for heading, row in zip(_headings(groups, cols + len(pad)), cells.itertuples(index=False)):
        title = " · ".join(v for v in row[:n_head] if v)
        lines, line = [textwrap.fill(title, cols + len(pad), initial_indent=pad, subsequent_indent=pad + "  ")], ""
        for name, value in zip(cells.columns[n_head:], row[n_head:]):
            if not value:
                continue
            pair = f"{name}: {value}"
            if line and len(line) + 3 + len(pair) <= cols - 4:
                line += " · " + pair
            else:
                if line:
                    lines.append(line)
                line = pair
        lines.append(line)
        body = [textwrap.fill(t, cols + len(pad), initial_indent=pad + "    ", subsequent_indent=pad + "      ")
                for t in lines[1:]]
        blocks.append("\n".join([*heading, lines[0], *body]))
    return "\n".join(blocks)


def fit(text: str, hang: int = 4) -> str:
    """Prose as wide as the terminal: each line longer than it wraps, continuation lines
    indented `hang` beyond the line's own indent. Lines that fit are left alone, so a block
    holding a table can pass through too. A word longer than the line (a path, a URL) stays
    whole on a line of its own: split, it could not be copied."""
    import textwrap

    cols = width()
    out = []
    for line in text.split("\n"):
        if len(line) <= cols:
            out.append(line)
            continue
        indent = " " * (len(line) - len(line.lstrip(" ")))
        out.append(textwrap.fill(line, cols, subsequent_indent=indent + " " * hang, break_on_hyphens=False,
                                 break_long_words=False))
    return "\n".join(out)


def say(text: str = "") -> None:
    """Print as wide as the terminal (100 columns when piped): tables already fit, long prose wraps."""
    print(fit(text), flush=True)


def status_frame(conn: duckdb.DuckDBPyConnection, namnd: str | None = None, malomrade: str | None = None) -> pd.DataFrame:
    sql = ("SELECT s.*, p.group_mean, p.group_n, p.group_size, p.group_position, p.rank, p.ranked_of "
           "FROM ind.indicator_status s LEFT JOIN ind.peer_comparison p USING (indicator_id) "
           # the nämnder's tables; KF's own mått are shown under KF:s mål (goals_text.py)
           "WHERE s.niva = 'nämnd'")
    params: list = []
    if namnd:
        sql += " AND namnd ILIKE ?"
        params.append(f"%{namnd}%")
    if malomrade:
        sql += " AND malomrade ILIKE ?"
        params.append(f"%{malomrade}%")
    return conn.execute(sql + " ORDER BY namnd, malomrade, indicator_id", params).df()


def _comparison(row) -> str:
    parts = []
    if not pd.isna(getattr(row, "group_mean", None)):
        parts.append(f"{row.group_position} ({fmt_number(row.group_mean, row.decimals)}, "
                     f"{int(row.group_n)} av {int(row.group_size)})")
    if not pd.isna(getattr(row, "rank", None)):
        parts.append(f"plats {int(row.rank)} av {int(row.ranked_of)}")
    return "; ".join(parts) or "–"


def render_status(frame: pd.DataFrame) -> str:
    """One table per nämnd in the governance document's columns."""
    out = []
    for namnd, rows in frame.groupby("namnd", sort=True):
        table = pd.DataFrame(
            {
                "KF målområde": rows["malomrade"],
                "Indikator": rows["name"],
                "Önskat värde": [
                    fmt_target(d, v, n, y)
                    for v, n, d, y in zip(rows["onskat_varde"], rows["decimals"], rows["direction"], rows["target_year"])
                ],
                "Aktuellt värde": [fmt_value(v, n, st) for v, n, st
                                   in zip(rows["aktuellt_varde"], rows["decimals"], rows["value_status"])],
                "Enhet": rows["unit"],
                "Datum": [fmt_date(d) for d in rows["period_end"]],
                "Förändr.": [fmt_change(c, n) for c, n in zip(rows["change"], rows["decimals"])],
                "Uppdrag": rows["uppdrag"].map(fmt_yes),
                "Budgetpåv.": rows["budgetpaverkan"].map(fmt_yes),
                "Indikator KF": rows["indikator_kf"].map(fmt_yes),
                "Status": rows["status"],
                # Apart from Status: where the kommun stands among comparable municipalities.
                "Jämförelse": [_comparison(r) for r in rows.itertuples()],
            }
        )
        out.append(f"{namnd}\n{table_text(table, title=('Indikator', 'Status'))}")
    return "\n\n".join(out)


def render_sources(frame: pd.DataFrame) -> str:
    """Indikator/källa per indicator, and where the current value came from."""
    lines = []
    for _, r in frame.iterrows():
        line = f"  {r['indicator_id']}: {r['indikator_kalla']}"
        if pd.notna(r["aktuellt_varde"]):
            line += f" — {_provenance(r)}"
            if r.get("value_status"):
                line += f", statussymbol {r['value_status']!r}"
        if pd.notna(r["note"]):
            line += f" [{r['note']}]"
        lines.append(line)
    return "\n".join(lines)


def _provenance(r) -> str:
    if r["source"] == "scb":
        text = f"SCB {r['source_table']}, period {r['period']}"
        return text + (f", publicerad {fmt_date(r['published_at'])}" if pd.notna(r["published_at"]) else "")
    if r["source"] == "kolada":
        return f"Kolada {r['series']}, period {r['period']}"
    return f"{r['source']}, period {r['period']}"


def _filtered(frame: pd.DataFrame, namnd: str | None, malomrade: str | None) -> pd.DataFrame:
    """The CLI's filters: part of the nämnd's or målområde's name, any case."""
    for column, text in (("namnd", namnd), ("malomrade", malomrade)):
        if text and not frame.empty:
            frame = frame[frame[column].str.contains(text, case=False, regex=False)]
    return frame


def _reason_text(row) -> str:
    return row.reason + (f" ({row.namnd}s välfärdstur)" if getattr(row, "rolling_turn", False) else "")


def render_due(conn: duckdb.DuckDBPyConnection, as_of: date, show_all: bool = False,
               namnd: str | None = None, malomrade: str | None = None, body: str = KF) -> str:
    """The due list of `body` ('KF' or a nämnd) as of a day; for a nämnd, also the uppdrag
    reports its next meeting should have (warehouse/meetings/uppdrag.sql)."""
    label = body_label(body)
    calendar = "indicator_catalog/kf_calendar.yaml" if body == KF else f"sammantraden i {body}s fil i indicator_catalog/namnder/"
    meeting = next_meeting(conn, as_of, body)
    if meeting is None:
        what = "KF-sammanträde" if body == KF else f"sammanträde för {body}"
        return f"Inget {what} efter {as_of} i kalendern: uppdatera {calendar}."
    due = _filtered(due_list(conn, as_of, body), namnd, malomrade)
    rows = due if show_all else due[due["at_next_meeting"].fillna(False).astype(bool)]
    head = f"{label} {fmt_date(meeting[0])} (handlingar senast {fmt_date(meeting[1])}), per {as_of}:"
    opened = open_meeting(conn, as_of, body)
    shown_meeting = meeting[0]
    if not show_all and meeting[1] <= as_of and opened:
        # The nearest meeting's papers are closed: what can still be prepared is the next list.
        closed = len(rows)
        rows = due[due["due_meeting"] == pd.Timestamp(opened[0])]
        shown_meeting = opened[0]
        head = (f"Handlingarna till {label} {fmt_date(meeting[0])} stängdes {fmt_date(meeting[1])} "
                f"({closed} indikator(er) redovisas där). Nästa möte med öppna handlingar:\n"
                f"{label} {fmt_date(opened[0])} (handlingar senast {fmt_date(opened[1])}), per {as_of}:")
    if show_all:
        n_next = int(due["at_next_meeting"].fillna(False).astype(bool).sum())
        head += f" {n_next} att redovisa, {len(rows) - n_next} till senare möten"
    revisions = render_revisions(conn, as_of, namnd, malomrade, body)
    homeless = due[due["due_meeting"].isna()]
    if not show_all and not homeless.empty:
        # Otherwise a value after its nämnd's last turn (or the calendar's last meeting) would vanish.
        revisions = (f"\n\nOBS: {len(homeless)} indikator(er) har nya värden men inget möte i kalendern "
                     f"(ingen senare välfärdstur eller kalendern tar slut): {', '.join(homeless['name'])}. "
                     f"Uppdatera {calendar}.") + revisions
    if body != KF:
        revisions += render_uppdrag_due(conn, as_of, body, shown_meeting)
    if rows.empty:
        return fit(head) + "\n  Inga indikatorer att redovisa." + revisions
    table = pd.DataFrame(
        {
            "Nämnd": rows["namnd"],
            "Indikator": rows["name"],
            "Period": rows["period"],
            "Värde": [fmt_number(v, n) for v, n in zip(rows["aktuellt_varde"], rows["decimals"])],
            "Status": rows["status"],
            "Skäl": [_reason_text(r) for r in rows.itertuples()],
            # The date the due rule counts from: published (where the source says) or first seen.
            "Tillgänglig": [fmt_date(d) for d in rows["pending_since"]],
            f"Ska till {'KF' if body == KF else 'mötet'}": [fmt_date(d) if not pd.isna(d) else "ej i kalendern"
                                                           for d in rows["due_meeting"]],
            "Försenad": rows["overdue"].map({True: "ja", False: ""}).fillna(""),
        }
    )
    if not table["Försenad"].any():
        table = table.drop(columns="Försenad")  # an empty column only takes width
    if body != KF:
        table = table.drop(columns="Nämnd")  # one nämnd: its name is in the heading
    return (f"{fit(head)}\n{table_text(table, title=('Indikator', 'Status'), group='Nämnd' if body == KF else None)}"
            f"{revisions}")


def render_uppdrag_due(conn: duckdb.DuckDBPyConnection, as_of: date, namnd: str, meeting: date) -> str:
    """The uppdrag reports a nämnd meeting should have: those its tidplan puts there, and any
    whose meeting passed without them (late, still owed)."""
    rows = conn.execute(
        "SELECT r.*, u.rubrik FROM ind.uppdrag_rapporter_asof(?) r JOIN cfg.uppdrag u USING (uppdrag_id) "
        "WHERE r.namnd = ? AND (r.lage = 'sen' OR (r.lage = 'kommande' AND r.planerat_mote = ?)) "
        "ORDER BY r.planerat_mote, r.uppdrag_id", [as_of, namnd, meeting]).df()
    if rows.empty:
        return f"\n\nUppdrag att rapportera vid {namnd} {fmt_date(meeting)}: inga."
    lines = [f"\n\nUppdrag att rapportera vid {namnd} {fmt_date(meeting)}:"]
    for r in rows.itertuples():
        what = report_label(r.slutrapport, r.nr)
        late = f" – SEN, skulle ha lämnats {fmt_date(r.planerat_mote)}" if r.lage == "sen" else ""
        lines.append(fit(f"  {r.rubrik} ({r.uppdrag_id}): {what}" + (f", {r.innehall}" if r.innehall and not r.slutrapport
                                                                       else "") + late))
    return "\n".join(lines)


def render_revisions(conn: duckdb.DuckDBPyConnection, as_of: date, namnd: str | None = None,
                     malomrade: str | None = None, body: str = KF) -> str:
    """Reported values revised since (ind.revisions_asof), flagged "reviderad"."""
    frame = _filtered(conn.execute("SELECT * FROM ind.revisions_asof(?, ?)", [as_of, body]).df(), namnd, malomrade)
    if frame.empty:
        return ""
    table = pd.DataFrame(revision_rows(frame)).rename(columns={
        "namnd": "Nämnd", "name": "Indikator", "period": "Period", "reported": "Redovisat",
        "reported_meeting": "Vid KF" if body == KF else "Vid mötet", "revised": "Reviderat till", "due_again": "Redovisas igen"})
    return "\n\nReviderad efter redovisning:\n" + table_text(table, title="Indikator", group="Nämnd")


def render_forecast(conn: duckdb.DuckDBPyConnection, as_of: date, meetings: int = 10,
                    namnd: str | None = None, malomrade: str | None = None) -> str:
    """Per meeting of the next `meetings`: the indicators due there and why (kf_forecast)."""
    from warehouse.meetings.forecast import forecast

    frame = _filtered(forecast(conn, as_of, meetings), namnd, malomrade)
    calendar = conn.execute("SELECT meeting_date, paper_deadline, note FROM cfg.kf_meetings "
                            "WHERE meeting_date >= ? ORDER BY 1 LIMIT ?", [as_of, meetings]).fetchall()
    turns = conn.execute("SELECT meeting_date, string_agg(namnd, ', ' ORDER BY namnd) FROM cfg.kf_valfard_turns "
                         "GROUP BY 1").fetchall()
    turn_of = dict(turns)
    lines = [f"Prognos per {as_of} för de {len(calendar)} närmaste KF-mötena "
             "(finns nu = nytt värde i lagret; väntas = nästa period enligt källans publiceringsinformation):"]
    for meeting, deadline, note in calendar:
        head = f"\nKF {meeting} (handlingar senast {deadline})"
        if note:
            head += f", {note}"
        if meeting in turn_of:
            head += f"; välfärdstur: {turn_of[meeting]}"
        lines.append(head)
        rows = frame[frame.meeting_date == meeting]
        if rows.empty:
            lines.append("  inget väntas")
        for r in rows.itertuples():
            lines.append(fit(f"  {r.namnd} · {r.name} · {r.kind}: {r.why}"))
    return "\n".join(lines)


def render_mandatory_notes(conn: duckdb.DuckDBPyConnection) -> str:
    """The notes SCB marks as mandatory for the responses behind today's SCB values, whole:
    SCB requires them shown with the figures, so they are wrapped, never cut."""
    rows = conn.execute(
        """
        SELECT DISTINCT n.table_id, n.text FROM ind.indicator_status s
        JOIN stg.scb_notes n ON n.response_id = s.response_id AND n.mandatory
        WHERE s.source = 'scb' AND s.aktuellt_varde IS NOT NULL
        ORDER BY n.table_id, n.text
        """
    ).fetchall()
    if not rows:
        return ""
    lines = ["Noter som SCB kräver ska visas med siffrorna:"]
    lines += [fit(f"  {table}: {' '.join(text.split())}") for table, text in rows]
    return "\n".join(lines)


def render_manadsvarden(conn: duckdb.DuckDBPyConnection) -> str:
    """The fresher companion figures (catalog: manadsvarde), each beside its indicator."""
    rows = conn.execute(
        "SELECT i.name, i.unit, i.decimals, m.varde, m.period, m.beskrivning FROM cfg.manadsvarden c "
        "JOIN cfg.indicators i USING (indicator_id) LEFT JOIN ind.manadsvarden m USING (indicator_id) "
        "ORDER BY i.namnd, i.indicator_id").fetchall()
    lines = []
    for name, unit, decimals, value, period, label in rows:
        shown = f"{fmt_number(value, decimals)} {unit} ({fmt_period(period)})" if value is not None else "inget värde ännu"
        lines.append(f"  {name}: {shown} — {label or ''}".rstrip(" —"))
    return "\n".join(lines)


def render_af_month(conn: duckdb.DuckDBPyConnection, kommun: str) -> str:
    """The kommun's newest AF month, and how the month's files agreed with each other."""
    row = conn.execute(
        """
        WITH cur AS (
            SELECT * FROM stg.af_observations
            QUALIFY row_number() OVER (PARTITION BY series, breakdown, region, period ORDER BY vintage DESC) = 1)
        SELECT period, max(value) FILTER (WHERE series = 'inskrivna_arbetslosa_andel'), max(alder), max(namnare),
               max(value) FILTER (WHERE series = 'inskrivna_arbetslosa'),
               max(value) FILTER (WHERE series = 'arbetskraft')
        FROM cur WHERE region = ? AND breakdown = 'TOT' AND NOT is_deleted
        GROUP BY period ORDER BY period DESC LIMIT 1
        """, [kommun]).fetchall()
    if not row:
        return "  inga AF-data för kommunen"
    period, share, band, basis, count, labour = row[0]
    checks = conn.execute(
        "SELECT kontroll, count(*) FILTER (WHERE utfall = 'ok'), count(*) FILTER (WHERE utfall = 'maskerad'), "
        "count(*) FILTER (WHERE utfall IN ('avvikelse', 'saknas')) FROM stg.af_korskontroller "
        "WHERE file_month = (SELECT max(file_month) FROM stg.af_latest_files) GROUP BY kontroll ORDER BY kontroll"
    ).fetchall()
    failed = [k for k, _, _, bad in checks if bad]
    summary = (f"{len(checks) - len(failed)} av {len(checks)} kontroller stämmer"
               + (f" (avvikelse: {', '.join(failed)})" if failed else ""))
    return (f"  {fmt_period(period)}: {fmt_number(share, 1)} % inskrivna arbetslösa {band} år av arbetskraften "
            f"({basis}), {fmt_number(count, 0)} av {fmt_number(labour, 0)}\n"
            f"  Filernas korskontroller (samma antal inskrivna arbetslösa i alla fem filer): {summary}")


def render_reported(frame: pd.DataFrame, meeting: date, body: str = KF) -> str:
    """What was presented at a meeting of KF or a nämnd (rep.report_log), as the papers showed it."""
    label = body_label(body)
    if frame.empty:
        return f"Inget redovisat vid {label} {meeting}."
    def target(r):
        return "–" if pd.isna(r.onskat_varde) else fmt_target(r.direction, r.onskat_varde, int(r.decimals))

    def compared(r):
        if pd.isna(r.group_mean):
            return "–"
        return (f"{r.group_position} ({fmt_number(r.group_mean, int(r.decimals))}, "
                f"{int(r.group_n)} av {int(r.group_size)})")

    table = pd.DataFrame({
        "Nämnd": frame["namnd"],
        "Indikator": frame["name"],
        "Period": frame["period"],
        "Värde": [f"{fmt_number(r.value, int(r.decimals))} {r.unit or ''}".strip() for r in frame.itertuples()],
        "Önskat": [target(r) for r in frame.itertuples()],
        "Status": frame["status"].fillna("–"),
        "Jämförelse": [compared(r) for r in frame.itertuples()],
        "Markerat av": frame["reported_by"].fillna("–"),
        "Markerat": [pd.Timestamp(t).tz_convert("Europe/Stockholm").strftime("%Y-%m-%d %H:%M")
                     for t in frame["reported_at"]],
    })
    return (f"Redovisat vid {label} {meeting} ({len(frame)} indikatorer), som handlingarna visade det:\n"
            f"{table_text(table, title=('Indikator', 'Status'), group='Nämnd')}")

