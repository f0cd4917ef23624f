"""Response bodies as files beside the warehouse, named by their content.

A national Kolada backfill brings 108 MB of JSON. Stored in raw.kolada_responses.payload, every
byte went through DuckDB's write-ahead log at the COMMIT and again into the file at the
checkpoint: about 1 s of a 4 s landing (docs/benchmarks.md). The page files the fetch wrote
anyway are instead moved (renamed, on the same file system) into a folder beside the
warehouse, and the row keeps the file's name in `body_file`:

    data/warehouse.duckdb
    data/warehouse.bodies/kolada/3f/3fa9…e1.json      (the body's sha256, as received)

The folder belongs to the warehouse: copy, back up and restore the two together. A file is
never changed or deleted once a row names it; one body fetched from two URLs is one file.
Small bodies (KPI metadata, groups, SCB's answers) stay in `payload`; a warehouse in memory
(no file to sit beside) keeps every body there. `read_body` reads either.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import duckdb

from warehouse.core.db import one

SUFFIX = ".bodies"
SPOOL = ".spool"  # fetches in progress: on the same file system, so placing a body is a rename


def folder_for(database: str | os.PathLike) -> Path:
    """The bodies folder of the warehouse file `database`."""
    path = Path(database)
    return path.parent / f"{path.stem}{SUFFIX}"


def folder(conn: duckdb.DuckDBPyConnection) -> Path | None:
    """The bodies folder of the warehouse `conn` is open on, or None for one in memory."""
    row = one(conn, "SELECT path FROM duckdb_databases() WHERE database_name = current_database()")
    return folder_for(row[0]) if row and row[0] else None


STALE_SPOOL_SECONDS = 24 * 3600


def spool_folder(database: str | os.PathLike) -> Path | None:
    """Where a fetch for the warehouse `database` spools its pages (created if missing);
    None (the system's temporary folder) for a warehouse in memory.

    A fetch removes its spool when it ends; a process killed mid-fetch leaves one behind
    (up to 100 MB). Spools untouched for a day are removed here: no fetch runs that long
    (a national backfill takes minutes), and one running now is never that old."""
    if str(database) in ("", ":memory:") or str(database).startswith(":memory:"):
        return None
    path = folder_for(database) / SPOOL
    path.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in path.iterdir():
        try:
            if now - old.stat().st_mtime > STALE_SPOOL_SECONDS:
                shutil.rmtree(old, ignore_errors=True)
        except FileNotFoundError:
            pass
    return path


def name(source: str, sha256: str) -> str:
    """A body's file name inside the folder (two hex digits of fan-out)."""
    return f"{source}/{sha256[:2]}/{sha256}.json"


def place(root: Path, source: str, sha256: str, page_file: str | os.PathLike) -> tuple[str, Path | None]:
    """Move `page_file` to its place under `root`; return (its name, the path if this call
    created it). A body already there is kept as it is (the same content by its name)."""
    rel = name(source, sha256)
    target = root / rel
    if target.exists():
        return rel, None
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(page_file, target)
    except OSError:  # another file system (a spool elsewhere): copy, and make the copy durable
        tmp = target.with_suffix(".part")
        shutil.copyfile(page_file, tmp)
        sync_file(tmp)
        os.replace(tmp, target)
    return rel, target


def sync_file(path: str | os.PathLike) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_folders(paths) -> None:
    """fsync the folders that received new names, so the renames outlive a crash before the
    COMMIT that refers to them."""
    for path in sorted({Path(p) for p in paths}):
        sync_file(path)


def read_body(conn: duckdb.DuckDBPyConnection, table: str, response_id: int) -> bytes:
    """The body of one stored response, as received: from `payload` or from its file."""
    row = one(conn, f"SELECT payload, body_file FROM {table} WHERE response_id = ?", [response_id])
    if row is None:
        raise KeyError(f"{table}: inget svar med response_id {response_id}")
    payload, body_file = row
    if body_file is None:
        return str(payload).encode("utf-8")
    root = folder(conn)
    if root is None:
        raise FileNotFoundError(f"{table} {response_id}: {body_file} ligger bredvid en lagerfil, men lagret är i minnet")
    return (root / body_file).read_bytes()
