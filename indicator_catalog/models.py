"""The shape of the catalog: one indicator row of a nämnd's uppdragsplan, the KF calendar
and the region settings. Field names are the YAML keys; Swedish domain terms stay Swedish."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Malomrade = Literal["Välfärd", "Företagsklimat", "Attraktion", "Finansiellt", "Organisatoriskt"]
Source = Literal["kolada", "scb", "arbetsformedlingen", "ekonomi", "hr"]
# Sources whose client exists. Indicators from the others stay in the catalog and show
# "ingen data" until their issue lands.
IMPLEMENTED_SOURCES = {"kolada"}

KOMMUNKOD = r"^\d{4}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KoladaQuery(_Strict):
    kpi: str = Field(pattern=r"^[NU]\d{5}$")
    gender: Literal["T", "K", "M"] = "T"
    # Defaults to the configured kommun; set to compare with e.g. Riket ("0000").
    municipality: str | None = Field(default=None, pattern=KOMMUNKOD)


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
    query: KoladaQuery | PendingQuery
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

    @field_validator("query", mode="before")
    @classmethod
    def _query_for_source(cls, value, info):
        # Pick the query model from `source`, so an error names the right fields instead
        # of listing why every alternative of the union failed.
        model = KoladaQuery if info.data.get("source") == "kolada" else PendingQuery
        return model.model_validate(value) if isinstance(value, dict) else value


class NamndFile(_Strict):
    namnd: str = Field(min_length=1)
    indicators: list[dict]  # validated one by one, so errors can name the indicator id


class Meeting(_Strict):
    datum: date
    handlingar_senast: date  # paper deadline
    note: str | None = None

    @model_validator(mode="after")
    def _deadline_before_meeting(self):
        if self.handlingar_senast >= self.datum:
            raise ValueError("handlingar_senast måste ligga före datum")
        return self


class Calendar(_Strict):
    organ: str = "Kommunfullmäktige"
    constructed: bool = False
    note: str | None = None
    meetings: list[Meeting]

    @field_validator("meetings")
    @classmethod
    def _sorted_unique(cls, meetings: list[Meeting]):
        dates = [m.datum for m in meetings]
        if len(set(dates)) != len(dates):
            raise ValueError("samma sammanträdesdatum förekommer två gånger")
        return sorted(meetings, key=lambda m: m.datum)


class Settings(_Strict):
    kommun: str = Field(pattern=KOMMUNKOD)
    kommun_namn: str
    jamforelsegrupp: str | None = Field(default=None, pattern=r"^G\d+$")
