"""Connections, schema migrations and the SQL files of the warehouse.

Migrations are the numbered files in `schema/` (`001_init.sql`, …), applied in order, each in
its own transaction, and recorded in `meta.schema_migrations`; a file that was applied is
never edited, a change is a new file. Views and macros live in `.sql` files beside the code
that owns them (VIEW_FILES, in dependency order) and are (re)created by `ensure_views`, since
they hold no data, whenever their SQL differs from what the file holds.
"""

from __future__ import annotations

import hashlib
import os
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from sources import clock

SCHEMA_DIR = Path(__file__).parent / "schema"
MEMORY_ENV = "MALSTYRNING_DUCKDB_MINNE"
DEFAULT_MEMORY = "512MB"
DUCKDB_ENV = "MALSTYRNING_DUCKDB"
DEFAULT_DB = "data/malstyrning.duckdb"


# The warehouse's schemas (core/schema/*.sql). DuckDB names a file's catalog after its stem, so a
# file called like one of them (ind.duckdb) makes every `ind.x` ambiguous and no view resolves
# ("Ambiguous reference to catalog or schema"); such a name is refused before anything opens.
SCHEMAS = ("raw", "stg", "cfg", "ind", "rep", "meta", "rapport")


def check_name(path: str | os.PathLike) -> Path:
    """`path`, or ValueError naming it when its file name would shadow one of SCHEMAS."""
    path = Path(path)
    if path.stem.lower() in SCHEMAS:
        raise ValueError(f"{path}: en databasfil får inte heta som ett av lagrets scheman "
                         f"({', '.join(SCHEMAS)}); DuckDB skulle inte kunna skilja filen från schemat. "
                         "Döp om filen, t.ex. till malstyrning.duckdb")
    return path


def database_path(path: str | os.PathLike | None = None) -> Path:
    return Path(path or os.environ.get(DUCKDB_ENV) or DEFAULT_DB)


