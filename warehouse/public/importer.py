"""Import a kommun's share of the public statistics from the deployment's public snapshot.

The public code location fetches Kolada, SCB and AF once for every kommun of the deployment and
publishes them as a read-only snapshot (the same publication as a kommun's, with its quality
gate). Each kommun's location then copies from that snapshot what its own catalog reads: the
Kolada observations of its KPIs for its units (itself, its overrides, its comparison group),
the SCB observations of its series for its units, AF's observations (every kommun, as in a
single-kommun warehouse), the KPI metadata and group membership, and the public file's fetch and
response records, all of them (small; the observations point at them), without bodies: those
stay in the public file. Vintages
and first_seen come as they are, so the due list counts from when the public fetch first saw
a value. Every import replaces the previous one whole, in one transaction: a failed import
leaves the kommun's file as it was.

The snapshot is attached read-only and never written in place (a publication replaces the file
atomically), so an import never waits for the public jobs, and they never wait for it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from indicator_catalog.catalog import Catalog
from warehouse.core.db import one, transaction
from warehouse.publishing.snapshot import published_state

ALIAS = "offentlig"

# Response rows come without their body's file name: the body is in the public file only.
WITHOUT = {"raw.kolada_responses": ["body_file"], "raw.scb_responses": ["body_file"]}


class PublicImportError(RuntimeError):
    """The public snapshot is missing, of another schema version, or lacks what the catalog needs."""


@dataclass(frozen=True)
class Scope:
    """What one kommun's catalog reads of the public statistics."""

    kpis: list[str]
    kolada_units: list[str] | None  # None: every unit (national scope)
    groups: list[str]
    scb_series: list[str]
    scb_units: list[str] | None

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.__dict__, sort_keys=True).encode()).hexdigest()


@dataclass
class ImportResult:
    unchanged: bool
    published_at: datetime | None
    rows: dict[str, int] = field(default_factory=dict)
    scb_series_without_rows: list[str] = field(default_factory=list)


def _tables(scope: Scope, database: str) -> list[tuple[str, str, dict]]:
    """The public tables a kommun reads with the filter of its scope, in an order where a filter
    may read a table imported before it."""
    kolada_units = "" if scope.kolada_units is None else " AND list_contains($units::VARCHAR[], region)"
    scb_units = "" if scope.scb_units is None else " AND list_contains($units::VARCHAR[], region)"
    return [
        ("raw.kolada_kpi", "list_contains($kpis::VARCHAR[], kpi)", {"kpis": scope.kpis}),
        ("raw.kolada_municipality_group_members", "list_contains($groups::VARCHAR[], group_id)",
         {"groups": scope.groups}),
        ("raw.kolada_fetches", "TRUE", {}),
        ("raw.kolada_responses", "TRUE", {}),
        ("stg.kolada_observations", "list_contains($kpis::VARCHAR[], series)" + kolada_units,
         {"kpis": scope.kpis, **({"units": scope.kolada_units} if scope.kolada_units is not None else {})}),
        ("raw.scb_responses", "TRUE", {}),
        ("raw.scb_fetches", "TRUE", {}),
        ("raw.scb_table_checks", "TRUE", {}),
        ("stg.scb_observations", "list_contains($series::VARCHAR[], series)" + scb_units,
         {"series": scope.scb_series, **({"units": scope.scb_units} if scope.scb_units is not None else {})}),
        # The notes of the responses the imported SCB values came from (read from this file,
        # filled just above).
        ("stg.scb_notes", f'response_id IN (SELECT response_id FROM "{database}".stg.scb_observations)', {}),
        ("raw.af_files", "TRUE", {}),
        ("stg.af_file_totals", "TRUE", {}),
        ("stg.af_observations", "TRUE", {}),
    ]


def scope_of(catalog: Catalog, group_members: set[str]) -> Scope:
    national = catalog.settings.omfattning == "riket"
    series = sorted(catalog.scb_series())
    return Scope(
        kpis=catalog.kolada_kpis(),
        kolada_units=None if national else sorted(catalog.kolada_units(group_members)),
        groups=catalog.comparison_groups(),
        scb_series=series,
        scb_units=None if national else sorted({u for s in series for u in catalog.scb_regions(s)}),
    )


