"""Load and validate the indicator catalog, the KF calendar and the region settings.

Layout of the catalog directory (default: this package's folder, override with
MALSTYRNING_CATALOG_DIR):

    namnder/*.yaml      one file per nämnd, its uppdragsplan: {namnd, indicators: [...],
                        uppdrag: [...], sammantraden: {meetings: [...]}}
    kf_calendar.yaml    KF meetings with the deadline for the meeting papers
    kf_mal.yaml         KF's own goals: strategiska mål, målpreciseringar and their mått
                        (optional; indicator_catalog/kf_goals.py)
    settings.yaml       kommun (kommunkod) and its comparison group

The kommun and group can be overridden with MALSTYRNING_KOMMUN and
MALSTYRNING_JAMFORELSEGRUPP, so nothing is tied to Askersund.

Every error names the file, the indicator or uppdrag id and the field.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from indicator_catalog.kf_goals import SURVEYS, KfGoalsFile, MattExtras
from indicator_catalog.models import (Calendar, Indicator, NamndCalendar, NamndFile, ScbQuery, Settings,
                                     Uppdrag)

CATALOG_DIR_ENV = "MALSTYRNING_CATALOG_DIR"
KOMMUN_ENV = "MALSTYRNING_KOMMUN"
GROUP_ENV = "MALSTYRNING_JAMFORELSEGRUPP"
SCOPE_ENV = "MALSTYRNING_OMFATTNING"
DEFAULT_DIR = Path(__file__).parent


class CatalogError(ValueError):
    pass


@dataclass(frozen=True)
class CatalogIndicator:
    """An indicator with the nämnd it belongs to and the file it came from. A mått of KF's
    own goals is one too: its nämnd is the KF organ and `malprecisering` names the
    målprecisering it measures (indicator_catalog/kf_goals.py)."""

    namnd: str
    spec: Indicator
    file: Path
    malprecisering: str | None = None
    extras: MattExtras = MattExtras()
    target_example: bool = False

    @property
    def niva(self) -> str:
        return "KF" if self.malprecisering else "nämnd"

    def __getattr__(self, name):
        return getattr(self.spec, name)


@dataclass(frozen=True)
class CatalogUppdrag:
    """An uppdrag with its nämnd and file; `exempel` when the nämnd's plan is an example."""

    namnd: str
    spec: Uppdrag
    file: Path
    exempel: bool = False

    def __getattr__(self, name):
        return getattr(self.spec, name)


@dataclass(frozen=True)
class NamndPlan:
    """One nämnd's uppdragsplan: its indicator table, its uppdrag, its sammanträdesplan."""

    namnd: str
    file: Path
    indicators: tuple[CatalogIndicator, ...]
    uppdrag: tuple[CatalogUppdrag, ...] = ()
    calendar: NamndCalendar | None = None


