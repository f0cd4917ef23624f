"""Publishing: the read-only snapshot controllers query, never the working database.

After a run whose checks pass, the working database's schema (tables, views, macros) and
its rows are copied into a new file beside the published one (`ATTACH`, `COPY FROM DATABASE
… (SCHEMA)`, one `INSERT … SELECT` per table, `DETACH`) and renamed over it with
`os.replace`, which is atomic on one file system: a reader sees the old snapshot or the new
one, never half of either, and a failed or killed publish leaves the old one untouched (the
next publication removes the killed one's temporary file). Readers open the snapshot
`read_only`, so they never block the pipeline's writes to the working file (reference/dagster.md
§7); the file itself is read-only on disk (0444) so a connection opened for writing fails, and a
stale WAL of the replaced file is removed.

What controllers need, not every byte: the raw response bodies (`payload` of
raw.kolada_responses and raw.scb_responses, about 108 MB of JSON in a national warehouse) stay
in the working file. Their rows are published without that column (URL, time, sha256 and id
remain, so every value still names the response it came from). Nothing published reads a
body: the views and macros work on the observations.

A publication with nothing new is not copied again: the snapshot records a fingerprint of
what it carries (every published table's rows, the views' and macros' SQL, the quality rules,
this module's format), and a publication whose fingerprint equals the published one's keeps
that file (`unchanged` in the result). A nightly run after a night with nothing new costs
the fingerprint (a hash over the rows inside DuckDB), not a copy.

Publishing validates first: every rule of warehouse/publishing/checks.py runs on the working
data (whole observations tables and the indicator tables, as SQL inside DuckDB), and any
failed rule refuses the publication. The gate sits here rather than only in Dagster's
blocking checks because those hold back later steps of the same run only: an analyst
materialising pub/snapshot alone, or an indicators_job after a kolada_job whose checks
failed, would otherwise publish the bad rows.

MALSTYRNING_PUBLISHED names the snapshot (default: `<working file>.publicerad.duckdb` beside it).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from warehouse.publishing import checks as quality
from warehouse.core.db import check_name, configure, database_path

PUBLISHED_ENV = "MALSTYRNING_PUBLISHED"
# The controllers' stable views (docs/warehouse.md, "For controllers"): counted in every publication.
CONTROLLER_VIEWS = ["ind.namnd_indikatorer", "ind.kf_due_list", "ind.indicator_status", "ind.manadsvarden",
                    "ind.kolada_kontroll", "rep.report_log"]


def published_path(path: str | os.PathLike | None = None) -> Path:
    if path or os.environ.get(PUBLISHED_ENV):
        return check_name(path or os.environ[PUBLISHED_ENV])
    return snapshot_path_for(database_path())


def snapshot_path_for(working: Path) -> Path:
    """Where the snapshot of the working file `working` is published by default: beside it."""
    return working.with_name(f"{working.stem}.publicerad{working.suffix}")


def is_snapshot(path: str | os.PathLike) -> bool:
    """Whether the DuckDB file at `path` is a published snapshot (it has meta.publication)."""
    if not Path(path).exists():
        return False
    with duckdb.connect(str(path), read_only=True) as conn:
        return bool(conn.execute("SELECT count(*) FROM information_schema.tables "
                                 "WHERE table_schema = 'meta' AND table_name = 'publication'").fetchall()[0][0])


class PublishRefused(Exception):
    """Some quality rule failed: nothing was published, the last snapshot stands."""


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def refuse_unless_valid(conn: duckdb.DuckDBPyConnection, changed: list[str] | None = None,
                        mark: "Fingerprint | None" = None) -> int:
    """Run the publication suites; raise PublishRefused naming each failed rule and a sample
    of its rows. Returns the number of rules that passed. With `changed` (tables changed since
    the last publication), an observations table's suite runs only when it or the KPI titles
    its share rule reads (raw.kolada_kpi) changed; the indicator suite runs unless it passed on
    this very data (`mark`, meta.rules_passed: the indicators_job's asset check just ran it)."""
    suites = quality.publication_suites()
    if changed is not None:
        suites = [s for s in suites if s.name not in quality.OBSERVATION_TABLES
                  or s.name in changed or "raw.kolada_kpi" in changed]
    if mark is not None:
        done = _passed_before(conn, mark)
        suites = [s for s in suites if s.name not in done]
    failed, passed = [], 0
    for suite in suites:
        for o in quality.validate(conn, suite, sample_rows=3):
            if o.success:
                passed += 1
                continue
            rows = "; ".join(", ".join(f"{k} {v}" for k, v in r.items()) for r in o.sample.to_dict("records"))
            count = f"{o.unexpected} rader" if o.unexpected else "tabellen"
            failed.append(f"{suite.name} gx_{o.rule.name} ({o.rule.description}): {count}"
                          + (f", t.ex. {rows}" if rows else ""))
    if failed:
        raise PublishRefused(f"Publiceringen stoppades, {len(failed)} kontroll(er) fallerade; förra "
                             "ögonblicksbilden ligger kvar:\n- " + "\n- ".join(failed))
    return passed


# Columns the snapshot leaves out: raw response bodies (see the module's docstring).
BODY_COLUMNS = {("raw", "kolada_responses"): "payload", ("raw", "scb_responses"): "payload"}
# Bumped when what a publication writes changes, so the next run republishes.
FORMAT = "3"


# Bookkeeping of the working file that is neither hashed nor published (its schema is copied).
UNPUBLISHED = {("meta", "rules_passed")}


def _tables(conn: duckdb.DuckDBPyConnection, database: str) -> list[tuple[str, str]]:
    return [t for t in conn.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? "
                                    "AND NOT temporary ORDER BY schema_name, table_name", [database]).fetchall()
            if t not in UNPUBLISHED]