def _versions(conn: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    return [v for (v,) in conn.execute(
        f'SELECT version FROM "{database}".meta.schema_migrations ORDER BY version').fetchall()]


def import_public(conn: duckdb.DuckDBPyConnection, snapshot: Path, catalog: Catalog, *,
                  now: datetime) -> ImportResult:
    """Import `catalog`'s share of the public snapshot at `snapshot` into the warehouse behind
    `conn`; nothing is written when neither the snapshot nor the catalog's scope changed."""
    snapshot = Path(snapshot)
    state = published_state(snapshot) if snapshot.exists() else None
    if state is None:
        raise PublicImportError(
            f"Den offentliga ögonblicksbilden {snapshot} finns inte (eller är ingen publicerad ögonblicksbild): "
            "kör den offentliga platsens jobb (kolada_job, scb_job, af_job och offentlig_job) först")
    database = conn.execute("SELECT current_database()").fetchone()[0]
    conn.execute(f"ATTACH '{str(snapshot).replace(chr(39), chr(39) * 2)}' AS {ALIAS} (READ_ONLY)")
    try:
        ours, theirs = _versions(conn, database), _versions(conn, ALIAS)
        if ours != theirs:
            raise PublicImportError(
                f"{snapshot}: schemaversion {theirs[-1] if theirs else '?'}, kommunens fil {ours[-1]}: kör den "
                "offentliga platsens jobb med samma version av koden innan kommunen importerar")
        members = {m for (m,) in conn.execute(
            f"SELECT member_id FROM {ALIAS}.raw.kolada_municipality_group_members "
            "WHERE list_contains(?::VARCHAR[], group_id)", [catalog.comparison_groups()]).fetchall()}
        scope = scope_of(catalog, members)
        _require(conn, catalog, scope, snapshot)
        digest = scope.digest()
        last = conn.execute("SELECT snapshot_digest, scope_digest, row_counts FROM meta.public_import "
                            "ORDER BY imported_at DESC LIMIT 1").fetchall()
        if last and last[0][:2] == (state.digest, digest):
            # Only an import writes these tables: the counts it recorded still hold.
            return ImportResult(True, state.published_at, json.loads(last[0][2]))
        with transaction(conn):
            for table, where, params in _tables(scope, database):
                exclude = f"EXCLUDE ({', '.join(WITHOUT[table])})" if table in WITHOUT else ""
                select = f"SELECT * {exclude} FROM {ALIAS}.{table}"
                conn.execute(f"DELETE FROM {table}")
                conn.execute(f"INSERT INTO {table} BY NAME {select} WHERE {where}", params)
            rows = _counts(conn, scope, database)
            conn.execute("INSERT INTO meta.public_import VALUES (?, ?, ?, ?, ?, ?)",
                         [now, str(snapshot), state.published_at, state.digest, digest, json.dumps(rows)])
        present = {s for (s,) in conn.execute("SELECT DISTINCT series FROM stg.scb_observations").fetchall()}
        empty = [s for s in scope.scb_series if s not in present]
        return ImportResult(False, state.published_at, rows, empty)
    finally:
        conn.execute(f"DETACH {ALIAS}")


def _counts(conn: duckdb.DuckDBPyConnection, scope: Scope, database: str) -> dict[str, int]:
    return {table: one(conn, f"SELECT count(*) FROM {table}")[0] for table, _, _ in _tables(scope, database)}


def _require(conn: duckdb.DuckDBPyConnection, catalog: Catalog, scope: Scope, snapshot: Path) -> None:
    """Every KPI the catalog names must be in the public snapshot's KPI metadata (which the public
    fetch stores for every KPI it asked for): a KPI missing there was never fetched for this
    deployment, and its indicators would silently show no data."""
    known = {k for (k,) in conn.execute(f"SELECT kpi FROM {ALIAS}.raw.kolada_kpi").fetchall()}
    missing = [k for k in scope.kpis if k not in known]
    if missing:
        where = catalog.kolada_kpi_fields()
        named = "; ".join(f"{k} ({', '.join(where.get(k, [])[:2])})" for k in missing[:5])
        raise PublicImportError(
            f"{snapshot}: {len(missing)} KPI:er i kommunens katalog finns inte i den offentliga ögonblicksbilden: "
            f"{named}. Den offentliga platsen hämtar bara vad driftmiljöns kataloger innehöll när den körde: "
            "kör dess kolada_job och offentlig_job igen")
    groups = {g for (g,) in conn.execute(
        f"SELECT DISTINCT group_id FROM {ALIAS}.raw.kolada_municipality_group_members").fetchall()}
    for g in scope.groups:
        if g not in groups:
            raise PublicImportError(f"{snapshot}: jämförelsegruppen {g} (settings.yaml) finns inte i den offentliga "
                                    "ögonblicksbilden: kör den offentliga platsens kolada_job och offentlig_job igen")
