"""The shape of the catalog: a nämnd's uppdragsplan (its indicator table, its uppdrag and
its sammanträdesplan), the KF calendar and the region settings. Field names are the YAML keys; Swedish domain terms stay Swedish."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sources.jsonstat import period_bounds

Malomrade = Literal["Välfärd", "Företagsklimat", "Attraktion", "Finansiellt", "Organisatoriskt"]
Source = Literal["kolada", "scb", "arbetsformedlingen", "ekonomi", "hr", "manuell"]
# Sources whose client exists. Indicators from the others stay in the catalog and show
# "ingen data" until their issue lands.
IMPLEMENTED_SOURCES = {"kolada", "scb", "hr", "ekonomi", "manuell"}

KOMMUNKOD = r"^\d{4}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KoladaQuery(_Strict):
    kpi: str = Field(pattern=r"^[NU]\d{5}$")
    gender: Literal["T", "K", "M"] = "T"
    # Defaults to the configured kommun; set to compare with e.g. Riket ("0000").
    municipality: str | None = Field(default=None, pattern=KOMMUNKOD)


class ScbTable(_Strict):
    """One SCB table of a series, and the periods it supplies to it.

    A series can span tables: from reference year 2025 SCB moved population to new tables
    with new codes (TAB638 -> TAB5557, reference/scb.md §8). List the tables oldest first,
    each with the periods it supplies (`from_period`/`to_period`, SCB time codes,
    inclusive). A monthly table may run beside a yearly one (a fresher aktuellt värde); two
    tables must never supply the same period code for a region, which loading refuses.
    `selection` pins every other variable to one code (use the table's total codes, e.g.
    Alder: [TotSA]); a variable left out is eliminated by SCB (its total or sum), which the
    table's metadata must allow.
    """

    table: str = Field(pattern=r"^TAB\d+$")
    contents: str = Field(min_length=1, description="ContentsCode, e.g. BE0101N1")
    selection: dict[str, list[str]] = Field(default_factory=dict)
    codelists: dict[str, str] = Field(default_factory=dict)
    from_period: str | None = None
    to_period: str | None = None
    region_variable: str = "Region"
    time_variable: str = "Tid"
    contents_variable: str = "ContentsCode"

    @field_validator("from_period", "to_period", mode="before")
    @classmethod
    def _period_as_text(cls, value):
        return None if value is None else str(value)  # YAML reads 2024 as a number

    @field_validator("from_period", "to_period")
    @classmethod
    def _known_period(cls, value):
        if value is not None:
            period_bounds(value)  # raises with the code in the message
        return value

    @field_validator("selection")
    @classmethod
    def _one_code_each(cls, selection: dict[str, list[str]]):
        wide = [k for k, v in selection.items() if len(v) != 1]
        if wide:
            raise ValueError(f"välj exakt en kod för {', '.join(wide)} (en serie har ett värde per region och period)")
        return selection


class ScbQuery(_Strict):
    series: str = Field(pattern=r"^[a-z0-9_]+$", description="stable id of the stitched series")
    tables: list[ScbTable] = Field(min_length=1)
    municipality: str | None = Field(default=None, pattern=KOMMUNKOD)


class KoladaKontroll(KoladaQuery):
    """A Kolada KPI that cross-checks a file-based indicator, and which yearly figure of the
    kommun's own data to set beside it (ind.kolada_kontroll computes it from stored sums)."""

    jamfor: Literal["langtid_andel_ar", "personalomsattning_ar", "af_andel_ar"]


class Manadsvarde(_Strict):
    """A fresher companion figure shown beside an indicator that is measured more seldom (e.g.
    AF's monthly share of inskrivna arbetslösa beside Kolada's yearly Öppen arbetslöshet).
    It is shown, never compared with önskat värde: it measures something close, not the same."""

    source: Literal["arbetsformedlingen"]
    series: Literal["inskrivna_arbetslosa_andel", "inskrivna_arbetslosa", "utan_arbete_6_manader",
                    "utan_arbete_12_manader", "utan_arbete_24_manader"]
    breakdown: str = Field(default="TOT", min_length=1, description="AF's group: TOT, KVI, MAN, UNG, …")
    label: str = Field(min_length=1, description="what the figure is, shown beside it")


