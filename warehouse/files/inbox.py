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
from sources.clock import STOCKHOLM
from sources.hr import parse_hr
from sources.comments import parse_comments
from sources.manual import XLSX_MAGIC, parse_manual, xlsx_text
from sources.personnummer import PersonalData, mask, personnummer_line
from sources.prognos import parse_prognos
from sources.sie import decode as decode_sie
from sources.sie import parse_decoded
from warehouse.files import ekonomi as wh_ekonomi
from warehouse.files import hr as wh_hr
from warehouse.files import comments as wh_comments
from warehouse.files import manual as wh_manual
from warehouse.core.db import one


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


def classify(raw: bytes) -> str:
    head = raw[:4096].lstrip(b"\xef\xbb\xbf").lower()
    first = head.splitlines()[0] if head else b""
    if first.startswith(b"#"):
        return "sie"
    if b"sjuk_timmar" in first:
        return "hr"
    if b"prognos" in first:
        return "prognos"
    if b"inmatad_av" in first and b"serie" in first:
        return "manuell"
    if b"kommentar" in first and b"forfattare" in first:
        return "kommentarer"
    return "okänd"


def already_loaded(conn: duckdb.DuckDBPyConnection, sha: str) -> str | None:
    row = one(conn, "SELECT file_name FROM raw.file_loads WHERE sha256 = ? AND status = 'loaded'", [sha])
    return row[0] if row else None