def record_passed(conn: duckdb.DuckDBPyConnection, suite: str, mark: "Fingerprint") -> None:
    """Remember that the whole-table `suite` passed on the data of fingerprint `mark` (the
    indicator rules' asset check does, so the gate of the same run need not repeat them)."""
    conn.execute("DELETE FROM meta.rules_passed WHERE suite = ?", [suite])
    conn.execute("INSERT INTO meta.rules_passed VALUES (?, ?, now())", [mark.digest(), suite])


def _passed_before(conn: duckdb.DuckDBPyConnection, mark: "Fingerprint") -> set[str]:
    return {s for (s,) in conn.execute("SELECT suite FROM meta.rules_passed WHERE fingerprint = ?",
                                       [mark.digest()]).fetchall()}


def _published_select(schema: str, table: str, database: str | None = None) -> str:
    body = BODY_COLUMNS.get((schema, table))
    name = ".".join(_identifier(p) for p in ((database,) if database else ()) + (schema, table))
    return f"SELECT * {f'EXCLUDE ({_identifier(body)})' if body else ''} FROM {name}"


@dataclass(frozen=True)
class Fingerprint:
    """What a publication of a database would carry, hashed: `structure` (every table's
    columns, the views' and macros' SQL, the quality rules, FORMAT) and per table its published
    rows (count and an order-free sum of row hashes). Equal fingerprints publish equal snapshots."""

    structure: str
    tables: dict = field(default_factory=dict)  # "schema.table" -> "rows:hash sum"

    def digest(self) -> str:
        return hashlib.sha256((self.structure + json.dumps(self.tables, sort_keys=True)).encode()).hexdigest()

    def rows(self, names) -> int:
        return sum(int(self.tables[n].split(":", 1)[0]) for n in names if n in self.tables)


def fingerprint(conn: duckdb.DuckDBPyConnection) -> Fingerprint:
    """The Fingerprint of `conn`'s database: one aggregate per table inside DuckDB (0.06 s for a
    national warehouse of 800,000 observations), never the bodies left out of the snapshot."""
    database = conn.execute("SELECT current_database()").fetchone()[0]
    h = hashlib.sha256(f"{FORMAT}|{STORAGE_VERSION}".encode())
    tables = {}
    for schema, table in _tables(conn, database):
        n, total = conn.execute(f"SELECT count(*), sum(hash(t)::HUGEINT) FROM ({_published_select(schema, table)}) AS t"
                                ).fetchall()[0]
        tables[f"{schema}.{table}"] = f"{n}:{total}"
    for row in conn.execute("SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns() "
                            "WHERE database_name = ? AND NOT internal ORDER BY schema_name, table_name, column_index",
                            [database]).fetchall():
        h.update(repr(row).encode())
    for (sql,) in conn.execute("SELECT sql FROM duckdb_views() WHERE database_name = ? AND NOT internal "
                               "ORDER BY schema_name, view_name", [database]).fetchall():
        h.update(sql.encode())
    for row in conn.execute("SELECT schema_name, function_name, parameters::VARCHAR, macro_definition "
                            "FROM duckdb_functions() WHERE database_name = ? AND NOT internal "
                            "AND function_type IN ('macro', 'table_macro') ORDER BY ALL", [database]).fetchall():
        h.update(repr(row).encode())
    for suite in quality.publication_suites():
        h.update(repr(suite).encode())
    return Fingerprint(h.hexdigest(), tables)


