"""The uppdrag follow-up in the terminal (`indikator uppdrag`, the demo): per nämnd its uppdrag
with what they aim at, their indicators' status and change since the uppdrag started, the
tidplan against what was presented, and the flags a controller acts on."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from warehouse.meetings.uppdrag import uppfoljning
from warehouse.presentation.format import fmt_change, fmt_date, fmt_number, fmt_target, is_missing
from warehouse.presentation.text import fit

LAGE = {"given": "given", "given sent": "given (sent)", "sen": "SEN", "kommande": "kommande"}
TREND = {"bättre": "↑ bättre", "sämre": "↓ sämre", "oförändrat": "→ oförändrat"}


def _indicator_line(r) -> str:
    target = fmt_target(r.direction, r.onskat_varde, int(r.decimals), r.target_year)
    if is_missing(r.aktuellt_varde):
        return f"{r.name}: ingen data, önskat {target}" + ("" if r.fran_ursprung else " (följs upp)")
    shown = f"{fmt_number(r.aktuellt_varde, int(r.decimals))} {r.unit}"
    if isinstance(r.value_status, str) and r.value_status:
        shown += f" ({r.value_status})"
    text = f"{r.name}: {shown} ({r.period}), önskat {target}, {r.status}"
    if r.ny_sedan_start is True and isinstance(r.trend_since_start, str):
        text += (f"; sedan start {fmt_change(r.change_since_start, int(r.decimals))} från {r.start_period} "
                 f"{TREND[r.trend_since_start]}")
    elif isinstance(r.start_period, str):
        text += f"; inget nyare värde än {r.start_period} sedan start"
    return text + ("" if r.fran_ursprung else " (följs upp)")


def render_uppdrag(conn: duckdb.DuckDBPyConnection, as_of: date, namnd: str | None = None) -> str:
    frames = uppfoljning(conn, as_of, namnd)
    uppdrag = frames["uppdrag"]
    if uppdrag.empty:
        return "Inga uppdrag i uppdragsplanerna" + (f" för {namnd}." if namnd else ".")
    lines = [f"Uppdrag och deras uppföljning, per {as_of}"]
    if uppdrag["exempel"].any():
        lines.append("  EXEMPEL: uppdragen är konstruerade exempel, inte nämndernas antagna uppdragsplaner.")
    for nm, rows in uppdrag.groupby("namnd", sort=True):
        lines += ["", nm]
        for u in rows.itertuples():
            origin = ("utifrån indikator" if u.ursprung == "indikator"
                      else "initiativ" + (f" ({u.ursprung_beskrivning})" if u.ursprung_beskrivning else ""))
            lines.append(fit(f"  {u.rubrik} ({u.uppdrag_id}) · {u.malomrade} · {origin} · "
                             f"{fmt_date(u.start_date)}–{fmt_date(u.slutrapport)}"
                             + (" · budgetpåverkan" if u.budgetpaverkan else ""), hang=4))
            lines.append(fit(f"    Förflyttning: {u.forflyttning} Önskad nivå: {u.onskad_niva}", hang=4))
            for r in frames["indikatorer"][frames["indikatorer"]["uppdrag_id"] == u.uppdrag_id].itertuples():
                lines.append(fit(f"    · {_indicator_line(r)}", hang=4))
            plan = frames["rapporter"][frames["rapporter"]["uppdrag_id"] == u.uppdrag_id]
            items = []
            for p in plan.itertuples():
                what = "slutrapport" if p.slutrapport else f"delrapport {p.nr}"
                given = f" vid {fmt_date(p.givet_mote)}" if not pd.isna(p.givet_mote) else ""
                items.append(f"{what} {fmt_date(p.planerat_mote)} {LAGE[p.lage]}{given}")
            lines.append(fit("    Tidplan: " + " · ".join(items), hang=6))
    flags = frames["flaggor"]
    if not flags.empty:
        lines += ["", "Att uppmärksamma:"]
        for f in flags.itertuples():
            lines.append(fit(f"  ⚑ {f.flagga}: {f.text}" + ("" if namnd else f" ({f.namnd})"), hang=4))
    return "\n".join(lines)
