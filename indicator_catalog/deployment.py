"""Several kommuner in one deployment: the deployment file and the public statistics' scope.

A shared service (a kommunalförbund, a region) runs one *public* code location that fetches
Kolada, SCB and Arbetsförmedlingen once for all its kommuner, and one code location per
kommun for everything of the kommun's own (docs/deployment.md, "Several kommuner"). The
deployment file lists the kommuner, each with its catalog and its data file:

    # kommuner.yaml — paths relative to this file
    offentlig:
      data: offentlig/malstyrning.duckdb     # default: offentlig/malstyrning.duckdb
      omfattning: kommun                     # or riket: every kommun's public figures
    kommuner:
      - kod: "1882"
        katalog: kataloger/1882              # the kommun's indicator_catalog folder
        data: kommuner/1882/malstyrning.duckdb   # default: kommuner/<kod>/malstyrning.duckdb

The public location fetches the union of every kommun's KPIs, SCB series and units
(`PublicCatalog`); a kommun's location imports its share of that from the public snapshot
(warehouse/public/importer.py). A deployment without this file is today's single-kommun one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from indicator_catalog.catalog import (KOMMUN_ENV, Catalog, CatalogError, CatalogIndicator, _describe, _national_units,
                                       _read_yaml, load_catalog, national_units)
from indicator_catalog.models import KOMMUNKOD, ScbQuery

DEPLOYMENT_ENV = "MALSTYRNING_DRIFT"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _KommunEntry(_Strict):
    kod: str = Field(pattern=KOMMUNKOD)
    katalog: str
    data: str | None = None


class _Public(_Strict):
    data: str = "offentlig/malstyrning.duckdb"
    omfattning: Literal["kommun", "riket"] = "kommun"


class _DeploymentFile(_Strict):
    offentlig: _Public = _Public()
    kommuner: list[_KommunEntry] = Field(min_length=1)


@dataclass(frozen=True)
class KommunEntry:
    kod: str
    catalog_dir: Path
    data: Path


@dataclass(frozen=True)
class Deployment:
    path: Path
    public_data: Path
    public_scope: str  # kommun | riket
    kommuner: tuple[KommunEntry, ...]

    def kommun(self, kod: str) -> KommunEntry:
        """The kommun's entry, its catalog checked to follow it (read from settings.yaml as
        written: in the kommun's location MALSTYRNING_KOMMUN would override it)."""
        for entry in self.kommuner:
            if entry.kod == kod:
                settings = _read_yaml(entry.catalog_dir / "settings.yaml") or {}
                self._check_follows(entry, str(settings.get("kommun", "")) if isinstance(settings, dict) else "")
                return entry
        raise CatalogError(f"{self.path}: kommun {kod} finns inte bland kommunerna "
                           f"({', '.join(e.kod for e in self.kommuner)})")

    def catalogs(self) -> list[tuple[KommunEntry, Catalog]]:
        """Every kommun's catalog, each checked to follow the kommun it is listed for."""
        if os.environ.get(KOMMUN_ENV):
            # load_settings would let it override every catalog's kommun.
            raise CatalogError(f"{KOMMUN_ENV} är satt: den gäller en kommuns kodplats, inte den offentliga "
                               f"som läser alla kommuners kataloger i {self.path}")
        out = []
        for entry in self.kommuner:
            cat = load_catalog(entry.catalog_dir)
            self._check_follows(entry, cat.settings.kommun)
            out.append((entry, cat))
        return out

    def _check_follows(self, entry: KommunEntry, written: str) -> None:
        """A kommun's catalog must follow the kommun it is listed for (settings.yaml `kommun`)."""
        if written != entry.kod:
            raise CatalogError(f"{self.path}: kommun {entry.kod}: katalogen {entry.catalog_dir} följer kommun "
                               f"{written or '?'} (settings.yaml), inte {entry.kod}")

    def public_catalog(self) -> "PublicCatalog":
        return PublicCatalog(tuple(self.catalogs()), self.public_scope)


