"""One chart per due indicator: the kommun's series, the target line (önskat värde) and the
comparison group's mean where there is one, with the source under it ("Källa: Kolada")."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402

from warehouse.presentation.format import fmt_number  # noqa: E402
from warehouse.presentation.reports.data import IndicatorReport  # noqa: E402

# Text stays text in the SVG (searchable, sharp when printed), and a fixed hash salt makes the
# same chart the same bytes, so reports can be compared between runs.
plt.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "malstyrning", "font.size": 9})
KOMMUN, TARGET, PEERS = "#1f4e79", "#c00000", "#7f7f7f"


def svg(ind: IndicatorReport, kommun_namn: str, group_title: str | None) -> str:
    r, s = ind.row, ind.series
    fig, ax = plt.subplots(figsize=(7.0, 3.4), dpi=100)
    try:
        x = list(range(len(s)))
        ax.plot(x, s.value, color=KOMMUN, marker="o", markersize=3, linewidth=1.8, label=kommun_namn)
        if s.peer_mean.notna().any():
            ax.plot(x, s.peer_mean, color=PEERS, linestyle=":", linewidth=1.5,
                    label=f"Snitt {group_title or 'jämförelsegruppen'}")
        if r.get("onskat_varde") is not None:
            ax.axhline(r["onskat_varde"], color=TARGET, linestyle="--", linewidth=1.2,
                       label=f"Önskat värde {fmt_number(r['onskat_varde'], r['decimals'] or 0)}")
        step = max(1, len(x) // 8)
        ax.set_xticks(x[::step], list(s.period)[::step])
        ax.set_title(r["name"], loc="left", fontsize=10, fontweight="bold")
        ax.set_ylabel(r.get("unit") or "")
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        ax.spines[["top", "right"]].set_visible(False)
        # Legend under the plot, so a long group name does not squeeze the series.
        ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.12), ncol=3, frameon=False, fontsize=8)
        fig.text(0.01, 0.01, f"Källa: {ind.source_name}", fontsize=8, color="#404040")
        fig.tight_layout(rect=(0, 0.04, 1, 1))
        out = io.StringIO()
        fig.savefig(out, format="svg", metadata={"Date": None}, bbox_inches="tight")
        return out.getvalue()
    finally:
        plt.close(fig)
