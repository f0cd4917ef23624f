"""Landing a Kolada fetch: pages spooled to disk as they arrive, then stored in one short
transaction.

A national backfill is about 165 pages and 100 MB of JSON. Holding them in memory until
the end would cost several hundred MB, and writing each page straight into the warehouse
would hold the DuckDB file (one writing process at a time, readers in other processes
locked out) for the whole download. So each page goes to a file (the body as received) and is
dropped from memory, and a reader thread reads the files into a temporary DuckDB file (the
spool) as the fetch goes on; when every page has arrived, `land` copies the spool into
raw.kolada_responses, raw.kolada_values and raw.kolada_fetches in one transaction. A fetch
that fails half-way, or a page the reader refuses, lands nothing.
"""

from __future__ import annotations

import queue
from concurrent.futures import Future, ThreadPoolExecutor
import shutil
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import duckdb
import pandas as pd

from sources.http import Page
from sources import kolada_sql
from warehouse.core import bodies
from warehouse.core.db import one, transaction


class Spool:
    """A fetch's pages on disk, read into a temporary DuckDB file by a second thread.

    Each body is written to a file as received and nothing of it is kept in memory. Every
    READ_PAGES pages, a reader thread reads those files into the table `vals` with DuckDB's
    JSON reader under the same type rules as msgspec's decoder (sources/kolada_sql.py),
    while the fetch goes on: DuckDB works without the GIL, so the HTTP thread is not held
    up. Decoding each page in Python instead held the GIL against the HTTP thread for about
    1.6 s of a national backfill (docs/benchmarks.md). A page the reader refuses is decoded
    again with msgspec for the URL and the JSON path of the error; the error is raised at
    the next `add` or at `decode`, and nothing is landed.
    """

    READ_PAGES = 32  # per statement: smaller batches cost more in all (8 pages: +50 %)

    def __init__(self, directory: str | Path | None = None):
        self.dir = Path(tempfile.mkdtemp(prefix="kolada_spool_", dir=directory))
        (self.dir / "pages").mkdir()
        self.path = self.dir / "spool.duckdb"
        self.conn: duckdb.DuckDBPyConnection | None = None
        try:
            # The spool is written and read once: a small buffer pool is enough (it spills);
            # each reading thread holds a 16 MiB JSON buffer (sources/kolada_sql.py).
            self.conn = duckdb.connect(str(self.path), config={"memory_limit": "256MB", "threads": 2})
            self.conn.execute(
                "CREATE TABLE vals (seq INTEGER, kpi VARCHAR, municipality VARCHAR, period INTEGER, gender VARCHAR, "
                "value DOUBLE, status VARCHAR, isdeleted BOOLEAN)")
        except Exception:
            self.close()  # the temporary folder goes too
            raise
        self.meta: list[tuple] = []
        self.pages = self.rows = self.items = 0
        self._submitted = 0  # pages handed to the reader so far
        self._reader: ThreadPoolExecutor | None = None
        self._reads: list[Future] = []
        self._pages_written = -1  # len(meta) when the pages table was last written

    def add(self, page: Page) -> None:
        """Store one data page's body; its `items` (the envelope's row count) comes from
        sources.kolada.page_paging, which the HTTP thread ran to find the next page."""
        self._raise_failed_read()
        seq = self.pages
        body = self.dir / "pages" / f"{seq:05d}.json"
        body.write_bytes(page.body)
        items = page.payload.items  # sources.kolada.Paging, or DataRows (decoded already)
        self.meta.append((seq, page.url, page.fetched_at, page.status_code, page.sha256, items, str(body)))
        self.pages += 1
        self.items += items
        if self.pages - self._submitted >= self.READ_PAGES:
            self._submit()

    def decode(self) -> None:
        """Read every page not yet read into `vals` and wait for the reader: afterwards
        `rows` counts them all. A page that breaks sources/kolada_sql.py's rules raises
        SourceError naming its URL."""
        self._submit()
        try:
            for read in self._reads:
                self.rows += read.result()
        finally:
            self._reads = []

    def _submit(self) -> None:
        todo = self.meta[self._submitted:]
        if not todo:
            return
        self._submitted = len(self.meta)
        if self._reader is None:
            self._reader = ThreadPoolExecutor(1, thread_name_prefix="kolada-spool-read")
        self._reads.append(self._reader.submit(self._read, [m[-1] for m in todo], [m[1] for m in todo]))

    def _read(self, paths: list[str], urls: list[str]) -> int:
        # A cursor of its own: a DuckDB connection is not to be shared between threads.
        with self.conn.cursor() as cur:
            try:
                (n,) = cur.execute("INSERT INTO vals " + kolada_sql.VALUES_SQL, [paths]).fetchone()
            except duckdb.Error as exc:  # the statement inserted nothing
                raise kolada_sql.refused(paths, urls, exc) from exc
        # The files become the stored bodies when the fetch lands (a rename): made durable
        # here, off the fetch's path, rather than in the landing's transaction.
        for path in paths:
            bodies.sync_file(path)
        return n

    def _raise_failed_read(self) -> None:
        for read in self._reads:
            if read.done() and read.exception() is not None:
                raise read.exception()

    def query(self, sql: str, params=None) -> list[tuple]:
        """A query on the spooled rows (table `vals`) and pages (table `pages`)."""
        self._write_pages()
        return self.conn.execute(sql, params).fetchall()

    def frame(self, sql: str) -> pd.DataFrame:
        self._write_pages()
        return self.conn.execute(sql).df()

    def _write_pages(self) -> None:
        self.decode()
        if self._pages_written == len(self.meta):
            return
        self._pages_written = len(self.meta)
        pages = pd.DataFrame(self.meta, columns=["seq", "url", "fetched_at", "status_code", "sha256", "items", "path"])
        self.conn.register("pages_frame", pages)
        self.conn.execute("CREATE OR REPLACE TABLE pages AS SELECT * FROM pages_frame")
        self.conn.unregister("pages_frame")

    def finish(self) -> None:
        """Read what is left and close the writer so the warehouse can attach the file."""
        if self.conn is not None:
            self._write_pages()
            if self._reader is not None:
                self._reader.shutdown(wait=True)
                self._reader = None
            self.conn.close()
            self.conn = None

    def close(self) -> None:
        if self._reader is not None:
            self._reader.shutdown(wait=True, cancel_futures=True)  # no read left on the file
            self._reader = None
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
    # A national fetch puts about 800,000 values (and, into a warehouse in memory, 108 MB of
    # bodies) through the write-ahead log; past DuckDB's 16 MB threshold the COMMIT
    # checkpoints inside itself, and the next small commit again (docs/benchmarks.md). With
    # the threshold raised for the landing, the one checkpoint comes when the connection
    # closes. The WAL is a file: a process killed before that replays it on the next open.
    conn.execute("SET checkpoint_threshold = '1GB'")
    root = bodies.folder(conn)
    created: list[Path] = []  # body files this landing made: removed again if it fails
    try:
        with transaction(conn):
            # Bodies already stored for the same URL keep their id (and their rows).
            conn.execute(
                """CREATE OR REPLACE TEMP TABLE spool_known AS
                   SELECT p.seq FROM kolada_spool.pages p
                   JOIN raw.kolada_responses r ON r.url = p.url AND r.sha256 = p.sha256""")
            known = {seq for (seq,) in conn.execute("SELECT seq FROM spool_known").fetchall()}
            new = [row for row in spool.meta if row[0] not in known]
            if root is not None:
                # The page files become the bodies' files (warehouse/core/bodies.py): a rename
                # each, not 108 MB through the write-ahead log and the checkpoint.
                names = []
                for seq, _url, _at, _status, sha256, _items, page_file in new:
                    rel, made = bodies.place(root, "kolada", sha256, page_file)
                    names.append(rel)
                    if made is not None:
                        created.append(made)
                if created:  # new names to make durable; none when every body was already stored
                    bodies.sync_folders([root, root / "kolada", *(p.parent for p in created)])
                conn.execute(
                    """INSERT INTO raw.kolada_responses (url, fetched_at, status_code, sha256, body_file)
                       SELECT p.url, p.fetched_at, p.status_code, p.sha256, n.body_file
                       FROM kolada_spool.pages p
                       JOIN (SELECT unnest(?::INTEGER[]) AS seq, unnest(?::VARCHAR[]) AS body_file) n USING (seq)
                       ORDER BY p.seq""",
                    [[row[0] for row in new], names])
            else:
                # A warehouse in memory has no folder beside it: the bodies go into `payload`,
                # a few at a time (one statement over a national backfill's files held them all
                # in memory at once).
                paths = [row[-1] for row in new]
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
    except BaseException:
        for made in created:  # no committed row names them
            made.unlink(missing_ok=True)
        raise
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

    The next pages are requested on a second thread while this one writes the previous ones
    to files (at most PREFETCH pages wait in between, so memory stays bounded) and the
    spool's reader reads them into the spool in DuckDB, off the GIL; an error on any side
    stops the fetch and nothing is landed. Python decoding on either thread held the GIL
    against the other (docs/benchmarks.md).
    """
    started = time.monotonic()
    for page in prefetched(client.data_pages(kpis, municipalities, years, decode=False), PREFETCH):
        spool.add(page)
        if log and spool.pages % every == 0:
            log(f"Kolada: {spool.pages} sidor, {spool.items} rader ({time.monotonic() - started:.0f} s)")
    fetched = time.monotonic()
    spool.decode()  # the pages the reader has not read yet
    if log:
        log(f"Kolada: klart, {spool.pages} sida(or), {spool.rows} värden ({time.monotonic() - started:.1f} s, "
            f"varav {time.monotonic() - fetched:.1f} s läsning efter sista sidan)")


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
