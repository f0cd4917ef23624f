"""Resources: the warehouse file, the Kolada, SCB and AF clients and the indicator catalog.

MALSTYRNING_DUCKDB names the working DuckDB file. MALSTYRNING_HTTP_MODE switches every
source between replay (recordings in the repo, the default), live and record.
"""

from __future__ import annotations

import hashlib
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from indicator_catalog.catalog import Catalog, catalog_dir, load_catalog
from indicator_catalog.deployment import PublicCatalog, deployment_from_env
from pipelines.deployment import role
from sources.http import HttpPolicy, build_session, http_mode
from sources.ratelimit import SharedRateLimiter, default_state_path
from sources.scb import BASE_URL as SCB_BASE_URL
from sources.scb import MAX_CALLS as SCB_MAX_CALLS
from sources.scb import TIME_WINDOW as SCB_TIME_WINDOW
from sources.scb import ScbClient
from sources.af_web import STATISTICS_PAGE
from sources.kolada import BASE_URL, KoladaClient
from warehouse.core.db import DUCKDB_ENV, check_name, configure, database_path, ensure_views, migrate


# Base URLs: the resource's base_url (Dagster run config), else these environment variables
# (a mirror or a proxy for `indikator refresh`, `make demo` and the code server), else the
# real APIs.
KOLADA_URL_ENV, SCB_URL_ENV, AF_URL_ENV = "MALSTYRNING_KOLADA_URL", "MALSTYRNING_SCB_URL", "MALSTYRNING_AF_URL"


def _url(configured: str | None, env: str, default: str) -> str:
    return configured or os.environ.get(env) or default


class KoladaResource(dg.ConfigurableResource):
    """Kolada API v3. http_mode None means MALSTYRNING_HTTP_MODE (default replay); the read
    timeout, retries and backoff default to sources.http.HttpPolicy; base_url None means
    MALSTYRNING_KOLADA_URL or the real API."""

    base_url: str | None = None
    http_mode: str | None = None
    recordings_dir: str | None = None
    read_timeout: float = HttpPolicy.read_timeout
    retries: int = HttpPolicy.retries
    backoff_factor: float = HttpPolicy.backoff_factor
    # Nightly runs skip the data request when the KPI metadata shows nothing new, except on
    # this weekday (0 = Monday … 6 = Sunday), when they fetch anyway to catch silent
    # revisions (warehouse/kolada/nightly.py).
    full_refresh_weekday: int = 6

    def client(self) -> KoladaClient:
        policy = HttpPolicy(read_timeout=self.read_timeout, retries=self.retries, backoff_factor=self.backoff_factor)
        return KoladaClient(build_session(mode=self.http_mode, recordings=self.recordings_dir, policy=policy),
                            _url(self.base_url, KOLADA_URL_ENV, BASE_URL))


class ScbResource(dg.ConfigurableResource):
    """SCB PxWebApi 2.0. http_mode None means MALSTYRNING_HTTP_MODE (default replay).

    Outside replay mode every call first takes a slot in a host-wide limiter file (SCB
    allows 30 calls per 10 s per IP address, shared by all run processes on this host).
    base_url None means MALSTYRNING_SCB_URL or the real API.
    """

    base_url: str | None = None
    http_mode: str | None = None
    recordings_dir: str | None = None
    max_calls: int = SCB_MAX_CALLS
    time_window: float = SCB_TIME_WINDOW

    def client(self) -> ScbClient:
        session = build_session(mode=self.http_mode, recordings=self.recordings_dir)
        limiter = None
        if http_mode(self.http_mode) != "replay":
            limiter = SharedRateLimiter(default_state_path("scb"), self.max_calls, self.time_window).acquire
        return ScbClient(session, _url(self.base_url, SCB_URL_ENV, SCB_BASE_URL), before_call=limiter)


class AfResource(dg.ConfigurableResource):
    """Arbetsförmedlingen's statistics page and where its downloaded files are kept.

    files_dir None means MALSTYRNING_AF_DIR, or `af/` beside the warehouse file: the files
    are the raw layer (too large for the database), each kept under its sha256.
    """

    page_url: str | None = None  # None: MALSTYRNING_AF_URL or AF's statistics page
    http_mode: str | None = None
    recordings_dir: str | None = None
    files_dir: str | None = None

    def page(self) -> str:
        """The statistics page whose links name the month's files."""
        return _url(self.page_url, AF_URL_ENV, STATISTICS_PAGE)

    def session(self):
        return build_session(mode=self.http_mode, recordings=self.recordings_dir)

    def directory(self) -> Path:
        return Path(self.files_dir or os.environ.get("MALSTYRNING_AF_DIR") or database_path().parent / "af")


class CatalogResource(dg.ConfigurableResource):
    """The indicator catalog; directory None means MALSTYRNING_CATALOG_DIR or the bundled one.
    In the public location of a deployment with several kommuner, the union of the kommuner's
    catalogs (indicator_catalog/deployment.py PublicCatalog): what the public fetches ask for."""

    directory: str | None = None

    def load(self) -> Catalog:
        if role() == "offentlig":
            return self._public()
        return self._own()

    def _public(self) -> PublicCatalog:
        deployment = deployment_from_env()
        return _cached(("offentlig", _files_digest([deployment.path, *(e.catalog_dir for e in deployment.kommuner)])),
                       deployment.public_catalog)

    def _own(self) -> Catalog:
        """The catalog, parsed once per process for the same files: each step of a run reads
        it, and parsing a national catalog's YAML cost 0.2 s a time. Keyed on the files'
        bytes (reading them is cheap) and the MALSTYRNING_* settings that override them, so an
        edited file or setting is parsed again."""
        root = catalog_dir(self.directory)
        return _cached((str(root.resolve()), _files_digest([root])), lambda: load_catalog(self.directory))


_CATALOG_CACHE: dict = {}  # the last catalog parsed in this process, and its key


def _cached(key: tuple, build):
    """The last catalog built in this process if `key` and the MALSTYRNING_* settings (which
    override the files) are the same, else `build()`."""
    key = (*key, tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("MALSTYRNING_"))))
    if _CATALOG_CACHE.get("key") != key:
        _CATALOG_CACHE.update(key=key, catalog=build())
    return _CATALOG_CACHE["catalog"]


def _files_digest(roots: list[Path]) -> str:
    """A digest of the YAML files under `roots` (folders, or single files): names and bytes."""
    digest = hashlib.sha256()
    for root in roots:
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*")
                                                     if p.is_file() and p.suffix in (".yaml", ".yml"))
        for path in paths:
            digest.update(str(path.resolve()).encode() + b"\x00" + path.read_bytes() + b"\x00")
    return digest.hexdigest()


@contextmanager
def warehouse(duckdb_resource: DuckDBResource) -> Iterator[duckdb.DuckDBPyConnection]:
    """A migrated warehouse connection in Stockholm time, closed on exit."""
    # DuckDB creates the file but not its folder.
    check_name(duckdb_resource.database).parent.mkdir(parents=True, exist_ok=True)
    with duckdb_resource.get_connection() as conn:
        # dagster-duckdb closes the connection only when the block ends without an error; a
        # failed step would keep the file open (and locked) in this process, so close it here.
        try:
            configure(conn)
            ensure_views(conn, force=bool(migrate(conn)))
            yield conn
        finally:
            conn.close()


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "duckdb": DuckDBResource(database=dg.EnvVar(DUCKDB_ENV)),
            "kolada": KoladaResource(),
            "scb": ScbResource(),
            "af": AfResource(),
            "catalog": CatalogResource(),
        }
    )
