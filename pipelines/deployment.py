"""The Dagster side of a deployment's roles (pipelines/roles.py): asset keys, and which
definitions each role's code location keeps.

In the kommun role every asset key starts with `kommun_<kod>`: all locations share one Dagster
instance, whose asset catalog is keyed on asset keys alone, and two kommuner's
`ind/indicator_status` must not share a history.
"""

from __future__ import annotations

from functools import lru_cache

import dagster as dg

from pipelines.roles import kommun_kod, location_name, role

# Asset groups per deployment role; a single location has every group the folder defines.
PUBLIC_GROUPS = {"kolada", "scb", "arbetsformedlingen", "offentlig"}
KOMMUN_GROUPS = {"catalog", "files", "indicators", "offentlig_import"}


@lru_cache(maxsize=1)
def _prefix() -> tuple[str, ...]:
    kod = kommun_kod()
    return (location_name(kod),) if kod else ()


def key(*parts: str) -> dg.AssetKey:
    """An asset key of this location: `kommun_<kod>/…` in the kommun role, else as given."""
    return dg.AssetKey([*_prefix(), *parts])


def op_name(*parts: str) -> str:
    """The op (step) name Dagster gives the asset `key(*parts)`, as run config names it."""
    return "__".join(key(*parts).path)


def imported_keys() -> list[dg.AssetKey]:
    """The keys a kommun's import of the public snapshot stands for (the Kolada, SCB and AF
    assets' keys in a single location)."""
    return [key("raw", "kolada_kpi"), key("stg", "kolada_observations"), key("stg", "scb_observations"),
            key("stg", "af_observations")]


def groups() -> set[str] | None:
    """The asset groups this location keeps (None: a single location keeps everything)."""
    return {"offentlig": PUBLIC_GROUPS, "kommun": KOMMUN_GROUPS}.get(role())


def filter_definitions(defs: dg.Definitions) -> dg.Definitions:
    """The definitions of this role: the assets of its groups, the checks on them, and the
    jobs, schedules and sensors whose targets it has. A single location gets the folder's
    definitions as they are (the deployment roles' own are defined only in those roles)."""
    wanted = groups()
    if wanted is None:
        return defs
    # The folder loader lists an asset once per module that names it: once is enough.
    unique = list({id(a): a for a in defs.assets}.values())
    assets = [a for a in unique if all(a.group_names_by_key[k] in wanted for k in a.keys)]
    keys = {k for a in assets for k in a.keys}
    checks = [c for c in defs.asset_checks or [] if all(spec.asset_key in keys for spec in c.check_specs)]
    graph = defs.resolve_asset_graph()  # every role's assets: selections resolve against it
    # Op jobs (marking a meeting reported) work on a kommun's report log: not in the public location.
    job_defs = {j.name: j for j in defs.jobs or []
                if ((j.selection.resolve(graph) or {None}) <= keys if hasattr(j, "selection") else role() != "offentlig")}
    schedules = [s for s in defs.schedules or [] if s.job_name in job_defs]
    sensors = [s for s in defs.sensors or []
               if (s.asset_selection.resolve(graph) <= keys if isinstance(s, dg.AutomationConditionSensorDefinition)
                   else all(t.job_name in job_defs for t in s.targets))]
    return dg.Definitions(assets=assets, asset_checks=checks, jobs=list(job_defs.values()), schedules=schedules,
                          sensors=sensors, resources=defs.resources, executor=defs.executor)
