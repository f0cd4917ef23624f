"""KF's own goals (kf_mal.yaml): per målområde its strategiska mål, each made measurable by
målpreciseringar, each measured by one or more mått, and the rule that judges måluppfyllelse.

A mått (measure) is an indicator of KF's level: it is written like a nämnd indicator (source,
query, unit, direction, önskat värde, tolerance, frequency) and becomes one in the catalog,
with the nämnd set to the KF calendar's organ and `malprecisering` set. That way status,
peers, fetching and the KF due rule are the same code for both levels; the nämnd views
leave KF's mått out (cfg.indicators.niva).

Two fields exist only on a mått:
- `enkat` names the survey the figure comes from (SURVEYS): its answer count and response
  rate are fetched and shown beside it, participation is told apart from "not published",
  and its results are tagged for the bokslut of the measured year.
- `tidigare_definition` names the series the mått replaced (Insikt U07451 → U07453): it is
  fetched and shown beside the mått as its own line, never joined to it, never judged.

Every error names the file, the goal, målprecisering or mått id and the field.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from indicator_catalog.models import Malomrade


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# The surveys KF's goals are followed up with. `antal_svar`/`svarsfrekvens`: the Kolada KPIs
# of the answer count and the response rate, shown beside every result and used to tell a
# year the kommun took part in from one it did not (reference/kolada.md §8,
# reference/malstruktur.md §4). Svenskt Näringsliv's survey has no machine source: its
# figures come through the manual-values file (warehouse/files/manual.py).
SURVEYS: dict[str, dict[str, str | None]] = {
    "medborgarundersokning": {"namn": "SCB:s medborgarundersökning", "antal_svar": "N00528",
                              "svarsfrekvens": "N00529"},
    "insikt": {"namn": "SKR:s servicemätning Insikt", "antal_svar": "U07554", "svarsfrekvens": "U07553"},
    "foretagsklimat": {"namn": "Svenskt Näringslivs företagsklimatundersökning", "antal_svar": None,
                       "svarsfrekvens": None},
}
Enkat = Literal["medborgarundersokning", "insikt", "foretagsklimat"]


class TidigareDefinition(_Strict):
    """The series a mått replaced after a definition change: shown, never joined or judged."""

    kpi: str = Field(pattern=r"^[NU]\d{5}$")
    till_period: str = Field(pattern=r"^\d{4}$", description="the last period of the old definition")
    beskrivning: str = Field(min_length=1)


class MattExtras(_Strict):
    enkat: Enkat | None = None
    tidigare_definition: TidigareDefinition | None = None


class Malprecisering(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    text: str = Field(min_length=1)
    horisont: int = Field(ge=2000, le=2100, description="the year the målprecisering is to be reached")
    matt: list[dict] = Field(min_length=1)  # validated one by one, so errors name the mått id
    # Nämnd indicators that contribute to the målprecisering (shown beside it, not judged).
    indikatorer: list[str] = Field(default_factory=list)


class StrategisktMal(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    text: str = Field(min_length=1)
    horisont: int = Field(ge=2000, le=2100)
    malpreciseringar: list[Malprecisering] = Field(min_length=1)


class MalomradeGoals(_Strict):
    malomrade: Malomrade
    strategiska_mal: list[StrategisktMal] = Field(min_length=1)


class Bedomningsregel(_Strict):
    """How a goal's judgement follows from its parts (warehouse/goals/judgement.sql).

    Each part counts 1 when met (uppfyllt / uppnått), 0.5 when partly met (delvis / nära)
    and 0 when not; the share is the sum over the parts that could be judged. A goal is
    uppfyllt from `uppfyllt_fran`, delvis uppfyllt from `delvis_fran`; trend breaks the tie
    just below delvis: within `trend_marginal` under it, more parts improving than worsening
    gives delvis. When fewer than `minst_bedomda` of the parts could be judged, the goal
    kan inte bedömas."""

    uppfyllt_fran: float = Field(default=0.8, gt=0, le=1)
    delvis_fran: float = Field(default=0.5, gt=0, le=1)
    trend_marginal: float = Field(default=0.1, ge=0, le=1)
    minst_bedomda: float = Field(default=0.5, gt=0, le=1)

    @model_validator(mode="after")
    def _ordered(self):
        if self.delvis_fran > self.uppfyllt_fran:
            raise ValueError("delvis_fran får inte vara större än uppfyllt_fran")
        return self


class KfGoalsFile(_Strict):
    constructed: bool = False
    note: str | None = None
    bedomning: Bedomningsregel = Bedomningsregel()
    malomraden: list[MalomradeGoals] = Field(min_length=1)

    @model_validator(mode="after")
    def _each_malomrade_once(self):
        seen = [m.malomrade for m in self.malomraden]
        twice = sorted({m for m in seen if seen.count(m) > 1})
        if twice:
            raise ValueError(f"målområdet {', '.join(twice)} förekommer två gånger")
        return self
