"""What the kommun's CSV exports (HR, forecast) share: decoding, the header, the rows with
their line numbers, month and number cells. Error texts name line and column, never a cell's
content, since an export may hold personal data."""

from __future__ import annotations

import csv
import io
import re
from typing import Callable, Iterator, NoReturn

MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


class ContractFileError(ValueError):
    """A file that breaks its contract: the message starts with the file's name."""

    def __init__(self, path, message: str):
        self.path = str(path)
        super().__init__(f"{path}: {message}")


def decode_text(raw: bytes | str) -> str:
    """Text of an exported CSV whatever Excel or the system chose: UTF-16 with a BOM
    ("Unicode text"), UTF-8 with or without BOM, else Windows-1252. NULs are dropped so a
    UTF-16 file without BOM cannot hide a personnummer between zero bytes."""
    if isinstance(raw, str):
        return raw
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return raw.decode("utf-16")
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(enc).replace("\x00", "")
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1").replace("\x00", "")


def read_table(text: str, fail: Callable[[str], NoReturn]) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """(lower-cased header, (line number, cells) per non-blank data row). The delimiter is the
    one of ; , tab that the header line uses most; a row of the wrong width fails."""
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        fail("filen är tom eller saknar rubrikrad")
    delimiter = max(";,\t", key=lines[0].count)
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(rows)]
    except csv.Error as exc:
        fail(_csv_problem(1, exc))

    def data():
        n = 1
        try:
            for n, row in enumerate(rows, start=2):
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) != len(header):
                    fail(f"rad {n}: {len(row)} fält, rubriken har {len(header)}")
                yield n, row
        except csv.Error as exc:
            fail(_csv_problem(n + 1, exc))

    return header, data()


def _csv_problem(line: int, exc: csv.Error) -> str:
    """csv's error in the users' words (its text never holds the cell, only the limit)."""
    if "field larger than field limit" in str(exc):
        return (f"rad {line}: ett fält är längre än {csv.field_size_limit():,} tecken".replace(",", " ")
                + "; är filen en CSV-export med en rad per förvaltning och månad?")
    return f"rad {line}: kan inte läsas som CSV ({exc})"


def number(cell: str) -> float:
    """A number as Swedish exports write it: decimal comma, spaces as thousands separator,
    a typographic minus. Raises ValueError."""
    return float(cell.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".").replace("−", "-"))
