"""One chart per due indicator: the kommun's series, the target line (önskat värde) and the
comparison group's mean where there is one, with the source under it ("Källa: Kolada")."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402

from matplotlib.ticker import FuncFormatter  # noqa: E402

from warehouse.presentation.format import fmt_number, fmt_period  # noqa: E402
from warehouse.presentation.reports.data import IndicatorReport  # noqa: E402

# Text stays text in the SVG (searchable, sharp when printed), and a fixed hash salt makes the
# same chart the same bytes, so reports can be compared between runs.
plt.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "malstyrning", "font.size": 9})
KOMMUN, TARGET, PEERS = "#1f4e79", "#c00000", "#7f7f7f"
# The group mean is drawn only for periods where at least this share of the group (and at least
# two members) has the figure: a "mean" of one or two of seven says little.
MIN_PEER_SHARE = 0.5


def peer_mean_shown(series, group_size: int | None):
    """The group mean per period where enough of the group has the figure, else NaN."""
    import math

    need = max(2, math.ceil(group_size * MIN_PEER_SHARE)) if group_size else 2
    return series.peer_mean.where(series.peer_n >= need)


def single_value(ind: IndicatorReport, kommun_namn: str) -> str:
    """One period only: the value as text, not a chart with one dot."""
    r, s = ind.row, ind.series
    value = fmt_number(s.value.iloc[0], int(r["decimals"] or 0), typographic=True)
    return (f'<p class="single"><strong>{r["name"]}</strong>: {kommun_namn} {value} {r.get("unit") or ""} '
            f'({fmt_period(s.period.iloc[0])}); bara en period finns, inget diagram. Källa: {ind.source_name}.</p>')


def svg(ind: IndicatorReport, kommun_namn: str, group_title: str | None, group_size: int | None = None) -> str:
    r, s = ind.row, ind.series
    if len(s) == 1:
        return single_value(ind, kommun_namn)
    decimals = int(r["decimals"] or 0)
    fig, ax = plt.subplots(figsize=(7.0, 3.4), dpi=100)
    try:
        x = list(range(len(s)))
        ax.plot(x, s.value, color=KOMMUN, marker="o", markersize=3, linewidth=1.8, label=kommun_namn)
        peers = peer_mean_shown(s, group_size)
        if peers.notna().any():
            covered = int(s.peer_n[peers.notna()].iloc[-1])
            ax.plot(x, peers, color=PEERS, linestyle=":", linewidth=1.5,
                    label=f"Snitt {group_title or 'jämförelsegruppen'} ({covered} av {group_size or '?'})")
        if r.get("onskat_varde") is not None:
            ax.axhline(r["onskat_varde"], color=TARGET, linestyle="--", linewidth=1.2,
                       label=f"Önskat värde {fmt_number(r['onskat_varde'], decimals, typographic=True)}")
        step = max(1, len(x) // 8)
        # Months and tertials as people write them (2025-03, 2025T1), Swedish numbers on the axis
        # (decimal comma, thin-space thousands, a true minus: Babel via fmt_number).
        ax.set_xticks(x[::step], [fmt_period(p) for p in list(s.period)[::step]])
        ax.yaxis.set_major_formatter(FuncFormatter(
            lambda v, _pos: fmt_number(v, decimals if abs(v) < 1000 else 0, typographic=True)))
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
