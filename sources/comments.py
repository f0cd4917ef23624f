"""The comment file: the förvaltning's analysis of an indicator's value, per indicator and
period, dropped in the inbox (one file per nämnd and meeting is the usual way). A project
contract, configurable:

    indikator;period;kommentar;forfattare
    gastnatter;2022;Ökningen följer den nya campingen vid Vättern.;Anna Andersson

- indikator: the catalog id of the indicator (or KF mått);
- period: the period the comment is about, as the warehouse writes it (2022, 2025-10 or
  2025M10, 2026T1);
- kommentar: the text (quoted by the CSV rules when it holds the delimiter or line breaks);
- forfattare: who wrote it.

CSV with ; , or tab in any encoding Excel writes, or XLSX (first sheet). Every error names
the file, the row and the column, never the text.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sources.csv_export import ContractFileError, decode_text, read_table
from sources.manual import XLSX_MAGIC, period_code, xlsx_text

COLUMNS = ["indikator", "period", "kommentar", "forfattare"]


class CommentFileError(ContractFileError):
    pass


def parse_comments(raw: bytes | str, path: str | Path = "<kommentarer>") -> pd.DataFrame:
    """Rows (indikator, period, kommentar, forfattare, rad)."""
    def fail(message: str):
        raise CommentFileError(path, message)

    text = xlsx_text(raw) if isinstance(raw, bytes) and raw[:4] == XLSX_MAGIC else decode_text(raw)
    header, rows = read_table(text, fail)
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        fail(f"kolumner saknas: {', '.join(missing)} (kontraktet: {', '.join(COLUMNS)})")
    idx = {c: header.index(c) for c in COLUMNS}
    out = []
    for n, row in rows:
        cell = {c: row[i].strip() for c, i in idx.items()}
        for col in COLUMNS:
            if not cell[col]:
                fail(f"rad {n}, kolumn {col}: tomt")
        try:
            cell["period"] = period_code(cell["period"])
        except ValueError:
            fail(f"rad {n}, kolumn period: inte en period (t.ex. 2024, 2024-03, 2024T1)")
        out.append({**cell, "rad": n})
    if not out:
        fail("filen har inga datarader")
    frame = pd.DataFrame(out)
    dup = frame[frame.duplicated(["indikator", "period"], keep=False)]
    if not dup.empty:
        fail(f"rad {', '.join(str(r) for r in dup['rad'].tolist()[:5])}: samma indikator och period förekommer flera gånger")
    return frame