def load_deployment(path: str | os.PathLike) -> Deployment:
    """Read and check a deployment file; errors name the file and the field."""
    path = Path(path)
    doc = _read_yaml(path) or {}
    if not isinstance(doc, dict):
        raise CatalogError(f"{path}: förväntade en mappning med 'kommuner' (och 'offentlig')")
    try:
        parsed = _DeploymentFile.model_validate(doc)
    except ValidationError as exc:
        raise CatalogError(f"{path}: {_describe(exc)}") from exc
    root = path.resolve().parent
    known = set(_national_units())
    entries, seen_data = [], {}
    public_data = (root / parsed.offentlig.data).resolve()
    for pos, e in enumerate(parsed.kommuner):
        where = f"{path}: kommun nr {pos + 1} (kod {e.kod})"
        if e.kod not in known:
            raise CatalogError(f"{where}: fält 'kod': ingen kommun med koden {e.kod} (sources/kommuner.csv)")
        if any(x.kod == e.kod for x in entries):
            raise CatalogError(f"{where}: fält 'kod': kommunen står två gånger")
        data = (root / (e.data or f"kommuner/{e.kod}/malstyrning.duckdb")).resolve()
        # Two kommuner in one file would mix their internal figures; the public file holds none.
        if data in seen_data or data == public_data:
            other = seen_data.get(data, "offentlig")
            raise CatalogError(f"{where}: fält 'data': {data} används redan av {other}; varje kommun har en egen fil")
        seen_data[data] = e.kod
        catalog = (root / e.katalog).resolve()
        if not catalog.is_dir():
            raise CatalogError(f"{where}: fält 'katalog': mappen {catalog} finns inte")
        entries.append(KommunEntry(e.kod, catalog, data))
    return Deployment(path.resolve(), public_data, parsed.offentlig.omfattning, tuple(entries))


def deployment_from_env() -> Deployment:
    path = os.environ.get(DEPLOYMENT_ENV)
    if not path:
        raise CatalogError(f"{DEPLOYMENT_ENV} är inte satt: den ska peka på driftmiljöns kommuner.yaml")
    return load_deployment(path)


@dataclass(frozen=True)
class PublicSettings:
    """What the fetch assets read of Catalog.settings, for the union of the kommuner."""

    omfattning: str


@dataclass(frozen=True)
class PublicCatalog:
    """The union of the kommuner's catalogs, as the public fetches need it: every KPI and SCB
    series any kommun follows, for every unit any kommun reads (itself, its overrides, its
    comparison group), or for every unit in national scope. It answers the questions the
    Kolada and SCB assets ask of a Catalog; a KPI or series is fetched once however many
    kommuner follow it."""

    members: tuple[tuple[KommunEntry, Catalog], ...]
    scope: str = "kommun"

    @cached_property
    def settings(self) -> PublicSettings:
        return PublicSettings(omfattning=self.scope)

    def comparison_groups(self) -> list[str]:
        return sorted({c.settings.jamforelsegrupp for _, c in self.members if c.settings.jamforelsegrupp})

    def kolada_kpi_fields(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for entry, cat in self.members:
            for kpi, where in cat.kolada_kpi_fields().items():
                out.setdefault(kpi, []).extend(f"kommun {entry.kod}: {w}" for w in where)
        return out

    def kolada_kpis(self) -> list[str]:
        return sorted(self.kolada_kpi_fields())

    def kolada_indicators(self) -> list[CatalogIndicator]:
        return [i for _, c in self.members for i in c.kolada_indicators()]

    def kolada_units(self, group_members: set[str] = frozenset()) -> set[str]:
        if self.scope == "riket":
            return set(national_units())
        return set().union(*(c.kolada_regions() for _, c in self.members)) | set(group_members)

    def scb_series(self) -> dict[str, ScbQuery]:
        out: dict[str, ScbQuery] = {}
        owner: dict[str, str] = {}
        for entry, cat in self.members:
            for series, q in cat.scb_series().items():
                known = out.setdefault(series, q)
                owner.setdefault(series, entry.kod)
                if known.tables != q.tables:
                    # One public series serves every kommun: its tables must be the same.
                    raise CatalogError(f"kommun {entry.kod} ({cat.directory}): SCB-serien {series} har andra "
                                       f"tabeller (fält 'query.tables') än hos kommun {owner[series]}")
        return out

    def scb_regions(self, series: str) -> list[str]:
        if self.scope == "riket":
            return national_units()
        return sorted({r for _, c in self.members if series in c.scb_series() for r in c.scb_regions(series)})
