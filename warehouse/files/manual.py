"""Manual values (sources/manual.py) into the warehouse: observations of source 'manuell' in
stg.file_observations (breakdown 'T'), merged with vintages, and their notes (source text,
who entered it, link) in stg.manual_value_notes, in one transaction.

A file only adds or revises: it never retires a value it does not mention (a file with this
year's ranking must not delete last year's). A series no catalog indicator or mått reads is
refused, naming the row: a typo would otherwise load figures nobody sees.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from warehouse.core.db import transaction
from warehouse.core.observations import COLUMNS, merge_observations

SOURCE = "manuell"
EXTRA = ["period_start", "file_sha256"]


class ManualValuesError(ValueError):
    pass


def known_series(conn: duckdb.DuckDBPyConnection) -> set[str]:
    return {s for (s,) in conn.execute("SELECT DISTINCT series FROM cfg.indicators WHERE source = ?", [SOURCE]).fetchall()}


def series_frame(parsed: pd.DataFrame, *, known: set[str], name: str, fetched_at: datetime, sha: str) -> pd.DataFrame:
    unknown = parsed[~parsed["serie"].isin(known)]
    if not unknown.empty:
        first = unknown.iloc[0]
        raise ManualValuesError(
            f"{name}: rad {first['rad']}, kolumn serie: ingen indikator eller mått i katalogen läser serien "
            f"{first['serie']!r} (kända: {', '.join(sorted(known)) or 'inga'})")
    frame = pd.DataFrame({
        "series": parsed["serie"], "breakdown": "T", "region": parsed["kommun"], "period": parsed["period"],
        "period_start": parsed["period_start"], "period_end": parsed["period_end"], "value": parsed["varde"],
        "status": "", "is_deleted": False, "fetched_at": fetched_at, "response_id": None, "file_sha256": sha,
    })
    return frame[[*COLUMNS, *EXTRA]]


def load(conn: duckdb.DuckDBPyConnection, parsed: pd.DataFrame, frame: pd.DataFrame, fetched_at: datetime, sha: str):
    """Merge the figures (no retirement) and record their notes; all or nothing."""
    notes = pd.DataFrame({"file_sha256": sha, "series": parsed["serie"], "region": parsed["kommun"],
                          "period": parsed["period"], "kalla": parsed["kalla"], "inmatad_av": parsed["inmatad_av"],
                          "lank": parsed["lank"], "file_row": parsed["rad"]})
    conn.register("incoming_manual_notes", notes)
    try:
        with transaction(conn):
            result = merge_observations(conn, "stg.file_observations", SOURCE, frame, None, extra=EXTRA,
                                        transaction=False)
            conn.execute("INSERT OR REPLACE INTO stg.manual_value_notes BY NAME SELECT * FROM incoming_manual_notes")
    finally:
        conn.unregister("incoming_manual_notes")
    return result
