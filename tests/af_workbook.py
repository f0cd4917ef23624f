"""CONSTRUCTED Arbetsförmedlingen-style pivot workbooks for tests (no real AF file is available
here). They follow the Office Open XML pivot-cache schema (ECMA-376 Part 1 §18.10) with the field
names documented in reference/arbetsformedlingen.md; they are not AF files."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _item(v) -> str:
    if v is None:
        return "<m/>"
    if isinstance(v, (int, float)):
        return f"<n v={quoteattr(repr(float(v)))}/>"
    return f"<s v={quoteattr(str(v))}/>"


def write_workbook(path: Path, fields: list[str], rows, *, shared: set[str] = frozenset(), heading: str = "") -> Path:
    """`rows` is an iterable of value lists; fields in `shared` are written as <x v> indexes."""
    rows = list(rows) if not hasattr(rows, "__next__") else rows
    shared_items: dict[str, list] = {f: [] for f in shared}
    index: dict[str, dict] = {f: {} for f in shared}
    body_path = path.with_suffix(".records.xml")
    with body_path.open("w", encoding="utf-8") as out:
        out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<pivotCacheRecords xmlns="{NS}">')
        for row in rows:
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
    definition = [f'<?xml version="1.0" encoding="UTF-8"?>\n<pivotCacheDefinition xmlns="{NS}"><cacheFields count="{len(fields)}">']
    for f in fields:
        items = "".join(_item(v) for v in shared_items.get(f, []))
        definition.append(f'<cacheField name={quoteattr(f)} numFmtId="0"><sharedItems>{items}</sharedItems></cacheField>')
    definition.append("</cacheFields></pivotCacheDefinition>")
    # Sheet `andel` with the heading in A1 as a shared string, as Excel writes it.
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="{NS}"><sheetData><row r="1">'
             f'<c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>')
    workbook = (f'<?xml version="1.0" encoding="UTF-8"?>\n<workbook xmlns="{NS}" '
                f'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
                f'<sheet name="andel" sheetId="1" r:id="rId1"/></sheets></workbook>')
    rels = ('<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>')
    strings = f'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="{NS}" count="1"><si><t>{heading}</t></si></sst>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        z.writestr("xl/workbook.xml", workbook)
        z.writestr("xl/_rels/workbook.xml.rels", rels)
        z.writestr("xl/sharedStrings.xml", strings)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        z.writestr("xl/pivotCache/pivotCacheDefinition1.xml", "".join(definition))
        z.write(body_path, "xl/pivotCache/pivotCacheRecords1.xml")
    body_path.unlink()
    return path
