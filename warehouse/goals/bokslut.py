"""What the bokslut (annual report) shows of KF's goals for one year, read from the warehouse
as known at the end of a day: målområde → strategiskt mål → målpreciseringar with their mått
(value, target, status, trend, comparison group), the judgement per level
(ind.kf_maluppfyllelse_asof), survey participation, the series breaks, and the summary line
annual reports print ("3 av 10 mål uppfyllda").

Every row comes from the SQL macros unchanged (tests/test_goals_bokslut.py compares them): the
report adds layout, never figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

JUDGEMENTS = ("uppfyllt", "delvis uppfyllt", "ej uppfyllt", "kan inte bedömas")


@dataclass
class Bokslut:
    ar: int
    as_of: date
    kommun: str
    kommun_namn: str
    constructed: bool            # KF's goals are a constructed example (kf_mal.yaml)
    rule: dict                   # the judgement rule's settings
    levels: pd.DataFrame         # ind.kf_maluppfyllelse_asof(as_of, ar)
    matt: pd.DataFrame           # ind.kf_bokslut_matt_asof(as_of, ar)
    earlier: pd.DataFrame        # the series breaks: earlier definitions' values up to the year
    participation: pd.DataFrame  # survey participation per year up to the year
    contributing: pd.DataFrame   # nämnd indicators that contribute to each målprecisering
    current: bool = False        # the latest values (`indikator mal`), not a year's bokslut

    def summary(self, niva: str = "strategiskt mål") -> dict[str, int]:
        counts = self.levels[self.levels["niva"] == niva]["bedomning"].value_counts()
        return {j: int(counts.get(j, 0)) for j in JUDGEMENTS}

    def summary_line(self) -> str:
        """The line annual reports print, for the strategiska mål and the målpreciseringar."""
        goals, precs = self.summary("strategiskt mål"), self.summary("målprecisering")
        total_g, total_p = sum(goals.values()), sum(precs.values())
        return (f"{goals['uppfyllt']} av {total_g} strategiska mål uppfyllda, {goals['delvis uppfyllt']} delvis, "
                f"{goals['ej uppfyllt']} ej uppfyllda och {goals['kan inte bedömas']} kan inte bedömas; "
                f"{precs['uppfyllt']} av {total_p} målpreciseringar uppfyllda.")


class BokslutError(ValueError):
    pass


def bokslut(conn: duckdb.DuckDBPyConnection, ar: int | None, as_of: date | None = None) -> Bokslut:
    """The bokslut of year `ar` as known at the end of `as_of` (default: the warehouse's today);
    `ar` None: the goals on the latest values known then (the year of as_of and before)."""
    if not conn.execute("SELECT count(*) FROM cfg.kf_strategiska_mal").fetchall()[0][0]:
        raise BokslutError("katalogen har inga KF-mål (indicator_catalog/kf_mal.yaml saknas eller är tom)")
    as_of = as_of or conn.execute("SELECT ind.today()").fetchall()[0][0]
    current = ar is None
    ar = as_of.year if current else ar
    if ar > as_of.year:
        raise BokslutError(f"bokslutet för {ar} kan inte göras per {as_of}: året har inte börjat")
    kommun, kommun_namn = conn.execute("SELECT kommun, kommun_namn FROM cfg.settings").fetchall()[0]
    rule = conn.execute("SELECT * FROM cfg.kf_bedomning").df().to_dict("records")[0]
    levels = conn.execute("SELECT * FROM ind.kf_maluppfyllelse_asof(?, ar := ?)", [as_of, ar]).df()
    matt = conn.execute("SELECT * FROM ind.kf_bokslut_matt_asof(?, ?)", [as_of, ar]).df()
    earlier = conn.execute(
        "SELECT indicator_id, definition, period, value, shown, unit FROM ind.kf_matt_series_asof(?) "
        "WHERE definition <> 'gällande definition' AND CAST(left(period, 4) AS INTEGER) <= ? "
        "ORDER BY indicator_id, period", [as_of, ar]).df()
    participation = conn.execute(
        "SELECT enkat, namn, ar, deltagande, antal_svar, svarsfrekvens FROM ind.kf_survey_participation_asof(?) "
        "WHERE region = ? AND ar <= ? ORDER BY enkat, ar", [as_of, kommun, ar]).df()
    contributing = conn.execute(
        "SELECT l.malprecisering_id, s.indicator_id, s.namnd, s.name, s.status, s.aktuellt_varde, s.period, "
        "s.decimals, s.unit FROM cfg.kf_malprecisering_indikatorer l "
        "JOIN ind.indicator_status_asof(ind.stockholm_day_start(CAST(? AS DATE) + 1), "
        "period_end_max := make_date(?, 12, 31)) s USING (indicator_id) ORDER BY l.malprecisering_id, s.indicator_id",
        [as_of, ar]).df()
    return Bokslut(ar, as_of, kommun, kommun_namn, bool(rule.pop("constructed")), rule, levels, matt, earlier,
                   participation, contributing, current)
