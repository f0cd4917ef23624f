"""The manual-values file: figures that no machine source gives (Svenskt Näringsliv's
företagsklimat ranking and grade, a survey bought once, a figure from a report), entered by
a person and dropped in the inbox like every export. A project contract, configurable:

    serie;kommun;period;varde;kalla;inmatad_av;lank
    sn_ranking;1882;2024;153;Svenskt Näringsliv, Lokalt företagsklimat 2024, ranking;Anna Controller;https://…

- serie: the series id a catalog indicator or mått reads (query.series of source manuell);
- kommun: a kommunkod of the 290 (sources/kommuner.csv), so peers' figures can be entered too;
- period: a year (2024), a month (2024-03 or 2024M03), a tertial (2024T1), half-year or
  quarter, as the warehouse writes periods;
- varde: a number as Swedish exports write it (decimal comma, spaces, typographic minus);
- kalla: the source in words, shown beside the figure; inmatad_av: who entered it;
- lank: optional, an http(s) link to the publication.

CSV (; , or tab, any of the encodings Excel writes) or XLSX (the first sheet, header in its
first row). Every error names the file, the row and the column, never a cell's content.
A value is corrected by sending the row again with the new value (a new vintage; the old one
stays in the history); the file never removes values.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from sources.csv_export import ContractFileError, decode_text, number, read_table
from sources.jsonstat import period_bounds
from sources.kommuner import LIST as KOMMUN_LIST

XLSX_MAGIC = b"PK\x03\x04"
MONTH_DASH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
SERIES = re.compile(r"^[a-z0-9_]+$")
LINK = re.compile(r"^https?://\S+$")


class ManualFileError(ContractFileError):
    pass


@dataclass(frozen=True)
class ManualContract:
    serie: str = "serie"
    kommun: str = "kommun"
    period: str = "period"
    varde: str = "varde"
    kalla: str = "kalla"
    inmatad_av: str = "inmatad_av"
    lank: str = "lank"  # optional column

    @property
    def required(self) -> list[str]:
        return [self.serie, self.kommun, self.period, self.varde, self.kalla, self.inmatad_av]


def xlsx_text(raw: bytes) -> str:
    """The first sheet of a workbook as ;-separated text (cells as Excel shows them), so the
    personnummer scan and the CSV reader see it like any export."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    try:
        sheet = wb.worksheets[0]
        lines = []
        for row in sheet.iter_rows(values_only=True):
            cells = ["" if c is None else _cell(c) for c in row]
            lines.append(";".join(c.replace(";", ",") for c in cells))
        return "\n".join(lines)
    finally:
        wb.close()


def _cell(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    if hasattr(value, "year") and hasattr(value, "month"):  # a date Excel made of "2024-03"
        return f"{value.year}-{value.month:02d}"
    return str(value)


def period_code(text: str) -> str:
    """The warehouse's code for a period as people write it: 2024-03 → 2024M03."""
    text = text.strip()
    m = MONTH_DASH.match(text)
    if m:
        return f"{m.group(1)}M{m.group(2)}"
    period_bounds(text)  # raises with the accepted forms
    return text


@lru_cache(maxsize=1)
def _kommun_codes() -> frozenset[str]:
    import csv

    with KOMMUN_LIST.open(encoding="utf-8") as f:
        return frozenset(r["kod"] for r in csv.DictReader(f))


def parse_manual(raw: bytes | str, path: str | Path = "<manuella värden>",
                 contract: ManualContract = ManualContract()) -> pd.DataFrame:
    """Rows (serie, kommun, period, period_start, period_end, varde, kalla, inmatad_av, lank).
    Raises ManualFileError naming the file, row and column of the first problem."""
    def fail(message: str):
        raise ManualFileError(path, message)

    text = xlsx_text(raw) if isinstance(raw, bytes) and raw[:4] == XLSX_MAGIC else decode_text(raw)
    header, rows = read_table(text, fail)
    missing = [c for c in contract.required if c not in header]
    if missing:
        fail(f"kolumner saknas: {', '.join(missing)} (kontraktet: {', '.join(contract.required)}, "
             f"valfritt {contract.lank})")
    idx = {c: header.index(c) for c in [*contract.required, contract.lank] if c in header}
    kommuner = _kommun_codes()
    out = []
    for n, row in rows:
        cell = {c: row[i].strip() for c, i in idx.items()}
        where = f"rad {n}, kolumn"
        if not SERIES.fullmatch(cell[contract.serie]):
            fail(f"{where} {contract.serie}: inte ett serie-id (små bokstäver, siffror och _)")
        kommun = cell[contract.kommun].zfill(4) if cell[contract.kommun].isdigit() else cell[contract.kommun]
        if kommun not in kommuner:
            fail(f"{where} {contract.kommun}: inte en av de 290 kommunkoderna")
        try:
            period = period_code(cell[contract.period])
        except ValueError:
            fail(f"{where} {contract.period}: inte en period (t.ex. 2024, 2024-03, 2024T1)")
        try:
            value = number(cell[contract.varde])
        except ValueError:
            fail(f"{where} {contract.varde}: inte ett tal")
        if value != value or value in (float("inf"), float("-inf")):
            fail(f"{where} {contract.varde}: inte ett ändligt tal")
        for col in (contract.kalla, contract.inmatad_av):
            if not cell[col]:
                fail(f"{where} {col}: tomt (varje värde ska ha källa och vem som matade in det)")
        link = cell.get(contract.lank, "")
        if link and not LINK.fullmatch(link):
            fail(f"{where} {contract.lank}: inte en http(s)-länk")
        start, end = period_bounds(period)
        out.append({"serie": cell[contract.serie], "kommun": kommun, "period": period, "period_start": start,
                    "period_end": end, "varde": value, "kalla": cell[contract.kalla],
                    "inmatad_av": cell[contract.inmatad_av], "lank": link or None, "rad": n})
    if not out:
        fail("filen har inga datarader")
    frame = pd.DataFrame(out)
    dup = frame[frame.duplicated(["serie", "kommun", "period"], keep=False)]
    if not dup.empty:
        rows_text = ", ".join(str(r) for r in dup["rad"].tolist()[:5])
        fail(f"rad {rows_text}: samma serie, kommun och period förekommer flera gånger")
    return frame
