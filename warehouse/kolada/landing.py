"""Landing a Kolada fetch: pages spooled to disk as they arrive, then stored in one short
transaction.

A national backfill is about 165 pages and 100 MB of JSON. Holding them in memory until
the end would cost several hundred MB, and writing each page straight into the warehouse
would hold the DuckDB file (one writing process at a time, readers in other processes
locked out) for the whole download. So each page goes into a temporary DuckDB file (the
spool: the body as received plus its decoded rows) and is dropped from memory; when every
page has arrived, `land` copies the spool into raw.kolada_responses, raw.kolada_values and
raw.kolada_fetches in one transaction. A fetch that fails half-way lands nothing.
"""

from __future__ import annotations

import queue
import shutil
import tempfile
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import duckdb
import numpy as np
import pandas as pd

from sources.http import Page
from sources.kolada import COLUMNS, decode_data_page
from warehouse.core.db import one, transaction


class Spool:
    """A fetch's pages on disk, a bounded batch of rows in memory at a time.

    Each body is written to a file as received; the decoded rows are buffered and appended
    to a temporary DuckDB file in batches of FLUSH_ROWS (one insert per page cost about 3 s
    more when a national backfill was 263 pages, docs/benchmarks.md).
    """

    FLUSH_ROWS = 100_000

    def __init__(self, directory: str | Path | None = None):
        self.dir = Path(tempfile.mkdtemp(prefix="kolada_spool_", dir=directory))
        (self.dir / "pages").mkdir()
        self.path = self.dir / "spool.duckdb"
        self.conn: duckdb.DuckDBPyConnection | None = None
        try:
            # The spool is written and read once: a small buffer pool is enough (it spills).
            # One thread: its inserts read Python strings, and more scanning threads only
            # wait for the GIL in turn.
            self.conn = duckdb.connect(str(self.path), config={"memory_limit": "128MB", "threads": 1})
            self.conn.execute(
                "CREATE TABLE vals (seq INTEGER, kpi VARCHAR, municipality VARCHAR, period INTEGER, gender VARCHAR, "
                "value DOUBLE, status VARCHAR, isdeleted BOOLEAN)")
        except Exception:
            self.close()  # the temporary folder goes too
            raise
        self.meta: list[tuple] = []
        self.buffer: dict[str, list] = {c: [] for c in ("seq", *COLUMNS)}
        self.pages = self.rows = 0
        self._pages_written = -1  # len(meta) when the pages table was last written

    def add(self, page: Page) -> None:
        """Store one data page (its payload is sources.kolada.DataRows)."""
        rows, seq = page.payload, self.pages
        body = self.dir / "pages" / f"{seq:05d}.json"
        body.write_bytes(page.body)
        self.meta.append((seq, page.url, page.fetched_at, page.status_code, page.sha256, rows.items, str(body)))
        self.buffer["seq"].extend([seq] * len(rows))
        for c in COLUMNS:
            self.buffer[c].extend(rows.columns[c])
        self.pages += 1
        self.rows += len(rows)
        if len(self.buffer["seq"]) >= self.FLUSH_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self.buffer["seq"]:
            return
        # Columns as numpy arrays: a DataFrame built from the lists (and then cast) cost twice
        # as much as the insert itself. None becomes NaN in the float array and DuckDB reads a
        # pandas NaN as NULL; JSON has no NaN, so no real value is lost that way.
        b = self.buffer
        frame = pd.DataFrame({
            "seq": np.array(b["seq"], dtype=np.int32),
            **{c: np.array(b[c], dtype=object) for c in ("kpi", "municipality")},
            "period": np.array(b["period"], dtype=np.int32),
            "gender": np.array(b["gender"], dtype=object),
            "value": np.array(b["value"], dtype=np.float64),
            "status": np.array(b["status"], dtype=object),
            "isdeleted": np.array(b["isdeleted"], dtype=bool),
        }, copy=False)
        self.conn.register("spool_batch", frame)
        self.conn.execute("INSERT INTO vals SELECT * FROM spool_batch")
        self.conn.unregister("spool_batch")
        for values in self.buffer.values():
            values.clear()

    def query(self, sql: str, params=None) -> list[tuple]:
        """A query on the spooled rows (table `vals`) and pages (table `pages`)."""
        self._write_pages()
        return self.conn.execute(sql, params).fetchall()

    def frame(self, sql: str) -> pd.DataFrame:
        self._write_pages()
        return self.conn.execute(sql).df()

    def _write_pages(self) -> None:
        self._flush()
        if self._pages_written == len(self.meta):
            return
        self._pages_written = len(self.meta)
        pages = pd.DataFrame(self.meta, columns=["seq", "url", "fetched_at", "status_code", "sha256", "items", "path"])
        self.conn.register("pages_frame", pages)
        self.conn.execute("CREATE OR REPLACE TABLE pages AS SELECT * FROM pages_frame")
        self.conn.unregister("pages_frame")

    def finish(self) -> None:
        """Write what is buffered and close the writer so the warehouse can attach the file."""
        if self.conn is not None:
            self._write_pages()
            self.conn.close()
            self.conn = None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "Spool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