@dataclass(frozen=True)
class Catalog:
    indicators: tuple[CatalogIndicator, ...]
    calendar: Calendar
    settings: Settings
    directory: Path
    kf_goals: KfGoalsFile | None = None
    plans: tuple[NamndPlan, ...] = ()

    @property
    def uppdrag(self) -> list[CatalogUppdrag]:
        return [u for p in self.plans for u in p.uppdrag]

    @cached_property
    def by_id(self) -> dict[str, CatalogIndicator]:
        return {i.id: i for i in self.indicators}

    def kolada_kpis(self) -> list[str]:
        """The KPIs of Kolada indicators and of the Kolada cross-checks of other indicators."""
        return sorted(self.kolada_kpi_fields())

    def kolada_kpi_fields(self) -> dict[str, list[str]]:
        """Where the catalog names each Kolada KPI, as error messages name it:
        KPI -> ["socialnamnden.yaml: indikator 'gastnatter': fält 'query.kpi'", …]."""
        out: dict[str, list[str]] = {}
        for i in self.indicators:
            what = "mått" if i.niva == "KF" else "indikator"
            if i.source == "kolada":
                out.setdefault(i.query.kpi, []).append(f"{i.file.name}: {what} '{i.id}': fält 'query.kpi'")
            if i.kolada_kontroll:
                out.setdefault(i.kolada_kontroll.kpi, []).append(
                    f"{i.file.name}: indikator '{i.id}': fält 'kolada_kontroll.kpi'")
            old = i.extras.tidigare_definition
            if old:
                out.setdefault(old.kpi, []).append(f"{i.file.name}: mått '{i.id}': fält 'tidigare_definition.kpi'")
            survey = SURVEYS.get(i.extras.enkat or "", {})
            if i.source == "kolada":
                for field in ("antal_svar", "svarsfrekvens"):
                    if survey.get(field):
                        out.setdefault(survey[field], []).append(
                            f"{i.file.name}: mått '{i.id}': fält 'enkat' ({field})")
        return out

    def ekonomi_frequencies(self) -> dict[str, str]:
        """Series of the ekonomi source -> the frequency the catalog follows it by: the period a
        SIE file's balances are given (warehouse/files/ekonomi.py _closing_period)."""
        return {i.query.series: i.frequency for i in self.indicators if i.source == "ekonomi"}

    def comparison_groups(self) -> list[str]:
        """The Kolada municipality groups to fetch: the kommun's comparison group, if any
        (a deployment's public catalog has one per kommun: indicator_catalog/deployment.py)."""
        return [self.settings.jamforelsegrupp] if self.settings.jamforelsegrupp else []

    def kolada_units(self, group_members: set[str] = frozenset()) -> set[str]:
        """The Kolada units to fetch: in national mode every kommun, region and Riket
        (sources/kommuner.csv, sources/regioner.csv); otherwise the kommun, any per-indicator
        overrides and the comparison group's members."""
        if self.settings.omfattning == "riket":
            return set(national_units())
        return self.kolada_regions() | set(group_members)

    def region_for(self, indicator: CatalogIndicator) -> str:
        return getattr(indicator.query, "municipality", None) or self.settings.kommun

    def kolada_indicators(self) -> list[CatalogIndicator]:
        return [i for i in self.indicators if i.source == "kolada"]

    def scb_indicators(self) -> list[CatalogIndicator]:
        return [i for i in self.indicators if isinstance(i.query, ScbQuery)]

    def scb_series(self) -> dict[str, ScbQuery]:
        """Each SCB series once; indicators sharing a series id must define it alike."""
        out: dict[str, ScbQuery] = {}
        for i in self.scb_indicators():
            q = i.query
            known = out.setdefault(q.series, q)
            if known.tables != q.tables:
                raise CatalogError(
                    f"{i.file}: indikator '{i.id}': fält 'query.tables': serien {q.series} "
                    "är definierad annorlunda av en annan indikator"
                )
        return out

    def scb_regions(self, series: str) -> list[str]:
        """The units to fetch a series for, as the warehouse names them (Kolada's ids: län
        0018, Riket 0000; sources.scb.scb_region gives SCB's codes): in national mode every
        kommun, region and Riket, otherwise the kommun and per-indicator overrides."""
        if self.settings.omfattning == "riket":
            return national_units()
        return sorted({self.region_for(i) for i in self.scb_indicators() if i.query.series == series})

    def kolada_regions(self) -> set[str]:
        """Every kommun a Kolada indicator or cross-check reads: the kommun and overrides."""
        regions = {self.region_for(i) for i in self.kolada_indicators()}
        return regions | {i.kolada_kontroll.municipality or self.settings.kommun
                          for i in self.indicators if i.kolada_kontroll}

    def manual_series(self) -> set[str]:
        """The series read from the manual-values file (source manuell)."""
        return {i.query.series for i in self.indicators if i.source == "manuell"}

    def without_kf_goals(self) -> "Catalog":
        """The nämnder's catalog alone (KF's goals and mått left out)."""
        from dataclasses import replace

        return replace(self, indicators=tuple(self.namnd_indicators()), kf_goals=None)

    def namnd_indicators(self) -> list[CatalogIndicator]:
        """The nämnder's indicators, without the mått of KF's own goals."""
        return [i for i in self.indicators if i.niva == "nämnd"]


def national_units() -> list[str]:
    """All 290 kommuner, the 21 regions and Riket (0000), as Kolada ids (a new list each
    call, so a caller may change it)."""
    return sorted(_national_units())


@lru_cache(maxsize=1)
def _national_units() -> tuple[str, ...]:
    # The two files ship with the code and do not change while it runs: read them once.
    import csv

    sources = Path(__file__).resolve().parents[1] / "sources"
    codes = []
    for name in ("kommuner.csv", "regioner.csv"):
        with (sources / name).open(encoding="utf-8") as fh:
            codes += [row["kod"] for row in csv.DictReader(fh)]
    return tuple(codes)