class HrQuery(_Strict):
    """A series computed from the HR export (warehouse/files/hr.py), for one förvaltning or 'T'."""

    series: Literal["sjukfranvaro_total_andel", "sjukfranvaro_korttid_andel", "sjukfranvaro_langtid_andel",
                    "sjukfranvaro_langtid_av_arbetstid", "personalomsattning_manad", "personalomsattning_12m"]
    forvaltning: str = Field(min_length=1, description="as named in the HR export, or T for the whole kommun")


class EkonomiQuery(_Strict):
    """A series computed from the SIE or forecast export (warehouse/files/ekonomi.py)."""

    series: Literal["skuldsattningsgrad", "arets_resultat", "resultat_ack", "budget_resultat_ack",
                    "resultat_mot_budget", "upparbetade_investeringar_kr", "upparbetade_investeringar_andel",
                    "prognos_arets_resultat", "prognos_avvikelse_mot_budget"]
    forvaltning: str = Field(default="T", min_length=1, description="förvaltning (forecast), or T for the kommun")


class ManualQuery(_Strict):
    """A figure no machine source gives (e.g. Svenskt Näringsliv's ranking), entered in a
    manual-values file in the inbox (warehouse/files/manual.py) under this series id."""

    series: str = Field(pattern=r"^[a-z0-9_]+$")


class PendingQuery(_Strict):
    """A source whose client is not built yet: what is known about where the figure lives."""

    table: str | None = None
    description: str


