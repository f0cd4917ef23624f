"""json-stat2 (PxWebApi 2.0 data and metadata responses) into tidy rows, symbols and notes kept.

Hand-written rather than pxwebpy's `unpack_table_data`, because that drops what the
warehouse must keep (reference/scb.md §7, §9): the per-cell `status` symbols (".." not
available, "-" nil, preliminary markers; a cell data note also lands in `status` while the
value is kept), and the dataset, dimension and category notes with their `noteMandatory`
flags. pxwebpy also keys rows by labels in the current language; here everything is codes.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from itertools import product
from typing import Any

from sources.errors import SourceError


@dataclass(frozen=True)
class Note:
    """One note of a response: on the table (dimension None), a dimension, or one category."""

    dimension: str | None
    category: str | None
    index: int
    text: str
    mandatory: bool


@dataclass(frozen=True)
class Dataset:
    table_id: str | None
    label: str
    updated: str | None
    dimensions: list[str]           # ids in order
    codes: dict[str, list[str]]     # dimension -> category codes in index order
    labels: dict[str, dict[str, str]]
    time_dimension: str | None
    metric_dimension: str | None
    rows: list[dict[str, Any]]      # {dim: code, ..., "value": float|None, "status": str}
    notes: list[Note]


def _ordered_codes(dimension: dict, dim_id: str, source: str, url: str) -> list[str]:
    category = dimension.get("category") or {}
    index = category.get("index")
    labels = category.get("label") or {}
    if isinstance(index, list):
        return [str(c) for c in index]
    if isinstance(index, dict):
        return [str(c) for c, _ in sorted(index.items(), key=lambda kv: kv[1])]
    if labels:
        return [str(c) for c in labels]
    raise SourceError(source, url, f"json-stat2: dimensionen {dim_id} saknar category.index")


def _status_map(status: Any, n: int, source: str, url: str) -> dict[int, str]:
    # json-stat2 allows a dict {"index": symbol}, a list (one per cell), or one string for all.
    if status is None:
        return {}
    if isinstance(status, str) or (isinstance(status, list) and len(status) == 1 and n != 1):
        one = status if isinstance(status, str) else status[0]  # one symbol for every cell
        return {i: one for i in range(n)} if one not in (None, "") else {}
    if isinstance(status, list):
        if len(status) != n:
            raise SourceError(source, url, f"json-stat2: status har {len(status)} poster men {n} celler")
        return {i: s for i, s in enumerate(status) if s not in (None, "")}
    if isinstance(status, dict):
        try:
            out = {int(k): v for k, v in status.items() if v not in (None, "")}
        except ValueError as exc:
            raise SourceError(source, url, f"json-stat2: ogiltigt index i status ({exc})") from exc
        bad = [i for i in out if not 0 <= i < n]
        if bad:
            raise SourceError(source, url, f"json-stat2: status pekar på cell {bad[0]} men det finns {n} celler")
        return out
    raise SourceError(source, url, f"json-stat2: 'status' har okänd typ {type(status).__name__}")


def _notes(doc: dict) -> list[Note]:
    out = []

    def add(notes, mandatory, dimension=None, category=None):
        for i, text in enumerate(notes or []):
            out.append(Note(dimension, category, i, text, bool((mandatory or {}).get(str(i)))))

    add(doc.get("note"), (doc.get("extension") or {}).get("noteMandatory"))
    for dim_id, dim in (doc.get("dimension") or {}).items():
        ext = dim.get("extension") or {}
        add(dim.get("note"), ext.get("noteMandatory"), dim_id)
        # Category notes (`category.note`, code -> [text]) with their flags in
        # `extension.categoryNoteMandatory[code][index]` (as PxWeb2's json-stat2 mapper reads it;
        # no recorded SCB response in the fixtures has one).
        category = dim.get("category") or {}
        flags = ext.get("categoryNoteMandatory") or {}
        for code, notes in (category.get("note") or {}).items():
            add(notes, flags.get(code), dim_id, code)
    return out


def parse(doc: Any, url: str = "", *, source: str = "scb", metadata: bool = False) -> Dataset:
    """Parse a json-stat2 dataset. With `metadata` (a /metadata response, whose `value` is
    empty and whose size is the whole table) no rows are read."""
    if not isinstance(doc, dict) or doc.get("class") != "dataset":
        raise SourceError(source, url, "svaret är inte ett json-stat2-dataset (class != 'dataset')")
    try:
        ids = [str(d) for d in doc["id"]]
        sizes = [int(s) for s in doc["size"]]
        dims = doc["dimension"]
    except (KeyError, TypeError, ValueError) as exc:
        raise SourceError(source, url, f"json-stat2: fält saknas ({exc!r})") from exc
    if len(ids) != len(sizes):
        raise SourceError(source, url, f"json-stat2: id har {len(ids)} dimensioner men size {len(sizes)}")
    codes, labels = {}, {}
    for dim_id, size in zip(ids, sizes):
        if dim_id not in dims:
            raise SourceError(source, url, f"json-stat2: dimensionen {dim_id} saknas i 'dimension'")
        codes[dim_id] = _ordered_codes(dims[dim_id], dim_id, source, url)
        labels[dim_id] = {str(k): v for k, v in ((dims[dim_id].get("category") or {}).get("label") or {}).items()}
        if len(codes[dim_id]) != size:
            raise SourceError(source, url, f"json-stat2: {dim_id} har {len(codes[dim_id])} koder men size {size}")
    role = doc.get("role") or {}
    rows: list[dict[str, Any]] = []
    if not metadata:
        values = doc.get("value")
        if values is None:
            raise SourceError(source, url, "json-stat2: fältet 'value' saknas")
        n = 1
        for s in sizes:
            n *= s
        if isinstance(values, dict):  # sparse form {"index": value}
            values = [values.get(str(i)) for i in range(n)]
        if len(values) != n:
            raise SourceError(source, url, f"json-stat2: {len(values)} värden men dimensionerna ger {n} celler")
        status = _status_map(doc.get("status"), n, source, url)
        # Row-major over `id`, last dimension fastest (json-stat2).
        for i, combo in enumerate(product(*(codes[d] for d in ids))):
            value = values[i]
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise SourceError(source, url, f"json-stat2: cell {i} är inte numerisk: {value!r}")
            rows.append({**dict(zip(ids, combo)), "value": None if value is None else float(value),
                         "status": status.get(i, "")})
    px = (doc.get("extension") or {}).get("px") or {}
    return Dataset(
        table_id=px.get("tableid"),
        label=doc.get("label", ""),
        updated=doc.get("updated"),
        dimensions=ids,
        codes=codes,
        labels=labels,
        time_dimension=(role.get("time") or [None])[0],
        metric_dimension=(role.get("metric") or [None])[0],
        rows=rows,
        notes=_notes(doc),
    )


_PERIOD = [
    (re.compile(r"^(\d{4})$"), lambda m: (date(int(m[1]), 1, 1), date(int(m[1]), 12, 31))),
    (re.compile(r"^(\d{4})M(\d{2})$"), lambda m: _month(int(m[1]), int(m[2]))),
    (re.compile(r"^(\d{4})K([1-4])$"), lambda m: _quarter(int(m[1]), int(m[2]))),
    # Tertials and half-years: the kommuner's own reporting periods (not SCB codes).
    (re.compile(r"^(\d{4})T([1-3])$"), lambda m: _months(int(m[1]), 4 * int(m[2]) - 3, 4 * int(m[2]))),
    (re.compile(r"^(\d{4})H([12])$"), lambda m: _months(int(m[1]), 6 * int(m[2]) - 5, 6 * int(m[2]))),
    (re.compile(r"^(\d{4})-(\d{4})$"), lambda m: (date(int(m[1]), 1, 1), date(int(m[2]), 12, 31))),
    (re.compile(r"^(\d{4})V(\d{2})$"), lambda m: (date.fromisocalendar(int(m[1]), int(m[2]), 1),
                                                   date.fromisocalendar(int(m[1]), int(m[2]), 7))),
]


def _month(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _quarter(year: int, q: int) -> tuple[date, date]:
    return _months(year, 3 * q - 2, 3 * q)


def _months(year: int, first: int, last: int) -> tuple[date, date]:
    return date(year, first, 1), _month(year, last)[1]


def period_bounds(code: str) -> tuple[date, date]:
    """First and last day of a time code: SCB's 2024, 2026M04, 2024K2, 1998-2002, 1999V52, and the
    kommuner's tertials and half-years 2026T1 (January–April), 2026H1."""
    for pattern, bounds in _PERIOD:
        m = pattern.match(code)
        if m:
            try:
                return bounds(m)
            except ValueError:
                break
    raise ValueError(f"okänd tidskod {code!r} (väntade t.ex. 2024, 2026M04, 2024K2, 2026T1, 2026H1, 1998-2002)")