@dataclass(frozen=True)
class Published:
    """What the snapshot on disk says about itself (meta.publication)."""

    fingerprint: Fingerprint
    digest: str
    published_at: datetime
    view_rows: dict
    tables: int


def published_state(target: Path) -> Published | None:
    """The snapshot's own record (None: no snapshot, or one of a version without fingerprints)."""
    if not target.exists():
        return None
    try:
        with duckdb.connect(str(target), read_only=True) as c:
            rows = c.execute("SELECT fingerprint, structure, table_rows, published_at, view_rows, tables "
                             "FROM meta.publication").fetchall()
    except duckdb.Error:
        return None  # published before fingerprints: publish anew
    if len(rows) != 1 or rows[0][1] is None:
        return None
    digest, structure, table_rows, published_at, view_rows, tables = rows[0]
    return Published(Fingerprint(structure, json.loads(table_rows)), digest, published_at, json.loads(view_rows), tables)


def _untouched(target: Path) -> bool:
    """Nobody can have written the snapshot since it was published: still read-only on disk and
    no WAL beside it (a writer must chmod it first; root excepted, see docs/warehouse.md)."""
    return os.stat(target).st_mode & 0o222 == 0 and not Path(f"{target}.wal").exists()


# An update in place rewrites the changed tables of a copy of the last snapshot; past this share
# of all published rows a fresh copy costs about the same and leaves no freed blocks behind.
INCREMENTAL_SHARE = 0.25


def publish(conn: duckdb.DuckDBPyConnection, target: Path, *, published_at: datetime, run_id: str | None = None) -> dict:
    """Validate, then publish the database behind `conn` to `target` atomically; return what was
    published. Raises PublishRefused, leaving `target` untouched, when a rule fails.

    What is written follows what changed since the snapshot on disk (its Fingerprint):
    nothing (result `mode` "oförändrad": the file stays), the changed tables in a copy of it
    ("ändrade tabeller"), or everything ("hel kopia": no usable snapshot, another structure,
    or most rows changed). The gate validates the observations tables that changed and the
    indicator tables; an unchanged table passed the same rules when the snapshot was published."""
    mark = fingerprint(conn)
    old = published_state(target)
    usable = old is not None and _untouched(target)
    if usable and old.digest == mark.digest():
        return {"path": str(target), "tables": old.tables, "bytes": target.stat().st_size, "views": old.view_rows,
                "rules_passed": None, "unchanged": True, "mode": "oförändrad", "changed_tables": [],
                "published_at": old.published_at}
    changed = sorted(t for t in mark.tables if not usable or old.fingerprint.tables.get(t) != mark.tables[t])
    # Only the same rules (same structure) vouch for the tables that did not change.
    same_rules = usable and old.fingerprint.structure == mark.structure
    rules_passed = refuse_unless_valid(conn, changed if same_rules else None, mark)
    incremental = (same_rules
                   and set(old.fingerprint.tables) == set(mark.tables)
                   and mark.rows(changed) <= INCREMENTAL_SHARE * max(1, mark.rows(mark.tables)))
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(target)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    for leftover in (tmp, Path(f"{tmp}.wal")):
        leftover.unlink(missing_ok=True)
    source = conn.execute("SELECT current_database()").fetchone()[0]
    if incremental:
        shutil.copyfile(target, tmp)
        os.chmod(tmp, 0o644)
        conn.execute(f"ATTACH {_quote(tmp)} AS publish_snapshot")
    else:
        conn.execute(f"ATTACH {_quote(tmp)} AS publish_snapshot (STORAGE_VERSION '{STORAGE_VERSION}')")
    try:
        if incremental:
            for name in changed:
                schema, table = name.split(".", 1)
                snap = f"publish_snapshot.{_identifier(schema)}.{_identifier(table)}"
                conn.execute(f"DELETE FROM {snap}")
                conn.execute(f"INSERT INTO {snap} {_published_select(schema, table, source)}")
        else:
            _copy_all(conn, source)
        tables = conn.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'publish_snapshot' "
                              "AND NOT (schema_name = 'meta' AND table_name = 'publication')").fetchone()[0] + 1
        views = _view_rows(conn)
        conn.execute("CREATE SCHEMA IF NOT EXISTS publish_snapshot.meta")
        conn.execute("CREATE OR REPLACE TABLE publish_snapshot.meta.publication (published_at TIMESTAMPTZ, "
                     "run_id VARCHAR, source_file VARCHAR, fingerprint VARCHAR, view_rows JSON, tables INTEGER, "
                     "structure VARCHAR, table_rows JSON, mode VARCHAR)")
        mode = "ändrade tabeller" if incremental else "hel kopia"
        conn.execute("INSERT INTO publish_snapshot.meta.publication VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     [published_at, run_id, str(database_path()), mark.digest(), json.dumps(views), tables,
                      mark.structure, json.dumps(mark.tables), mode])
    except Exception:
        conn.execute("DETACH publish_snapshot")
        tmp.unlink(missing_ok=True)
        raise
    conn.execute("DETACH publish_snapshot")
    # Read-only on disk, not only by convention: a controller's connection opened without
    # read_only fails instead of changing published figures (the owner root excepted).
    os.chmod(tmp, READ_ONLY)
    # A WAL beside the old snapshot (a writer killed while it held it) belongs to that file;
    # left there, DuckDB would replay it into the new one and every reader would fail with
    # "WAL does not match database file". Removed first: a reader in between sees the old
    # snapshot as published.
    Path(f"{target}.wal").unlink(missing_ok=True)
    os.replace(tmp, target)
    return {"path": str(target), "tables": tables, "bytes": target.stat().st_size, "views": views,
            "rules_passed": rules_passed, "unchanged": False, "mode": mode,
            "changed_tables": changed if incremental else [], "published_at": published_at}


