"""CONSTRUCTED Arbetsförmedlingen-style workbooks, for tests, the benchmark and the replay
recordings (no real AF file is available here). They follow the Office Open XML schema
(ECMA-376 Part 1: pivot caches §18.10, worksheets §18.3) with the field names, sheet names
and header rows documented in reference/arbetsformedlingen.md; they are not AF files.

A workbook holds any number of pivot caches (`Cache`) and worksheets (`sheets`: name -> rows,
row 1 first; `None` leaves a cell empty). Shared-item fields are written as `<x v>` indexes,
as Excel does for text fields.
"""

from __future__ import annotations

import os
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable
from xml.sax.saxutils import escape, quoteattr

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


@dataclass
class Cache:
    fields: list[str]
    rows: Iterable[list]
    shared: set[str] = field(default_factory=set)


def _item(v) -> str:
    if v is None:
        return "<m/>"
    if isinstance(v, (int, float)):
        return f"<n v={quoteattr(repr(float(v)))}/>"
    return f"<s v={quoteattr(str(v))}/>"


def _column(i: int) -> str:
    name = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        name = chr(65 + r) + name
    return name


def _sheet_xml(rows: list[list]) -> str:
    out = [f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="{NS}"><sheetData>']
    for r, row in enumerate(rows, start=1):
        out.append(f'<row r="{r}">')
        for c, v in enumerate(row):
            ref = f"{_column(c)}{r}"
            if v is None:
                continue
            if isinstance(v, (int, float)):
                out.append(f'<c r="{ref}"><v>{v!r}</v></c>')
            else:
                out.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>')
        out.append("</row>")
    out.append("</sheetData></worksheet>")
    return "".join(out)


def _write_cache(z: zipfile.ZipFile, n: int, cache: Cache, scratch: Path) -> None:
    fields, shared = cache.fields, cache.shared
    shared_items: dict[str, list] = {f: [] for f in shared}
    index: dict[str, dict] = {f: {} for f in shared}
    # Records are streamed to a scratch file: the benchmark writes caches of hundreds of MB.
    body_path = scratch.with_suffix(f".records{n}.xml")
    with body_path.open("w", encoding="utf-8") as out:
        out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<pivotCacheRecords xmlns="{NS}">')
        for row in cache.rows:
            out.write("<r>")
            for f, v in zip(fields, row):
                if f in shared:
                    if v not in index[f]:
                        index[f][v] = len(shared_items[f])
                        shared_items[f].append(v)
                    out.write(f'<x v="{index[f][v]}"/>')
                else:
                    out.write(_item(v))
            out.write("</r>")
        out.write("</pivotCacheRecords>")
    definition = [f'<?xml version="1.0" encoding="UTF-8"?>\n<pivotCacheDefinition xmlns="{NS}" '
                  f'xmlns:r="{_R}" r:id="rId1"><cacheFields count="{len(fields)}">']
    for f in fields:
        items = "".join(_item(v) for v in shared_items.get(f, []))
        definition.append(f'<cacheField name={quoteattr(f)} numFmtId="0"><sharedItems>{items}</sharedItems></cacheField>')
    definition.append("</cacheFields></pivotCacheDefinition>")
    _put(z, f"xl/pivotCache/pivotCacheDefinition{n}.xml", "".join(definition))
    os.utime(body_path, (_EPOCH, _EPOCH))  # a fixed member time: the same input, the same bytes
    z.write(body_path, f"xl/pivotCache/pivotCacheRecords{n}.xml")
    body_path.unlink()


_EPOCH = 1767225600  # 2026-01-01T00:00:00Z


def _put(z: zipfile.ZipFile, name: str, data: str) -> None:
    info = zipfile.ZipInfo(name, date_time=time.gmtime(_EPOCH)[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, data)


def write_pivot_workbook(path: Path, caches: list[Cache], sheets: dict[str, list[list]]) -> Path:
    names = list(sheets)
    types = [f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>']
    types += [f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_CT}.worksheet+xml"/>'
              for i in range(1, len(names) + 1)]
    types += [f'<Override PartName="/xl/pivotCache/pivotCacheDefinition{i}.xml" '
              f'ContentType="{_CT}.pivotCacheDefinition+xml"/>' for i in range(1, len(caches) + 1)]
    content_types = ('<?xml version="1.0" encoding="UTF-8"?>\n<Types xmlns="http://schemas.openxmlformats.org/'
                     'package/2006/content-types"><Default Extension="rels" ContentType="application/'
                     'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
                     f'ContentType="application/xml"/>{"".join(types)}</Types>')
    root_rels = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
                 f'Type="{_R}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    sheet_els = "".join(f'<sheet name={quoteattr(s)} sheetId="{i}" r:id="rId{i}"/>' for i, s in enumerate(names, 1))
    cache_els = "".join(f'<pivotCache cacheId="{i}" r:id="rId{len(names) + i}"/>' for i in range(1, len(caches) + 1))
    workbook = (f'<?xml version="1.0" encoding="UTF-8"?>\n<workbook xmlns="{NS}" xmlns:r="{_R}"><sheets>{sheet_els}'
                f'</sheets>{f"<pivotCaches>{cache_els}</pivotCaches>" if caches else ""}</workbook>')
    rels = [f'<Relationship Id="rId{i}" Type="{_R}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(names) + 1)]
    rels += [f'<Relationship Id="rId{len(names) + i}" Type="{_R}/pivotCacheDefinition" '
             f'Target="pivotCache/pivotCacheDefinition{i}.xml"/>' for i in range(1, len(caches) + 1)]
    wb_rels = f'<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="{_PKG}">{"".join(rels)}</Relationships>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        _put(z, "[Content_Types].xml", content_types)
        _put(z, "_rels/.rels", root_rels)
        _put(z, "xl/workbook.xml", workbook)
        _put(z, "xl/_rels/workbook.xml.rels", wb_rels)
        for i, s in enumerate(names, 1):
            _put(z, f"xl/worksheets/sheet{i}.xml", _sheet_xml(sheets[s]))
        for i, cache in enumerate(caches, 1):
            _write_cache(z, i, cache, path)
            _put(z, f"xl/pivotCache/_rels/pivotCacheDefinition{i}.xml.rels",
                       f'<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="{_PKG}"><Relationship '
                       f'Id="rId1" Type="{_R}/pivotCacheRecords" Target="pivotCacheRecords{i}.xml"/></Relationships>')
    return path


def write_workbook(path: Path, fields: list[str], rows, *, shared: set[str] = frozenset(), heading: str = "") -> Path:
    """A BAS-share style workbook: one cache, and sheet `andel` with `heading` in A1."""
    return write_pivot_workbook(path, [Cache(fields, rows, set(shared))], {"andel": [[heading]]})


# --- A consistent month of the five files the warehouse reads ------------------------------

SEXES = (("Kvinnor", 0.45), ("Män", 0.55))
AGES = (("16-24 år", 0.2), ("25-54 år", 0.6), ("55-65 år", 0.2))
FIELDS_OF_WORK = (("Administration, ekonomi, juridik", 0.3), ("Bygg och anläggning", 0.3),
                  ("Hälso- och sjukvård", 0.4))


def _split(total: int, weights) -> list[int]:
    """Whole numbers in proportion to `weights` that add up to `total` exactly."""
    parts = [int(total * w) for _, w in weights]
    parts[-1] += total - sum(parts)
    return parts


def write_month(directory: Path, month: str, units: list[dict], *, band: str = "16-65",
                masked_below: int = 5, periods: list[str] | None = None) -> dict[str, Path]:
    """The five files for file month `month`, all consistent with each other (the cross-file
    checks of reference §6 hold): `units` are {lan, kommun, inskrivna (int), arbetskraft
    (float)}, the same for each of `periods` (default: the month alone; several make files
    that carry a series). Counts under `masked_below` in the tid file are written as `<5`."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    mask = lambda n: n if n >= masked_below else "<5"  # noqa: E731
    bas, sok, sok_edu, sok_born, tid, svag, yrke = [], [], [], [], [], [], []
    for period, u in ((p, u) for p in (periods or [month]) for u in units):
        n, ak = int(u["inskrivna"]), float(u["arbetskraft"])
        k, m = _split(n, SEXES)
        ung = int(n * 0.2)
        bas.append([period, u["lan"], u["kommun"], n, ak, k, ak * 0.47, m, ak * 0.53, ung, ak * 0.12])
        for sex, share in zip(SEXES, (k, m)):
            for age, part in zip(AGES, _split(share, AGES)):
                sok.append([period, sex[0], u["lan"], u["kommun"], age[0], part])
                sok_edu.append([period, sex[0], u["lan"], u["kommun"], age[0], part, "Gymnasial utbildning"])
                sok_born.append([period, sex[0], u["lan"], u["kommun"], age[0], part, "Inrikes född"])
            svag.append([period, sex[0], u["lan"], u["kommun"], int(share * .4), int(share * .25), int(share * .1),
                         int(share * .6), share])
            for area, part in zip(FIELDS_OF_WORK, _split(share, FIELDS_OF_WORK)):
                yrke.append([period, sex[0], area[0], u["lan"], u["kommun"], part])
        tid.append([period, u["lan"], u["kommun"], mask(n), mask(int(n * .4)), mask(int(n * .25)), mask(int(n * .1))])
    title = f"Inskrivna arbetslösa {band} år, {month}"
    shared = {"PERIOD", "LAN", "KOM", "KOEN", "KOMMUN_BESKR", "LAN_BESKR", "ALDGR", "KÖN", "YRKESOMRÅDE",
              "LÄN", "KOMMUN", "UTBILDNING", "FODLGRP"}
    base = ["PERIOD", "KOEN", "LAN", "KOMMUN_BESKR", "ALDGR", "INSAL"]
    spec = {
        "bas": ([Cache(["PERIOD", "LAN", "KOM", "TOTSOK", "TOTAK", "KVISOK", "KVIAK", "MANSOK", "MANAK",
                        "UNGSOK", "UNGAK"], bas, shared)],
                {"andel": [[f"Inskrivna arbetslösa {band} år i procent av arbetskraften (BAS)"], [month]],
                 "Antal": [[title]]}),
        "sok": ([Cache(base + ["UTBILDNING"], sok_edu, shared), Cache(base + ["FODLGRP"], sok_born, shared),
                 Cache(base, sok, shared)], {"Kommun": [[title]]}),
        "tid": ([], {"Total": [[title], [], [], [],
                               ["PERIOD", "LÄN", "KOMMUN", "ARBETSLÖSA", "Utan arbete mer än 6 månader",
                                "Utan arbete mer än 12 månader", "Utan arbete mer än 24 månader"], *tid],
                     "Kön": [[title]]}),
        "svag": ([Cache(["PERIOD", "KOEN", "LAN_BESKR", "KOMMUN_BESKR", "KUA06", "KUA12", "KUA24", "UTSATTA",
                         "SAMTLIGA"], svag, shared)], {"Kommun": [[title]]}),
        "yrke": ([Cache(["PERIOD", "KÖN", "YRKESOMRÅDE", "LÄN", "KOMMUN", "KVAR"], yrke, shared)],
                 {"Kommun": [[title]]}),
    }
    from sources.af import FILES

    for kind, (caches, sheets) in spec.items():
        paths[kind] = write_pivot_workbook(directory / f"{FILES[kind].prefix}-{month}.xlsx", caches, sheets)
    return paths
