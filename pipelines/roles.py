"""Which part of a deployment this process runs (MALSTYRNING_ROLL), read once at start-up.

Without Dagster imports, so the read commands of `indikator` can use it (pipelines/deployment.py
has the Dagster side: asset keys, which definitions a role keeps).

- unset or `ensam`: today's single-kommun code location: sources, catalog, inbox, indicators,
  publication and site over one warehouse file. The default; nothing below applies.
- `offentlig`: the public statistics of a deployment of several kommuner (docs/deployment.md,
  "Several kommuner"): Kolada, SCB and AF fetched once for the union of the kommuners'
  catalogs (indicator_catalog/deployment.py) into the public file, published as the public
  snapshot. No catalog of its own, no inbox, nothing internal.
- `kommun`: one kommun of such a deployment (MALSTYRNING_KOMMUN names it): its catalog, inbox,
  indicators, reports and site over its own file; the public figures are imported from the
  public snapshot instead of fetched.

Both deployment roles read the deployment file (MALSTYRNING_DRIFT) and set the working file
(and for a kommun, its catalog folder) from it, so the file is the one place that says where
a kommun's data lives. The kommun role's asset keys and which definitions each role keeps are
in pipelines/deployment.py.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from indicator_catalog.catalog import CATALOG_DIR_ENV, KOMMUN_ENV, CatalogError
from indicator_catalog.deployment import Deployment, deployment_from_env
from warehouse.core.db import DUCKDB_ENV
from warehouse.publishing.snapshot import PUBLISHED_ENV, snapshot_path_for

ROLE_ENV = "MALSTYRNING_ROLL"
ROLES = ("ensam", "offentlig", "kommun")
PUBLIC_SNAPSHOT_ENV = "MALSTYRNING_OFFENTLIG"  # set from the deployment file in the kommun role


def role() -> str:
    value = os.environ.get(ROLE_ENV, "").strip() or "ensam"
    if value not in ROLES:
        raise ValueError(f"{ROLE_ENV}={value!r}: ska vara en av {', '.join(ROLES)}")
    return value


def kommun_kod() -> str | None:
    """The kommun of a kommun's location (MALSTYRNING_KOMMUN, required there); None in the
    other roles."""
    if role() != "kommun":
        return None
    kod = os.environ.get(KOMMUN_ENV, "").strip()
    if not kod:
        raise CatalogError(f"{ROLE_ENV}=kommun kräver {KOMMUN_ENV} (kommunkoden, t.ex. 1882)")
    return kod


def pool_name() -> str:
    """The Dagster pool of the steps that open this location's DuckDB file: one pool per file."""
    kod = kommun_kod()
    return f"duckdb_{location_name(kod)}" if kod else "duckdb"


def _set(name: str, value: Path, deployment: Deployment) -> None:
    """Set `name` to the deployment file's value; refuse a different value already set (an
    environment file left from a single-kommun setup would point this kommun at another file)."""
    current = os.environ.get(name)
    if current and Path(current).resolve() != value.resolve():
        raise CatalogError(f"{name}={current} men {deployment.path} säger {value}: ta bort variabeln, "
                           "driftmiljöns fil bestämmer var data ligger")
    os.environ[name] = str(value)


@lru_cache(maxsize=1)
def apply_environment() -> Deployment | None:
    """In a deployment role, point the working file (and a kommun's catalog and public
    snapshot) at what the deployment file says; None in the single role."""
    r = role()
    if r == "ensam":
        return None
    deployment = deployment_from_env()
    if r == "offentlig":
        _set(DUCKDB_ENV, deployment.public_data, deployment)
    else:
        entry = deployment.kommun(kommun_kod())
        _set(DUCKDB_ENV, entry.data, deployment)
        _set(CATALOG_DIR_ENV, entry.catalog_dir, deployment)
        _set(PUBLIC_SNAPSHOT_ENV, snapshot_path_for(deployment.public_data), deployment)
    if os.environ.get(PUBLISHED_ENV):
        # One variable for several files would publish every location to the same snapshot.
        raise CatalogError(f"{PUBLISHED_ENV} gäller en ensam kommun: i en driftmiljö ligger varje "
                           "ögonblicksbild bredvid sin arbetsfil")
    return deployment


PUBLIC_PORT = 4300  # the public code server; kommun number i (from 0, in file order) gets PUBLIC_PORT + 1 + i


def location_name(kod: str | None) -> str:
    """The code location's name in the Dagster UI: `offentlig`, or `kommun_<kod>`."""
    return f"kommun_{kod}" if kod else "offentlig"


def deployment_files(deployment: Deployment) -> dict[str, str]:
    """The files `indikator driftfiler` writes for a deployment: the workspace the daemon and the
    webserver read (every location over gRPC) and each kommun's port for its systemd unit
    (deploy/systemd/malstyrning-kommun@.service). Ports follow the kommuner's order in the file,
    so a new kommun goes at the end and the others keep theirs."""
    locations = [(None, PUBLIC_PORT)] + [(e.kod, PUBLIC_PORT + 1 + i) for i, e in enumerate(deployment.kommuner)]
    lines = [f"# Written by `indikator driftfiler` from {deployment.path}; write it again after changing that file.",
             "load_from:"]
    for kod, port in locations:
        lines += ["  - grpc_server:", "      host: 127.0.0.1", f"      port: {port}",
                  f"      location_name: {location_name(kod)}"]
    files = {"workspace.yaml": "\n".join(lines) + "\n"}
    for kod, port in locations[1:]:
        files[f"kommuner/{kod}.env"] = (f"# Written by `indikator driftfiler`: kommun {kod}'s code server "
                                        f"(malstyrning-kommun@{kod}.service).\nMALSTYRNING_PORT={port}\n")
    return files
