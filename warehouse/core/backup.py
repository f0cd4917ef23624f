"""Backups of the working warehouse and the files that belong to it, and their restore.

What a backup holds, in a folder of its own (`<stem>-<UTC time>/`):
- the warehouse file, copied byte for byte after a CHECKPOINT while this process holds it
  (DuckDB allows one writing process, so no run writes during the copy): every table, the
  report log (rep.report_log) and the vintages included;
- the response bodies beside it (warehouse/core/bodies.py), without fetches in progress;
- any other folders named by the caller (`indikator backup` adds AF's downloaded files and
  the inbox's archive of loaded SIE/HR files: the raw layer kept as files);
- `manifest.json`: what was copied, each file's sha256, the migrations applied and the row
  count of every table, so a restore can check the copy before it replaces anything.

Not in it: the published snapshot (rebuilt by the next publication from the warehouse) and
the catalog (configuration, kept in version control). docs/deployment.md has the routine.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from warehouse.core import bodies
from warehouse.core.db import check_name
from warehouse.core.hashing import sha256_of

MANIFEST = "manifest.json"
STAMP = "%Y%m%dT%H%M%SZ"  # a copy's time (UTC) in its folder name and manifest


class BackupError(RuntimeError):
    pass


def backup(conn: duckdb.DuckDBPyConnection, database: Path, target: Path,
           folders: dict[str, Path] | None = None, *, name: str | None = None) -> Path:
    """Copy the warehouse `database` (open read-write in `conn`) and its folders into a new
    folder under `target` named `<name>-<UTC time>` (`name` defaults to the file's stem; a
    deployment with several kommuner names each kommun's); return that folder. Nothing is
    written to the warehouse."""
    database = Path(database)
    stamp = datetime.now(timezone.utc).strftime(STAMP)
    dest = Path(target) / f"{name or database.stem}-{stamp}"
    part = dest.with_name(dest.name + ".part")  # renamed when complete: a half backup is never taken for one
    part.mkdir(parents=True)
    try:
        conn.execute("CHECKPOINT")  # the WAL into the file: the file alone is the whole state
        tables = _table_rows(conn)
        migrations = [v for (v,) in conn.execute("SELECT version FROM meta.schema_migrations ORDER BY 1").fetchall()]
        files = {database.name: _copy(database, part / database.name)}
        dirs = _dirs(database, folders)
        for name, folder in dirs.items():
            if not Path(folder).is_dir():
                continue
            for path in sorted(Path(folder).rglob("*")):
                rel = path.relative_to(folder)
                if path.is_file() and bodies.SPOOL not in rel.parts and not path.name.endswith(".part"):
                    files[f"{name}/{rel.as_posix()}"] = _copy(path, part / name / rel)
        manifest = {"database": database.name, "created_at": stamp, "migrations": migrations,
                    "kommun": _kommun(conn),
                    "tables": tables, "files": files, "folders": sorted(dirs)}
        (part / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
        os.replace(part, dest)
    except BaseException:
        shutil.rmtree(part, ignore_errors=True)
        raise
    return dest


def verify(source: Path) -> dict:
    """The backup's manifest after checking every file against it; BackupError names the first
    file that is missing or differs."""
    path = Path(source) / MANIFEST
    if not path.exists():
        raise BackupError(f"{source}: ingen {MANIFEST}; inte en säkerhetskopia (eller en avbruten)")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for rel, digest in manifest["files"].items():
        copy = Path(source) / rel
        if not copy.is_file():
            raise BackupError(f"{copy}: filen saknas i säkerhetskopian")
        if sha256_of(copy) != digest:
            raise BackupError(f"{copy}: innehållet skiljer sig från manifestet (skadad kopia)")
    return manifest


def _dirs(database: Path, folders: dict[str, Path] | None) -> dict[str, Path]:
    """The folders that belong to the warehouse file: its response bodies and `folders`."""
    body_folder = bodies.folder_for(database)
    return {body_folder.name: body_folder, **(folders or {})}


def _kommun(conn: duckdb.DuckDBPyConnection) -> str | None:
    """The kommun the warehouse follows (cfg.settings, written by the catalog step), if known."""
    rows = conn.execute("SELECT kommun FROM cfg.settings").fetchall()
    return rows[0][0] if rows else None


def restore(source: Path, database: Path, folders: dict[str, Path] | None = None, *,
            overwrite: bool = False, kommun: str | None = None) -> dict:
    """Put the backup in `source` back as the warehouse `database` and its folders; return the
    manifest. Checks every file first; an existing warehouse is replaced only with
    `overwrite` (it is moved aside to `<name>.fore-aterstallning` until the restore is done).
    `kommun`: the kommun this warehouse follows; a backup of another kommun's warehouse is
    refused (in a deployment with several kommuner it would put one kommun's internal figures
    in another's file)."""
    manifest = verify(source)
    if kommun and manifest.get("kommun") and manifest["kommun"] != kommun:
        raise BackupError(f"{source}: kopian är av kommun {manifest['kommun']}s lager, inte kommun {kommun}s; "
                          "återställ den i den kommunens lager")
    database = check_name(database)
    if database.exists() and not overwrite:
        raise BackupError(f"{database} finns redan; återställ med --skriv-over för att ersätta den")
    dirs = _dirs(database, folders)
    saved_name = bodies.folder_for(Path(source) / manifest["database"]).name
    moved: list[tuple[Path, Path]] = []
    try:
        for current in [database, Path(f"{database}.wal"), *dirs.values()]:
            if current.exists():
                aside = current.with_name(current.name + ".fore-aterstallning")
                if aside.exists():
                    _remove(aside)
                os.replace(current, aside)
                moved.append((current, aside))
        shutil.copy2(Path(source) / manifest["database"], database)
        for name in manifest["folders"]:
            target = dirs.get(name) if name != saved_name else bodies.folder_for(database)
            if target is not None and (Path(source) / name).is_dir():
                shutil.copytree(Path(source) / name, target)
        conn = duckdb.connect(str(database))
        try:
            if _table_rows(conn) != manifest["tables"]:
                raise BackupError(f"{database}: tabellerna efter återställningen stämmer inte med manifestet")
        finally:
            conn.close()
    except BaseException:
        for current, aside in reversed(moved):  # the state before the restore, as it was
            if current.exists():
                _remove(current)
            os.replace(aside, current)
        raise
    for _current, aside in moved:
        _remove(aside)
    return manifest


def _table_rows(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    tables = conn.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT temporary "
                          "AND database_name = current_database() ORDER BY 1, 2").fetchall()
    return {f"{s}.{t}": conn.execute(f'SELECT count(*) FROM "{s}"."{t}"').fetchone()[0] for s, t in tables}


def _copy(src: Path, dst: Path) -> str:
    """Copy, make the copy durable, and return the copy's sha256 (what was written, not read)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst)
    bodies.sync_file(dst)
    return sha256_of(dst)


def _remove(path: Path) -> None:
    shutil.rmtree(path) if path.is_dir() else path.unlink()
