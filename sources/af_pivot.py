"""Read the pivot cache of an Arbetsförmedlingen `web-*.xlsx` workbook, streaming.

AF publishes its monthly statistics as pivot-table workbooks; the data is the pivot cache
(reference/arbetsformedlingen.md §2), not the visible sheets:

- `xl/pivotCache/pivotCacheDefinition<N>.xml`: `<cacheField name=…>` in order, each with its
  `<sharedItems>` (`<s v>`, `<n v>`, `<m/>`, …) that records can point into;
- `xl/pivotCache/pivotCacheRecords<N>.xml`: one `<r>` per row, one cell per field: `<x v="i"/>`
  (index into that field's shared items), `<n v/>` (number), `<s v/>` (string), `<m/>`
  (missing), also `<b>`, `<d>`, `<e>` (ECMA-376 Part 1 §18.10).

Caches can be hundreds of MB uncompressed, so records are parsed with iterparse straight from
the zip member, each `<r>` cleared after use: memory stays bounded by one row plus the shared
items. Field names are whatever the file says (`cache_fields`), never assumed.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Iterator
from xml.etree.ElementTree import iterparse

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_CACHE_NO = re.compile(r"xl/pivotCache/pivotCacheDefinition(\d+)\.xml$")


class PivotCacheError(ValueError):
    def __init__(self, path, message: str):
        self.path = str(path)
        super().__init__(f"{path}: {message}")


def _value(el):
    tag = el.tag[len(NS):] if el.tag.startswith(NS) else el.tag
    v = el.get("v")
    if tag == "n":
        return float(v)
    if tag in ("s", "d", "e"):
        return v
    if tag == "b":
        return v in ("1", "true")
    if tag == "m":
        return None
    raise ValueError(f"okänd cell <{tag}>")


def cache_numbers(path: str | Path) -> list[int]:
    """The pivot caches in the workbook, by number."""
    with zipfile.ZipFile(path) as z:
        return sorted(int(m.group(1)) for n in z.namelist() if (m := _CACHE_NO.search(n)))


def cache_fields(path: str | Path, cache: int = 1) -> tuple[list[str], list[list]]:
    """(field names, shared items per field) of one cache definition."""
    name = f"xl/pivotCache/pivotCacheDefinition{cache}.xml"
    try:
        with zipfile.ZipFile(path) as z, z.open(name) as f:
            fields, shared = [], []
            for _, el in iterparse(f, events=("end",)):
                if el.tag == f"{NS}cacheField":
                    fields.append(el.get("name"))
                    items = el.find(f"{NS}sharedItems")
                    shared.append([_value(c) for c in items] if items is not None else [])
                    el.clear()
            return fields, shared
    except KeyError:
        raise PivotCacheError(path, f"{name} saknas: är det en pivottabellsfil från AF?") from None
    except (zipfile.BadZipFile, ValueError) as exc:
        raise PivotCacheError(path, f"kan inte läsa pivotcachen {cache}: {exc}") from None


def records(path: str | Path, cache: int = 1) -> Iterator[dict]:
    """Every record of the cache as {field name: value}, shared-item indexes resolved."""
    fields, shared = cache_fields(path, cache)
    name = f"xl/pivotCache/pivotCacheRecords{cache}.xml"
    row_tag, x_tag = f"{NS}r", f"{NS}x"
    with zipfile.ZipFile(path) as z:
        try:
            f = z.open(name)
        except KeyError:
            raise PivotCacheError(path, f"{name} saknas") from None
        with f:
            n, root = 0, None
            for event, el in iterparse(f, events=("start", "end")):
                if root is None:
                    root = el  # <pivotCacheRecords>: emptied after every row, see below
                if event != "end" or el.tag != row_tag:
                    continue
                n += 1
                cells = list(el)
                if len(cells) != len(fields):
                    raise PivotCacheError(path, f"post {n} har {len(cells)} celler, cachen {len(fields)} fält")
                row = {}
                for i, (field, cell) in enumerate(zip(fields, cells)):
                    if cell.tag == x_tag:
                        try:
                            row[field] = shared[i][int(cell.get("v"))]
                        except (IndexError, TypeError, ValueError):
                            raise PivotCacheError(path, f"post {n}, fält {field}: index {cell.get('v')!r} "
                                                        "finns inte bland de delade värdena") from None
                    else:
                        try:
                            row[field] = _value(cell)
                        except ValueError as exc:
                            raise PivotCacheError(path, f"post {n}, fält {field}: {exc}") from None
                # Bounded memory: drop the row element and the root's reference to it (cleared
                # elements would otherwise pile up as the root's children).
                el.clear()
                root.clear()
                yield row


_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def sheet_text(path: str | Path, sheet: str, cells: tuple[str, ...] = ("A1", "A2")) -> list[str]:
    """The text of a few cells of a named sheet (AF states the age band in A1:A2 of `andel`).

    Reads xl/workbook.xml for the sheet's relationship id, xl/_rels/workbook.xml.rels for its
    file, and resolves shared strings (t="s") as well as inline strings.
    """
    from xml.etree.ElementTree import fromstring

    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        wb = fromstring(z.read("xl/workbook.xml"))
        rid = next((s.get(_REL) for s in wb.iter(f"{NS}sheet") if (s.get("name") or "").casefold() == sheet.casefold()), None)
        if rid is None:
            raise PivotCacheError(path, f"bladet {sheet!r} saknas")
        rels = fromstring(z.read("xl/_rels/workbook.xml.rels"))
        target = next(r.get("Target") for r in rels.iter(_PKG_REL) if r.get("Id") == rid)
        target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        shared = []
        if "xl/sharedStrings.xml" in names:
            sst = fromstring(z.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in si.iter(f"{NS}t")) for si in sst.iter(f"{NS}si")]
        ws = fromstring(z.read(target))
    out = []
    for c in ws.iter(f"{NS}c"):
        if c.get("r") not in cells:
            continue
        if c.get("t") == "s":
            out.append(shared[int(c.find(f"{NS}v").text)])
        elif c.get("t") == "inlineStr":
            out.append("".join(t.text or "" for t in c.iter(f"{NS}t")))
        elif c.find(f"{NS}v") is not None:
            out.append(c.find(f"{NS}v").text or "")
    return out