def connect(path: str | os.PathLike | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    db = check_name(database_path(path))
    if read_only and not db.exists():
        raise FileNotFoundError(f"Databasen {db} finns inte; kör pipelinen först (make demo)")
    db.parent.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect(str(db), read_only=read_only)
    configure(conn)
    return conn


def configure(conn: duckdb.DuckDBPyConnection) -> None:
    """Stockholm time, and no progress bar: DuckDB draws one on stdout for queries over 2 s,
    which would clutter run logs and the output of scripts that read ours."""
    conn.execute("SET TimeZone = 'Europe/Stockholm'")
    # DuckDB's buffer pool may otherwise take 80 % of the machine's RAM; beyond this limit it
    # spills to disk. 512 MB keeps a national Kolada backfill under 1 GiB in all
    # (docs/benchmarks.md); MALSTYRNING_DUCKDB_MINNE (e.g. 2GB) raises it.
    memory = os.environ.get(MEMORY_ENV) or DEFAULT_MEMORY
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", memory):
        raise ValueError(f"{MEMORY_ENV}={memory!r}: ange en storlek som 512MB eller 2GB")
    conn.execute(f"SET memory_limit = '{memory}'")
    conn.execute("SET enable_progress_bar = false")


def one(conn: duckdb.DuckDBPyConnection, sql: str, params=None):
    """The first row of a query, or None, with the result read to the end.

    DuckDB 2 streams results: after `fetchone()` the result stays open and the connection
    refuses `register()` and similar calls until it is finished, so never leave one open.
    """
    rows = conn.execute(sql, params).fetchall() if params is not None else conn.execute(sql).fetchall()
    return rows[0] if rows else None


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """BEGIN, then COMMIT when the block ends, or ROLLBACK and re-raise on an error."""
    conn.execute("BEGIN")
    try:
        yield
    except BaseException:
        # The block's own error is the one to report; a ROLLBACK that fails too (the
        # connection already invalidated) must not replace it.
        try:
            conn.execute("ROLLBACK")
        except duckdb.Error:
            pass
        raise
    conn.execute("COMMIT")


def migrate(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply pending migrations; return the names applied."""
    conn.execute("CREATE SCHEMA IF NOT EXISTS meta")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS meta.schema_migrations "
        "(version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    done = {v for (v,) in conn.execute("SELECT version FROM meta.schema_migrations").fetchall()}
    applied = []
    for path in sorted(SCHEMA_DIR.glob("[0-9][0-9][0-9]_*.sql")):
        version = int(path.name[:3])
        if version in done:
            continue
        conn.execute("BEGIN")
        try:
            conn.execute(path.read_text(encoding="utf-8"))
            conn.execute(
                "INSERT INTO meta.schema_migrations VALUES (?, ?, now())", [version, path.name]
            )
            conn.execute("COMMIT")
        except Exception as exc:
            conn.execute("ROLLBACK")
            raise RuntimeError(f"Migreringen {path.name} misslyckades: {exc}") from exc
        applied.append(path.name)
    return applied


def define_today(conn: duckdb.DuckDBPyConnection) -> None:
    """`ind.today()`, the warehouse's day for views that have no as-of parameter (the due
    list): the fixed clock's day when MALSTYRNING_NOW is set (tests, reproducible demos; its
    snapshot keeps that day), else Stockholm's day at query time. Redefined with every
    connection of the pipeline, so it follows the clock of the run that wrote last."""
    conn.execute("CREATE SCHEMA IF NOT EXISTS ind")
    conn.execute(f"CREATE OR REPLACE MACRO ind.today() AS {_today_expr()}")


def _today_expr() -> str:
    if os.environ.get(clock.NOW_ENV):
        return f"DATE '{clock.today().isoformat()}'"
    return "CAST(timezone('Europe/Stockholm', now()) AS DATE)"


WAREHOUSE_DIR = Path(__file__).parent.parent
# Views and macros, each file beside the package that owns its rule, in the order they build
# on each other (status reads observations; the due rule reads status; governance reads all).
VIEW_FILES = ("core/observations.sql", "af/af.sql", "indicators/status.sql", "meetings/due.sql",
              "meetings/uppdrag.sql",
              "indicators/peers.sql", "indicators/governance.sql", "goals/goals.sql", "goals/judgement.sql",
              "presentation/views.sql")


def ensure_views(conn: duckdb.DuckDBPyConnection, force: bool = False) -> bool:
    """(Re)create every view and macro of the warehouse unless the file already holds these
    exact definitions; return whether they were created.

    Creating them all took about 0.2 s, and every step of every run opens the warehouse: seven
    connections of the indicators_job spent 1.4 s on it (docs/benchmarks.md). The SQL of all
    VIEW_FILES and ind.today()'s definition are hashed and the hash kept in meta.view_definitions
    (migration 018);
    an equal hash means nothing to do. `force` recreates them anyway (after a migration, which
    may have rebuilt a table a view reads)."""
    text = [(WAREHOUSE_DIR / name).read_text(encoding="utf-8") for name in VIEW_FILES]
    digest = hashlib.sha256("\x00".join([_today_expr(), *text]).encode()).hexdigest()
    # The count of views too: one dropped by hand is created again.
    if not force and one(conn, "SELECT count(*) FROM meta.view_definitions WHERE sha256 = ? AND views = ?",
                         [digest, _objects(conn)])[0]:
        return False
    with transaction(conn):
        define_today(conn)
        for sql in text:
            conn.execute(sql)
        conn.execute("DELETE FROM meta.view_definitions")
        conn.execute("INSERT INTO meta.view_definitions VALUES (?, ?, now())", [digest, _objects(conn)])
    return True


def _objects(conn: duckdb.DuckDBPyConnection) -> int:
    # Views only: listing the macros means listing every built-in function too (25 ms a call).
    return one(conn, "SELECT count(*) FROM duckdb_views() WHERE NOT internal AND NOT temporary "
                     "AND database_name = current_database()")[0]