class Indicator(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str = Field(min_length=1)
    malomrade: Malomrade
    indikator_kalla: str = Field(min_length=1)
    source: Source
    query: KoladaQuery | ScbQuery | HrQuery | EkonomiQuery | ManualQuery | PendingQuery
    unit: str = Field(min_length=1)
    decimals: int = Field(default=1, ge=0, le=6)
    direction: Literal["higher", "lower"]
    onskat_varde: float
    target_year: int | None = Field(default=None, ge=2000, le=2100)
    tolerance: float = Field(ge=0, description="'nära målet' within this many units of önskat värde")
    uppdrag: bool
    budgetpaverkan: bool
    indikator_kf: bool
    frequency: Literal["year", "half_year", "tertial", "quarter", "month"]
    report_revisions: bool = False
    note: str | None = None
    # A Kolada KPI with (nearly) the same figure, shown beside the kommun's own value as a
    # yearly cross-check (e.g. N00091 for långtidssjukfrånvaro from the HR export).
    kolada_kontroll: KoladaKontroll | None = None
    manadsvarde: Manadsvarde | None = None

    @field_validator("query", mode="before")
    @classmethod
    def _query_for_source(cls, value, info):
        # Pick the query model from `source`, so an error names the right fields instead
        # of listing why every alternative of the union failed.
        # An scb indicator without `series`/`tables` is pending: no verified table yet.
        source = info.data.get("source")
        if source == "kolada":
            model = KoladaQuery
        elif source == "scb" and isinstance(value, dict) and ({"series", "tables"} & set(value)):
            model = ScbQuery
        elif source == "hr" and isinstance(value, dict) and "series" in value:
            model = HrQuery
        elif source == "ekonomi" and isinstance(value, dict) and "series" in value:
            model = EkonomiQuery
        elif source == "manuell":
            model = ManualQuery
        else:
            model = PendingQuery
        return model.model_validate(value) if isinstance(value, dict) else value


class NamndFile(_Strict):
    namnd: str = Field(min_length=1)
    # The önskade värden are examples until the nämnd adopts its plan: said in every report.
    exempel: bool = False
    indicators: list[dict]  # validated one by one, so errors can name the indicator id
    # The uppdragsplan's second table, validated one by one like the indicators.
    uppdrag: list[dict] = Field(default_factory=list)
    # The nämnd's own sammanträdesplan: its indicators are followed at these meetings.
    sammantraden: "NamndCalendar | None" = None


class Ursprung(_Strict):
    """Why the uppdrag exists: to improve named indicators, or an initiative of the nämnd."""
    typ: Literal["indikator", "initiativ"]
    indikatorer: list[str] = Field(default_factory=list)
    beskrivning: str | None = None

    @model_validator(mode="after")
    def _indicators_for_indicator_origin(self):
        if self.typ == "indikator" and not self.indikatorer:
            raise ValueError("typ 'indikator' kräver minst en indikator i 'indikatorer'")
        if self.typ == "initiativ" and self.indikatorer:
            raise ValueError("typ 'initiativ' har inga indikatorer (ange dem under uppfoljning)")
        return self


class Uppfoljning(_Strict):
    hur: str = Field(min_length=1)
    indikatorer: list[str] = Field(default_factory=list)


class Delrapport(_Strict):
    datum: date  # the nämnd meeting it is presented at
    innehall: str | None = None


class Tidplan(_Strict):
    start: date
    delrapporter: list[Delrapport] = Field(default_factory=list)
    slutrapport: date  # the nämnd meeting the final report is presented at

    @model_validator(mode="after")
    def _in_order(self):
        if self.slutrapport <= self.start:
            raise ValueError("slutrapport måste ligga efter start")
        dates = [d.datum for d in self.delrapporter]
        if dates != sorted(set(dates)):
            raise ValueError("delrapporternas datum ska vara olika och i tidsordning")
        if any(not self.start < d < self.slutrapport for d in dates):
            raise ValueError("delrapporter ska ligga mellan start och slutrapport")
        return self


class Uppdrag(_Strict):
    """One row of the uppdragsplan's uppdrag table (reference: malstruktur.md §2)."""
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    malomrade: Malomrade
    rubrik: str = Field(min_length=1)
    syfte: str = Field(min_length=1)
    forflyttning: str = Field(min_length=1, description="the change sought")
    onskad_niva: str = Field(min_length=1, description="the level wanted when the uppdrag ends")
    ursprung: Ursprung
    uppfoljning: Uppfoljning
    tidplan: Tidplan
    budgetpaverkan: bool

    @property
    def indikatorer(self) -> list[str]:
        """Every indicator the uppdrag follows: its origin's and its follow-up's, in order."""
        return list(dict.fromkeys([*self.ursprung.indikatorer, *self.uppfoljning.indikatorer]))


class Meeting(_Strict):
    datum: date
    handlingar_senast: date  # paper deadline
    note: str | None = None
    # The rolling schedule: the nämnder whose välfärd indicators are presented at this meeting.
    # When any meeting lists some, a välfärd indicator is due only at a meeting of its
    # nämnd's turn; when none does, välfärd follows the plain rule like the other målområden.
    valfard_namnder: list[str] | None = None

    @model_validator(mode="after")
    def _deadline_before_meeting(self):
        if self.handlingar_senast >= self.datum:
            raise ValueError("handlingar_senast måste ligga före datum")
        return self


class NamndMeeting(_Strict):
    """A nämnd's meeting: no välfärd turns (all its indicators are followed at each)."""
    datum: date
    handlingar_senast: date
    note: str | None = None

    @model_validator(mode="after")
    def _deadline_before_meeting(self):
        if self.handlingar_senast >= self.datum:
            raise ValueError("handlingar_senast måste ligga före datum")
        return self


def _sorted_unique(meetings: list):
    dates = [m.datum for m in meetings]
    if len(set(dates)) != len(dates):
        raise ValueError("samma sammanträdesdatum förekommer två gånger")
    return sorted(meetings, key=lambda m: m.datum)


class NamndCalendar(_Strict):
    constructed: bool = False
    note: str | None = None
    meetings: list[NamndMeeting] = Field(min_length=1)

    @field_validator("meetings")
    @classmethod
    def _sorted_unique(cls, meetings: list[NamndMeeting]):
        return _sorted_unique(meetings)


class Calendar(_Strict):
    organ: str = "Kommunfullmäktige"
    constructed: bool = False
    note: str | None = None
    meetings: list[Meeting]

    @field_validator("meetings")
    @classmethod
    def _sorted_unique(cls, meetings: list[Meeting]):
        return _sorted_unique(meetings)

    @property
    def rolling(self) -> bool:
        return any(m.valfard_namnder for m in self.meetings)


class Settings(_Strict):
    kommun: str = Field(pattern=KOMMUNKOD)
    kommun_namn: str
    jamforelsegrupp: str | None = Field(default=None, pattern=r"^G\d+$")
    # kommun: Kolada values for the kommun and its comparison group, SCB for the kommun.
    # riket (national mode): the catalog's Kolada KPIs and SCB series for all 290 kommuner,
    # the 21 regions and Riket, so any kommun's table, and every kommun's place, comes out
    # of one warehouse.
    omfattning: Literal["kommun", "riket"] = "kommun"
    # When an aktuellt värde is flagged as old in the reports: more than this many periods
    # behind the newest period of its series in the warehouse, or a period that ended more than
    # this many months before the report's day.
    max_perioder_efter: int = Field(default=2, ge=1)
    max_alder_manader: int = Field(default=30, ge=1)


NamndFile.model_rebuild()  # its sammanträdesplan's model is defined below it
