"""KF's goals in the terminal: målområde → strategiskt mål → målprecisering → mått with the
judgement at every level, as `indikator mal` and the demo print them (from the same rows as the
bokslut report, warehouse/presentation/reports/bokslut.py structure)."""

from __future__ import annotations

import textwrap

from warehouse.goals.bokslut import Bokslut
from warehouse.presentation.reports.bokslut import structure

WIDTH = 100


def _wrap(text: str, indent: int) -> str:
    pad = " " * indent
    return textwrap.fill(text, WIDTH, initial_indent=pad, subsequent_indent=pad + "  ")


def render_goals(b: Bokslut) -> str:
    lines = [f"KF:s mål – måluppfyllelse på de senaste värdena (per {b.as_of})" if b.current
             else f"KF:s mål – måluppfyllelse {b.ar} (bokslut, siffror kända per {b.as_of})"]
    if b.constructed:
        lines.append("  EXEMPEL: målen och önskade värden är konstruerade, inte antagna av KF.")
    lines.append(_wrap(b.summary_line(), 2))
    for area in structure(b):
        lines += ["", f"{area['text']}: {area['symbol']} {area['bedomning']}  ({area['basis']} strategiska mål)"]
        for goal in area["goals"]:
            lines.append(_wrap(f"{goal['symbol']} {goal['text']} [{goal['bedomning']}, horisont {goal['horisont']}]", 2))
            for p in goal["precs"]:
                lines.append(_wrap(f"{p['symbol']} {p['text']} [{p['bedomning']}]", 5))
                for m in p["matt"]:
                    text = (f"{m['name']}: {m['varde']} ({m['period']}), önskat {m['onskat']}, {m['status']}"
                            + (f", {m['trend']}" if m["trend"] != "–" else "")
                            + (f"; {m['peer']}" if m["peer"] != "ingen jämförelse" else "")
                            + (f"; {m['notes']}" if m["notes"] else ""))
                    lines.append(_wrap(f"· {text}", 8))
                    if m["participation"]:
                        lines.append(_wrap(f"  {m['participation']}", 8))
                    if m["earlier"]:
                        values = " · ".join(f"{e['period']}: {e['varde']}" for e in m["earlier"][-4:])
                        lines.append(_wrap(f"  serieavbrott – {m['earlier'][0]['definition']}, visas för sig och "
                                           f"jämförs inte med den nya: {values}", 8))
    return "\n".join(lines)
