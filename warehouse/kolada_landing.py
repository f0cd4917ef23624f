"""Landing a Kolada fetch: pages spooled to disk as they arrive, then stored in one short
transaction.

A national backfill is about 260 pages and 100 MB of JSON. Holding them in memory until
the end would cost several hundred MB, and writing each page straight into the warehouse
would hold the DuckDB file (one writing process at a time, readers in other processes
locked out) for the whole download. So each page goes into a temporary DuckDB file (the
spool: the body as received plus its decoded rows) and is dropped from memory; when every
page has arrived, `land` copies the spool into raw.kolada_responses, raw.kolada_values and
raw.kolada_fetches in one transaction. A fetch that fails half-way lands nothing.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Iterable, Sequence

import duckdb
import pandas as pd

from sources.http import Page
from sources.kolada import COLUMNS
from warehouse.db import one


class Spool:
    """A fetch's pages on disk (a temporary DuckDB file), one page in memory at a time."""

    def __init__(self, directory: str | Path | None = None):
        self.dir = Path(tempfile.mkdtemp(prefix="kolada_spool_", dir=directory))
        self.path = self.dir / "spool.duckdb"
        self.conn: duckdb.DuckDBPyConnection | None = duckdb.connect(str(self.path))
        self.conn.execute(
            "CREATE TABLE pages (seq INTEGER, url VARCHAR, fetched_at TIMESTAMPTZ, status_code INTEGER, "
            "sha256 VARCHAR, payload VARCHAR, items INTEGER)")
        self.conn.execute(
            "CREATE TABLE vals (seq INTEGER, kpi VARCHAR, municipality VARCHAR, period INTEGER, gender VARCHAR, "
            "value DOUBLE, status VARCHAR, isdeleted BOOLEAN)")
        self.pages = self.rows = 0
        self.first_url: str | None = None

    def add(self, page: Page) -> None:
        """Store one data page (its payload is sources.kolada.DataRows)."""
        rows = page.payload
        seq = self.pages
        self.conn.execute("INSERT INTO pages VALUES (?, ?, ?, ?, ?, ?, ?)",
                          [seq, page.url, page.fetched_at, page.status_code, page.sha256,
                           page.body.decode("utf-8"), rows.items])
        if len(rows):
            frame = pd.DataFrame(rows.columns, columns=list(COLUMNS))
            frame.insert(0, "seq", seq)
            self.conn.append("vals", frame.astype({"value": "float64", "period": "int32"}))
        self.first_url = self.first_url or page.url
        self.pages += 1
        self.rows += len(rows)

    def query(self, sql: str, params=None) -> list[tuple]:
        return self.conn.execute(sql, params).fetchall()

    def finish(self) -> None:
        """Close the writer so the warehouse can attach the file."""
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def close(self) -> None:
        self.finish()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "Spool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def land(
    conn: duckdb.DuckDBPyConnection,
    spool: Spool,
    *,
    partition_keys: Sequence[str],
    kpis: Iterable[str],
    municipalities: Iterable[str],
    run_id: str | None = None,
) -> tuple[list[str], list[int]]:
    """Store a complete fetch atomically; return (one fetch_id per partition, response ids).

    Each partition (a year) gets its own raw.kolada_fetches row saying that the fetch covered
    that year completely; a multi-year fetch's rows point at the same responses. A body
    already stored for the same URL is not stored again (its rows neither).
    """
    if spool.pages == 0:
        raise ValueError("Kolada: hämtningen har inga sidor att landa")
    spool.finish()
    conn.execute(f"ATTACH '{spool.path}' AS kolada_spool (READ_ONLY)")
    conn.execute("BEGIN")
    try:
        # Bodies already stored for the same URL keep their id (and their rows).
        conn.execute(
            """CREATE OR REPLACE TEMP TABLE spool_known AS
               SELECT p.seq FROM kolada_spool.pages p
               JOIN raw.kolada_responses r ON r.url = p.url AND r.sha256 = p.sha256""")
        conn.execute(
            """INSERT INTO raw.kolada_responses (url, fetched_at, status_code, sha256, payload)
               SELECT url, fetched_at, status_code, sha256, payload FROM kolada_spool.pages
               WHERE seq NOT IN (SELECT seq FROM spool_known) ORDER BY seq""")
        conn.execute(
            """CREATE OR REPLACE TEMP TABLE spool_ids AS
               SELECT p.seq, r.response_id FROM kolada_spool.pages p
               JOIN raw.kolada_responses r ON r.url = p.url AND r.sha256 = p.sha256""")
        conn.execute(
            """INSERT INTO raw.kolada_values
               SELECT i.response_id, v.kpi, v.municipality, v.period, v.gender, v.value, v.status, v.isdeleted
               FROM kolada_spool.vals v JOIN spool_ids i USING (seq)
               WHERE v.seq NOT IN (SELECT seq FROM spool_known)""")
        ids = [r for (r,) in conn.execute("SELECT response_id FROM spool_ids ORDER BY seq").fetchall()]
        fetched_at = one(conn, "SELECT max(fetched_at) FROM kolada_spool.pages")[0]
        fetch_ids = []
        for key in partition_keys:
            fetch_id = str(uuid.uuid4())
            conn.execute("INSERT INTO raw.kolada_fetches VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         [fetch_id, key, fetched_at, sorted(set(kpis)), sorted(set(municipalities)),
                          [int(key)], ids, run_id])
            fetch_ids.append(fetch_id)
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
    finally:
        conn.execute("DROP TABLE IF EXISTS spool_ids")
        conn.execute("DROP TABLE IF EXISTS spool_known")
        conn.execute("DETACH kolada_spool")
    return fetch_ids, ids


def spool_pages(pages: Iterable[Page], directory: str | Path | None = None) -> Spool:
    """A spool holding `pages` (tests and small fetches)."""
    spool = Spool(directory)
    try:
        for page in pages:
            spool.add(page)
    except Exception:
        spool.close()
        raise
    return spool


def fetch(client, spool: Spool, kpis, municipalities, years, *, log=None, every: int = 25) -> None:
    """Every data page of kpis × municipalities × years into `spool`, one page at a time,
    with a progress line every `every` pages (a national backfill takes minutes live)."""
    started = time.monotonic()
    for page in client.data_pages(kpis, municipalities, years):
        spool.add(page)
        if log and spool.pages % every == 0:
            log(f"Kolada: {spool.pages} sidor, {spool.rows} värden ({time.monotonic() - started:.0f} s)")
    if log:
        log(f"Kolada: klart, {spool.pages} sida(or), {spool.rows} värden ({time.monotonic() - started:.1f} s)")