def catalog_dir(path: str | os.PathLike | None = None) -> Path:
    return Path(path or os.environ.get(CATALOG_DIR_ENV) or DEFAULT_DIR)


# libyaml's loader where PyYAML has it (the wheels do): the same safe subset, about seven
# times faster; a national catalog of 300 indicators took 0.4 s to read in pure Python, and
# every asset reads the catalog.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path):
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_LOADER)  # noqa: S506 - a safe loader
    except FileNotFoundError as exc:
        raise CatalogError(f"{path}: filen saknas") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", rad {mark.line + 1}" if mark else ""
        raise CatalogError(f"{path}{where}: ogiltig YAML: {getattr(exc, 'problem', exc)}") from exc


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "(hela posten)"
        parts.append(f"fält '{field}': {err['msg']}")
    return "; ".join(parts)


def _one_by_one(path: Path, rows: list, model, what: str) -> list:
    """Validate list entries one at a time, so an error names the entry's id."""
    out = []
    for pos, raw in enumerate(rows, start=1):
        ident = raw.get("id") if isinstance(raw, dict) else None
        label = f"{what} '{ident}'" if ident else f"{what} nr {pos} (id saknas)"
        try:
            out.append(model.model_validate(raw))
        except ValidationError as exc:
            raise CatalogError(f"{path}: {label}: {_describe(exc)}") from exc
    return out


def load_namnd_file(path: Path) -> NamndPlan:
    doc = _read_yaml(path)
    try:
        namnd_file = NamndFile.model_validate(doc)
    except ValidationError as exc:
        raise CatalogError(f"{path}: {_describe(exc)}") from exc
    indicators = tuple(CatalogIndicator(namnd=namnd_file.namnd, spec=spec, file=path, target_example=namnd_file.exempel)
                       for spec in _one_by_one(path, namnd_file.indicators, Indicator, "indikator"))
    uppdrag = tuple(CatalogUppdrag(namnd=namnd_file.namnd, spec=spec, file=path, exempel=namnd_file.exempel)
                    for spec in _one_by_one(path, namnd_file.uppdrag, Uppdrag, "uppdrag"))
    plan = NamndPlan(namnd=namnd_file.namnd, file=path, indicators=indicators, uppdrag=uppdrag,
                     calendar=namnd_file.sammantraden)
    _check_uppdrag(plan)
    return plan


def _check_uppdrag(plan: NamndPlan) -> None:
    """The two tables of one uppdragsplan agree: an uppdrag names only the nämnd's own
    indicators; an indicator marked `uppdrag: true` is named by an uppdrag, and one an uppdrag
    starts from is marked; delrapporter and slutrapport fall on the nämnd's meetings (where
    its sammanträdesplan reaches)."""
    own = {i.id: i for i in plan.indicators}
    if plan.uppdrag and not plan.calendar:
        # Reports are given at the nämnd's meetings: without its plan none could be recorded.
        raise CatalogError(f"{plan.file}: fält 'sammantraden': saknas, men filen har uppdrag "
                           f"({', '.join(u.id for u in plan.uppdrag)}) vars rapporter lämnas vid nämndens möten")
    meetings = {m.datum for m in plan.calendar.meetings} if plan.calendar else set()
    last = max(meetings, default=None)
    for u in plan.uppdrag:
        for field, ids in (("ursprung.indikatorer", u.ursprung.indikatorer),
                           ("uppfoljning.indikatorer", u.uppfoljning.indikatorer)):
            for ident in ids:
                if ident not in own:
                    raise CatalogError(f"{plan.file}: uppdrag '{u.id}': fält '{field}': okänd indikator {ident!r} "
                                       f"(nämndens indikatorer: {', '.join(sorted(own))})")
        for ident in u.ursprung.indikatorer:
            if not own[ident].uppdrag:
                raise CatalogError(f"{plan.file}: indikator '{ident}': fält 'uppdrag': false, men uppdrag "
                                   f"'{u.id}' utgår från indikatorn; sätt uppdrag: true")
        dates = [("tidplan.delrapporter", d.datum) for d in u.tidplan.delrapporter]
        for field, day in [*dates, ("tidplan.slutrapport", u.tidplan.slutrapport)]:
            if last is not None and day <= last and day not in meetings:
                raise CatalogError(f"{plan.file}: uppdrag '{u.id}': fält '{field}': {day} är inget av nämndens "
                                   "sammanträden (sammantraden)")
    named = {ident for u in plan.uppdrag for ident in u.indikatorer}
    for ind in plan.indicators:
        if ind.uppdrag and ind.id not in named:
            raise CatalogError(f"{plan.file}: indikator '{ind.id}': fält 'uppdrag': true, men inget uppdrag i "
                               "filen nämner indikatorn (ursprung eller uppfoljning)")