def load_file(conn: duckdb.DuckDBPyConnection, path: Path, sha: str, *, kommun: str, now: datetime,
              frequencies: dict[str, str] | None = None, manual_series: set[str] | None = None,
              indicator_ids: set[str] | None = None) -> Outcome:
    """Load one inbox file. Raises nothing for bad files: the outcome says what happened.

    The file's name is masked (sources/personnummer.py) before it is used anywhere: in
    raw.file_loads, in messages and in the parsers' errors. Every file is scanned for
    personnummer before it is read, whatever its kind. An unexpected error is recorded as a
    rejection (its type only, never its text, which could quote the file) and re-raised.
    `frequencies` (series -> the catalog's frequency) gives a SIE file's balances their period.
    `manual_series`: the series the catalog reads from manual values (default: those in
    cfg.indicators, which the catalog asset may not have loaded yet).
    """
    name = mask(path.name)
    raw = path.read_bytes()
    if hashlib.sha256(raw).hexdigest() != sha:
        # Overwritten since the sensor saw it: leave it for the next tick, which sees the new bytes.
        return Outcome("okänd", "changed", "filen ändrades efter att den upptäcktes; läses vid nästa kontroll", [])
    kind = classify(raw)
    # The current day and month by the warehouse clock, in Stockholm: no file may bring a
    # period after them.
    today = now.astimezone(STOCKHOLM).date()
    month = f"{today:%Y-%m}"
    earlier = already_loaded(conn, sha)
    if earlier:
        return Outcome(kind, "duplicate", f"samma innehåll som {mask(earlier)} (sha256 {sha[:12]}…) är redan inläst", [])
    try:
        encoding = None
        if kind != "sie":
            text = _workbook_text(raw, name) if raw[:4] == XLSX_MAGIC else decode_text(raw)
            kind = classify(text[:4096].encode("utf-8"))  # e.g. a UTF-16 export or a workbook
        if kind == "sie":
            text, encoding = decode_sie(raw, name)
        # Before anything else, whatever the file claims to be: a file with person data must
        # not be kept, not even in quarantine (a CSV whose first line starts with '#' is
        # taken for SIE, and SIE is scanned as SIE, amounts being long numbers).
        line = personnummer_line(text, sie=kind == "sie")
        if line:
            raise PersonalData(name, line)
        if kind == "hr":
            frame = wh_hr.series_frame(parse_hr(text, name, not_after=month).frame, region=kommun,
                                       fetched_at=now, file_sha256=sha)
            load = wh_hr.load
        elif kind == "sie":
            frame = wh_ekonomi.sie_series(parse_decoded(text, encoding, name), load_mapping(), region=kommun,
                                          fetched_at=now, sha=sha, frequencies=frequencies)
            load = wh_ekonomi.load
        elif kind == "prognos":
            frame = wh_ekonomi.prognos_series(parse_prognos(text, name, not_after=month), region=kommun,
                                              fetched_at=now, sha=sha)
            load = wh_ekonomi.load
        elif kind == "kommentarer":
            parsed = parse_comments(text, name)
            known = indicator_ids if indicator_ids is not None else {
                i for (i,) in conn.execute("SELECT indicator_id FROM cfg.indicators").fetchall()}
            wh_comments.check_known(parsed, known, name)
            written = wh_comments.load(conn, parsed, sha=sha, received_at=now)
            periods = sorted(parsed["period"].unique())
            _record(conn, sha, name, kind, now, "loaded", None, periods, len(parsed))
            return Outcome(kind, "loaded", f"{len(parsed)} kommentarer, {written} nya eller ändrade", periods,
                           len(parsed))
        elif kind == "manuell":
            parsed = parse_manual(text, name)
            known = manual_series if manual_series is not None else wh_manual.known_series(conn)
            frame = wh_manual.series_frame(parsed, known=known, name=name, fetched_at=now, sha=sha)

            def load(c, f, n, parsed=parsed):
                return wh_manual.load(c, parsed, f, n, sha)
        else:
            raise UnsupportedFile("okänd filtyp: väntade en SIE-fil (#FLAGGA …), en HR-export (kolumnen "
                                  "sjuk_timmar_dag1_14), en prognosfil (kolumnen prognos_arets_resultat_mnkr), "
                                  "en fil med manuella värden (kolumnerna serie … inmatad_av) eller en "
                                  "kommentarsfil (indikator;period;kommentar;forfattare)")
        if frame.empty:
            raise UnsupportedFile(f"{name}: inga värden att räkna fram (saknas #UB, #PSALDO och #TRANS?)")
        # No file may bring a period that has not begun (by the warehouse clock, Stockholm):
        # a typo'd year would become the aktuellt värde.
        future = frame[frame["period_start"] > today]
        if not future.empty:
            raise UnsupportedFile(f"{name}: perioden {min(future['period'])} ligger efter innevarande månad "
                                  f"{month}; inget läses in (fel år i filen?)")
        periods = sorted(frame["period"].unique())
        result = load(conn, frame, now)  # one transaction: all of the file or nothing
        _record(conn, sha, name, kind, now, "loaded", None, periods, len(frame))
        return Outcome(kind, "loaded", f"{len(frame)} värden, {result.changed} ändrade", periods, len(frame))
    except ValueError as exc:  # the parsers' and contracts' errors, PersonalData among them
        person = getattr(exc, "person_data", False)
        message = mask(str(exc))
        _record(conn, sha, name, kind, now, "rejected", message, [], 0)
        return Outcome(kind, "rejected", message, [], person_data=person)
    except Exception as exc:
        _record(conn, sha, name, kind, now, "rejected", f"oväntat fel vid inläsning ({type(exc).__name__})", [], 0)
        raise


def _workbook_text(raw: bytes, name: str) -> str:
    """An XLSX file's first sheet as text (only the manual-values contract comes as a workbook)."""
    try:
        return xlsx_text(raw)
    except Exception as exc:  # a damaged or password-protected workbook: zipfile, openpyxl errors
        raise UnsupportedFile(f"{name}: arbetsboken kan inte läsas ({type(exc).__name__})") from None


def _record(conn, sha, name, kind, now, status, error, periods, rows) -> None:
    conn.execute(
        "INSERT INTO raw.file_loads VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO UPDATE SET "
        "file_name = excluded.file_name, received_at = excluded.received_at, status = excluded.status, "
        "error = excluded.error, periods = excluded.periods, rows = excluded.rows",
        [sha, name, kind, now, status, error, periods, rows],
    )
