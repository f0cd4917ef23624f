"""The uppdrag follow-up in the terminal (`indikator uppdrag`, the demo): per nämnd its uppdrag
with what they aim at, their indicators' status and change since the uppdrag started, the
tidplan against what was presented, and the flags a controller acts on."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from warehouse.meetings.uppdrag import report_label, uppfoljning
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


def flag_text(f) -> str:
    """One flag as every output writes it: 'kandidat att avsluta: …'."""
    return f"{f.flagga}: {f.text}"


def uppdrag_rows(frames: dict[str, pd.DataFrame]) -> list[dict]:
    """Per uppdrag the lines people read, shared by the terminal and the nämnd's report."""
    out = []
    for u in frames["uppdrag"].itertuples():
        origin = ("utifrån indikator" if u.ursprung == "indikator"
                  else "initiativ" + (f" ({u.ursprung_beskrivning})" if u.ursprung_beskrivning else ""))
        plan = []
        for p in frames["rapporter"][frames["rapporter"]["uppdrag_id"] == u.uppdrag_id].itertuples():
            what = report_label(p.slutrapport, p.nr)
            given = f" vid {fmt_date(p.givet_mote)}" if not pd.isna(p.givet_mote) else ""
            plan.append({"text": f"{what} {fmt_date(p.planerat_mote)} {LAGE[p.lage]}{given}", "late": p.lage == "sen"})
        out.append({
            "namnd": u.namnd, "id": u.uppdrag_id, "rubrik": u.rubrik, "malomrade": u.malomrade, "ursprung": origin,
            "tid": f"{fmt_date(u.start_date)}–{fmt_date(u.slutrapport)}", "budgetpaverkan": bool(u.budgetpaverkan),
            "syfte": u.syfte, "forflyttning": u.forflyttning, "onskad_niva": u.onskad_niva, "uppfoljning": u.uppfoljning,
            "indikatorer": [_indicator_line(r) for r in
                            frames["indikatorer"][frames["indikatorer"]["uppdrag_id"] == u.uppdrag_id].itertuples()],
            "tidplan": plan,
            # A late report is marked in the tidplan itself; the other flags are said here.
            "flaggor": [flag_text(f) for f in
                        frames["flaggor"][frames["flaggor"]["uppdrag_id"] == u.uppdrag_id].itertuples()
                        if f.flagga != "delrapport sen"],
        })
    return out


def render_uppdrag(conn: duckdb.DuckDBPyConnection, as_of: date, namnd: str | None = None) -> str:
    frames = uppfoljning(conn, as_of, namnd)
    if frames["uppdrag"].empty:
        return "Inga uppdrag i uppdragsplanerna" + (f" för {namnd}." if namnd else ".")
    lines = [f"Uppdrag och deras uppföljning, per {as_of}"]
    if frames["uppdrag"]["exempel"].any():
        lines.append("  EXEMPEL: uppdragen är konstruerade exempel, inte nämndernas antagna uppdragsplaner.")
    current = None
    for u in uppdrag_rows(frames):
        if u["namnd"] != current:
            current = u["namnd"]
            lines += ["", current]
        lines.append(fit(f"  {u['rubrik']} ({u['id']}) · {u['malomrade']} · {u['ursprung']} · {u['tid']}"
                         + (" · budgetpåverkan" if u["budgetpaverkan"] else ""), hang=4))
        lines.append(fit(f"    Förflyttning: {u['forflyttning']} Önskad nivå: {u['onskad_niva']}", hang=4))
        lines += [fit(f"    · {text}", hang=4) for text in u["indikatorer"]]
        lines.append(fit("    Tidplan: " + " · ".join(p["text"] for p in u["tidplan"]), hang=6))
    flags = frames["flaggor"]
    if not flags.empty:
        lines += ["", "Att uppmärksamma:"]
        for f in flags.itertuples():
            lines.append(fit(f"  ⚑ {flag_text(f)}" + ("" if namnd else f" ({f.namnd})"), hang=4))
    return "\n".join(lines)