def load_calendar(path: Path) -> Calendar:
    try:
        return Calendar.model_validate(_read_yaml(path))
    except ValidationError as exc:
        raise CatalogError(f"{path}: {_describe(exc)}") from exc


def _check_turns(catalog: Catalog, path: Path) -> None:
    """Every nämnd named in the rolling schedule exists, and every nämnd with välfärd
    indicators has a turn, so no indicator silently never becomes due."""
    namnder = {i.namnd for i in catalog.namnd_indicators()}
    for m in catalog.calendar.meetings:
        for name in m.valfard_namnder or []:
            if name not in namnder:
                raise CatalogError(f"{path}: möte {m.datum}: fält 'valfard_namnder': okänd nämnd {name!r} "
                                   f"(nämnder i katalogen: {', '.join(sorted(namnder))})")
    if catalog.calendar.rolling:
        with_turn = {n for m in catalog.calendar.meetings for n in m.valfard_namnder or []}
        for i in catalog.namnd_indicators():
            if i.malomrade == "Välfärd" and i.namnd not in with_turn:
                raise CatalogError(f"{path}: fält 'valfard_namnder': {i.namnd} har välfärdsindikatorn "
                                   f"'{i.id}' ({i.file.name}) men ingen tur i kalendern")


def load_settings(path: Path) -> Settings:
    doc = _read_yaml(path) or {}
    if not isinstance(doc, dict):
        raise CatalogError(f"{path}: förväntade en mappning med kommun och jamforelsegrupp")
    overrides = {"kommun": os.environ.get(KOMMUN_ENV), "jamforelsegrupp": os.environ.get(GROUP_ENV),
                 "omfattning": os.environ.get(SCOPE_ENV)}
    doc = {**doc, **{k: v for k, v in overrides.items() if v}}
    try:
        return Settings.model_validate(doc)
    except ValidationError as exc:
        raise CatalogError(f"{path} (eller {KOMMUN_ENV}/{GROUP_ENV}/{SCOPE_ENV}): {_describe(exc)}") from exc


KF_GOALS_FILE = "kf_mal.yaml"


# What a mått takes from the nämnd indicator it names in `serie_fran`: the same series,
# measured the same way (one definition of e.g. SCB's stitched population series).
SERIES_FIELDS = ("source", "query", "unit", "decimals", "frequency", "indikator_kalla")


