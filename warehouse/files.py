"""Inbox files: recognise the export, load it into the warehouse, remember its sha256.

A file's observations are merged in one transaction, so a file is loaded completely or not
at all, and then recorded in raw.file_loads; a rejected file leaves the warehouse as it was
and only its rejection is recorded (never its content).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from indicator_catalog.ekonomi import load_mapping
from sources.csv_export import decode_text
from sources.hr import HrFileError, parse_hr, personnummer_line
from sources.prognos import parse_prognos
from sources.sie import parse_bytes
from warehouse import ekonomi as wh_ekonomi
from warehouse import hr as wh_hr
from warehouse.db import one


class UnsupportedFile(ValueError):
    pass


@dataclass
class Outcome:
    kind: str
    status: str            # loaded | duplicate | rejected
    message: str
    periods: list[str]
    rows: int = 0
    person_data: bool = False


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def classify(raw: bytes) -> str:
    head = raw[:4096].lstrip(b"\xef\xbb\xbf").lower()
    first = head.splitlines()[0] if head else b""
    if first.startswith(b"#"):
        return "sie"
    if b"sjuk_timmar" in first:
        return "hr"
    if b"prognos" in first:
        return "prognos"
    return "okänd"


def already_loaded(conn: duckdb.DuckDBPyConnection, sha: str) -> str | None:
    row = one(conn, "SELECT file_name FROM raw.file_loads WHERE sha256 = ? AND status = 'loaded'", [sha])
    return row[0] if row else None


def load_file(conn: duckdb.DuckDBPyConnection, path: Path, sha: str, *, kommun: str, now: datetime) -> Outcome:
    """Load one inbox file. Raises nothing for bad files: the outcome says what happened."""
    raw = path.read_bytes()
    if hashlib.sha256(raw).hexdigest() != sha:
        # Overwritten since the sensor saw it: leave it for the next tick, which sees the new bytes.
        return Outcome("okänd", "changed", "filen ändrades efter att den upptäcktes; läses vid nästa kontroll", [])
    kind = classify(raw)
    earlier = already_loaded(conn, sha)
    if earlier:
        return Outcome(kind, "duplicate", f"samma innehåll som {earlier} (sha256 {sha[:12]}…) är redan inläst", [])
    try:
        text = None
        if kind != "sie":
            # Every text export is scanned for personnummer before anything else, whatever it
            # claims to be: an unknown file with person data must not be kept in quarantine.
            text = decode_text(raw)
            line = personnummer_line(text)
            if line:
                raise HrFileError(path.name, f"rad {line} innehåller något som liknar ett personnummer; filen "
                                             "lagras inte (bara aggregat tas emot)", person_data=True)
            kind = classify(text[:4096].encode("utf-8"))
        if kind == "hr":
            frame = wh_hr.series_frame(parse_hr(text, path.name).frame, region=kommun, fetched_at=now, file_sha256=sha)
            load = wh_hr.load
        elif kind == "sie":
            frame = wh_ekonomi.sie_series(parse_bytes(raw, path.name), load_mapping(), region=kommun, fetched_at=now, sha=sha)
            load = wh_ekonomi.load
        elif kind == "prognos":
            frame = wh_ekonomi.prognos_series(parse_prognos(text, path.name), region=kommun, fetched_at=now, sha=sha)
            load = wh_ekonomi.load
        else:
            raise UnsupportedFile("okänd filtyp: väntade en SIE-fil (#FLAGGA …), en HR-export (kolumnen "
                                  "sjuk_timmar_dag1_14) eller en prognosfil (kolumnen prognos_arets_resultat_mnkr)")
        if frame.empty:
            raise UnsupportedFile(f"{path.name}: inga värden att räkna fram (saknas #UB, #PSALDO och #TRANS?)")
        periods = sorted(frame["period"].unique())
        result = load(conn, frame, now)  # one transaction: all of the file or nothing
        _record(conn, sha, path.name, kind, now, "loaded", None, periods, len(frame))
        return Outcome(kind, "loaded", f"{len(frame)} värden, {result.changed} ändrade", periods, len(frame))
    except (HrFileError, UnsupportedFile, ValueError) as exc:
        person = getattr(exc, "person_data", False)
        _record(conn, sha, path.name, kind, now, "rejected", str(exc), [], 0)
        return Outcome(kind, "rejected", str(exc), [], person_data=person)


def _record(conn, sha, name, kind, now, status, error, periods, rows) -> None:
    conn.execute(
        "INSERT INTO raw.file_loads VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO UPDATE SET "
        "file_name = excluded.file_name, received_at = excluded.received_at, status = excluded.status, "
        "error = excluded.error, periods = excluded.periods, rows = excluded.rows",
        [sha, name, kind, now, status, error, periods, rows],
    )