def _view_rows(conn: duckdb.DuckDBPyConnection) -> dict:
    """Each controller view read in the new snapshot (so a view that does not work there fails
    the publication), with its rows; ind.namnd_indikatorer only bound, not counted: counting it
    ranks every kommun for its peer columns (0.3 s in national mode)."""
    rows = {}
    for v in CONTROLLER_VIEWS:
        if v == "ind.namnd_indikatorer":
            conn.execute(f"SELECT * FROM publish_snapshot.{v} LIMIT 0").fetchall()
            continue
        rows[v] = conn.execute(f"SELECT count(*) FROM publish_snapshot.{v}").fetchone()[0]
    return rows


def _copy_all(conn: duckdb.DuckDBPyConnection, source: str) -> None:
    """Every table, view and macro of `source` into the attached publish_snapshot."""
    conn.execute(f"COPY FROM DATABASE {_identifier(source)} TO publish_snapshot (SCHEMA)")
    for schema, table in _tables(conn, source):
        name = f"publish_snapshot.{_identifier(schema)}.{_identifier(table)}"
        if BODY_COLUMNS.get((schema, table)):
            # The table keeps its shape but for the body: ids, URLs, times and hashes remain.
            conn.execute(f"DROP TABLE {name}")
            conn.execute(f"CREATE TABLE {name} AS {_published_select(schema, table, source)}")
        else:
            conn.execute(f"INSERT INTO {name} {_published_select(schema, table, source)}")


READ_ONLY = 0o444
# The snapshot is written in DuckDB 1.5's storage format: the DuckDB CLI controllers install from
# the package index (duckdb-cli 1.5.6) reads versions up to 1.5 only ("version number 69 …"), and
# every table, view and macro of the warehouse reads back with it (tests/test_publish_cli.py).
STORAGE_VERSION = "v1.5.0"


def _remove_leftovers(target: Path) -> None:
    """The temporary files (and their WALs) of publications that were killed: named
    `.<snapshot>.<pid>.tmp`; those of a process still running are another publication's."""
    for path in target.parent.glob(f".{target.name}.*.tmp*"):
        pid = path.name[len(target.name) + 2:].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    except OverflowError:
        return False
    return True


def connect_published(path: str | os.PathLike | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published snapshot (what controllers use)."""
    target = published_path(path)
    if not target.exists():
        raise FileNotFoundError(f"Ingen publicerad ögonblicksbild finns ({target}); kör indicators_job "
                                "(make demo) så publiceras den när kontrollerna är gröna")
    conn = duckdb.connect(str(target), read_only=True)
    configure(conn)
    return conn