def load_kf_goals(path: Path, *, organ: str, namnd_indicators: dict[str, CatalogIndicator]
                  ) -> tuple[KfGoalsFile, list[CatalogIndicator]]:
    """KF's goals and their mått as catalog indicators (nämnd = the KF organ). A mått takes
    its målområde from its goal, its target year from its målprecisering unless it sets one,
    and is an Indikator KF; `serie_fran: <id>` takes the series (source, query, unit,
    decimals, frequency, indikator/källa) from that nämnd indicator, any of them overridable;
    `indikatorer` must name nämnd indicators that exist."""
    try:
        doc = KfGoalsFile.model_validate(_read_yaml(path))
    except ValidationError as exc:
        raise CatalogError(f"{path}: {_describe(exc)}") from exc
    measures: list[CatalogIndicator] = []
    goal_ids: dict[str, str] = {}
    for area in doc.malomraden:
        for goal in area.strategiska_mal:
            for ident, what in [(goal.id, "strategiskt mål"), *((p.id, "målprecisering") for p in goal.malpreciseringar)]:
                if ident in goal_ids:
                    raise CatalogError(f"{path}: {what} '{ident}': fält 'id': används redan av {goal_ids[ident]}")
                goal_ids[ident] = f"{what} '{ident}'"
            for prec in goal.malpreciseringar:
                unknown = [i for i in prec.indikatorer if i not in namnd_indicators]
                if unknown:
                    raise CatalogError(f"{path}: målprecisering '{prec.id}': fält 'indikatorer': okänd nämndindikator "
                                       f"{', '.join(unknown)}")
                for pos, raw in enumerate(prec.matt, start=1):
                    ident = raw.get("id") if isinstance(raw, dict) else None
                    label = f"målprecisering '{prec.id}': mått '{ident}'" if ident else \
                        f"målprecisering '{prec.id}': mått nr {pos} (id saknas)"
                    if not isinstance(raw, dict):
                        raise CatalogError(f"{path}: {label}: förväntade en mappning")
                    extras_raw = {k: raw[k] for k in ("enkat", "tidigare_definition") if k in raw}
                    base = {}
                    if "serie_fran" in raw:
                        other = namnd_indicators.get(raw["serie_fran"])
                        if other is None:
                            raise CatalogError(f"{path}: {label}: fält 'serie_fran': okänd nämndindikator "
                                               f"{raw['serie_fran']!r}")
                        base = {k: getattr(other.spec, k) for k in SERIES_FIELDS}
                        base["query"] = other.spec.query.model_dump(exclude_defaults=True)
                    spec_raw = {"malomrade": area.malomrade, "target_year": prec.horisont, "uppdrag": False,
                                "budgetpaverkan": False, "indikator_kf": True, **base,
                                **{k: v for k, v in raw.items() if k not in extras_raw and k != "serie_fran"}}
                    try:
                        spec = Indicator.model_validate(spec_raw)
                        extras = MattExtras.model_validate(extras_raw)
                    except ValidationError as exc:
                        raise CatalogError(f"{path}: {label}: {_describe(exc)}") from exc
                    if spec.malomrade != area.malomrade:
                        raise CatalogError(f"{path}: {label}: fält 'malomrade': {spec.malomrade} men målet hör till "
                                           f"{area.malomrade}")
                    if extras.tidigare_definition and spec.source != "kolada":
                        raise CatalogError(f"{path}: {label}: fält 'tidigare_definition': bara för Kolada-mått")
                    measures.append(CatalogIndicator(namnd=organ, spec=spec, file=path, malprecisering=prec.id,
                                                     extras=extras, target_example=doc.constructed))
    return doc, measures


def load_catalog(path: str | os.PathLike | None = None) -> Catalog:
    root = catalog_dir(path)
    files = sorted((root / "namnder").glob("*.yaml"))
    if not files:
        raise CatalogError(f"{root / 'namnder'}: inga nämndfiler (*.yaml)")
    indicators: list[CatalogIndicator] = []
    first_file: dict[str, Path] = {}
    by_id: dict[str, CatalogIndicator] = {}
    plans = [load_namnd_file(f) for f in files]
    uppdrag_file: dict[str, Path] = {}
    for plan in plans:
        for u in plan.uppdrag:
            if u.id in uppdrag_file:
                raise CatalogError(f"{plan.file}: uppdrag '{u.id}': fält 'id': finns redan i {uppdrag_file[u.id]}")
            uppdrag_file[u.id] = plan.file
    first_plan: dict[str, Path] = {}
    for plan in plans:
        if plan.namnd in first_plan:
            raise CatalogError(f"{plan.file}: fält 'namnd': {plan.namnd} har redan filen {first_plan[plan.namnd]}")
        first_plan[plan.namnd] = plan.file
    for f, plan in zip(files, plans):
        for ind in plan.indicators:
            if ind.id in first_file:
                raise CatalogError(
                    f"{f}: indikator '{ind.id}': fält 'id': finns redan i {first_file[ind.id]}"
                )
            first_file[ind.id] = f
            by_id[ind.id] = ind
            indicators.append(ind)
    calendar = load_calendar(root / "kf_calendar.yaml")
    kf_path = root / KF_GOALS_FILE
    kf_goals = None
    if kf_path.exists():
        kf_goals, measures = load_kf_goals(kf_path, organ=calendar.organ, namnd_indicators=by_id)
        for m in measures:
            if m.id in first_file:
                raise CatalogError(f"{kf_path}: mått '{m.id}': fält 'id': finns redan i {first_file[m.id]}")
            first_file[m.id] = kf_path
            indicators.append(m)
    catalog = Catalog(
        indicators=tuple(indicators),
        calendar=calendar,
        plans=tuple(plans),
        settings=load_settings(root / "settings.yaml"),
        directory=root,
        kf_goals=kf_goals,
    )
    _check_turns(catalog, root / "kf_calendar.yaml")
    catalog.scb_series()  # a series defined two ways fails here, naming file and indicator
    return catalog