BODIES_PER_INSERT = 16


def land(
    conn: duckdb.DuckDBPyConnection,
    spool: Spool,
    *,
    partition_keys: Sequence[str],
    kpis: Iterable[str],
    municipalities: Iterable[str],
    run_id: str | None = None,
    check: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
) -> tuple[list[str], list[int]]:
    """Store a complete fetch atomically; return (one fetch_id per partition, response ids).

    Each partition (a year) gets its own raw.kolada_fetches row saying that the fetch covered
    that year completely; a multi-year fetch's rows point at the same responses. A body
    already stored for the same URL is not stored again (its rows neither).

    `check(conn)` runs inside the transaction once the fetch is stored: if it raises, nothing
    is landed, so an answer it refuses never becomes the partition's latest fetch (which the
    next load, and the next nightly's "anything new?" comparison, would read).
    """
    if spool.pages == 0:
        raise ValueError("Kolada: hämtningen har inga sidor att landa")
    spool.finish()
    path = str(spool.path).replace("'", "''")  # a temp directory's name is not ours to trust
    conn.execute(f"ATTACH '{path}' AS kolada_spool (READ_ONLY)")
    # A national fetch puts about 108 MB of bodies through the write-ahead log; past DuckDB's
    # 16 MB threshold the COMMIT checkpoints inside itself, and the next small commit again:
    # 1.4 s of a national landing (docs/benchmarks.md). With the threshold raised for the
    # landing, the one checkpoint comes when the connection closes (0.2 s). The WAL is a file:
    # a process killed before that replays it on the next open, as after any commit.
    conn.execute("SET checkpoint_threshold = '1GB'")
    try:
        with transaction(conn):
            # Bodies already stored for the same URL keep their id (and their rows).
            conn.execute(
                """CREATE OR REPLACE TEMP TABLE spool_known AS
                   SELECT p.seq FROM kolada_spool.pages p
                   JOIN raw.kolada_responses r ON r.url = p.url AND r.sha256 = p.sha256""")
            # The new bodies a few at a time (one statement over all of a national backfill's
            # files held them all in memory at once); known ones are not read from disk at all
            # (a weekly refresh that brings nothing new would re-read 100 MB).
            known = {seq for (seq,) in conn.execute("SELECT seq FROM spool_known").fetchall()}
            paths = [row[-1] for row in spool.meta if row[0] not in known]
            for i in range(0, len(paths), BODIES_PER_INSERT):
                conn.execute(
                    """INSERT INTO raw.kolada_responses (url, fetched_at, status_code, sha256, payload)
                       SELECT p.url, p.fetched_at, p.status_code, p.sha256, b.content
                       FROM kolada_spool.pages p JOIN read_text(?) b ON b.filename = p.path ORDER BY p.seq""",
                    [paths[i:i + BODIES_PER_INSERT]])
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
            if check is not None:
                check(conn)
    finally:
        conn.execute("DROP TABLE IF EXISTS spool_ids")
        conn.execute("DROP TABLE IF EXISTS spool_known")
        conn.execute("DETACH kolada_spool")
        conn.execute("RESET checkpoint_threshold")
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
    """Every data page of kpis × municipalities (None: every unit) × years into `spool`, one at a time, with a
    progress line every `every` pages (a national backfill takes minutes live).

    The next pages are requested on a second thread while this one decodes and writes the
    previous ones (at most PREFETCH pages wait in between, so memory stays bounded); an
    error on either side stops both and nothing is landed. The decoding stays on this
    thread: on the HTTP thread it held the GIL against this one's writing, and the two
    together were slower than one thread doing both (docs/benchmarks.md).
    """
    started = time.monotonic()
    for page in prefetched(client.data_pages(kpis, municipalities, years, decode=False), PREFETCH):
        spool.add(replace(page, payload=decode_data_page(page.body, page.url)))
        if log and spool.pages % every == 0:
            log(f"Kolada: {spool.pages} sidor, {spool.rows} värden ({time.monotonic() - started:.0f} s)")
    if log:
        log(f"Kolada: klart, {spool.pages} sida(or), {spool.rows} värden ({time.monotonic() - started:.1f} s)")


PREFETCH = 4
_DONE = object()


def prefetched(iterable: Iterable, depth: int) -> Iterator:
    """`iterable`'s items, produced on a background thread at most `depth` ahead."""
    q: queue.Queue = queue.Queue(depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in iterable:
                while not stop.is_set():
                    try:
                        q.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(_DONE)
        except BaseException as exc:  # handed to the consumer, raised there
            q.put(exc)

    thread = threading.Thread(target=produce, name="kolada-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # let a producer blocked on a full queue see the stop
            try:
                q.get_nowait()
            except queue.Empty:
                thread.join(0.05)
