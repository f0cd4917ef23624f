"""Comments (sources/comments.py) into rep.comments: a text that differs from the newest
version of its indicator and period becomes a new version; the same text again adds nothing.
Nothing is overwritten or deleted. An indicator id the catalog does not know is refused, naming
the row, and nothing of the file is loaded."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from warehouse.core.db import transaction


class CommentsError(ValueError):
    pass


def check_known(parsed: pd.DataFrame, known: set[str], name: str) -> None:
    unknown = parsed[~parsed["indikator"].isin(known)]
    if not unknown.empty:
        first = unknown.iloc[0]
        raise CommentsError(f"{name}: rad {first['rad']}, kolumn indikator: {first['indikator']!r} finns inte i katalogen")


def load(conn: duckdb.DuckDBPyConnection, parsed: pd.DataFrame, *, sha: str, received_at: datetime) -> int:
    """Store the file's comments; return how many new versions were written."""
    frame = parsed.rename(columns={"indikator": "indicator_id", "kommentar": "text", "forfattare": "author",
                                   "rad": "file_row"})[["indicator_id", "period", "text", "author", "file_row"]]
    conn.register("incoming_comments", frame)
    try:
        with transaction(conn):
            rows = conn.execute(
                """
                INSERT INTO rep.comments
                SELECT i.indicator_id, i.period, coalesce(c.version, 0) + 1, i.text, i.author, ?, ?, i.file_row
                FROM incoming_comments i
                LEFT JOIN (SELECT indicator_id, period, max(version) AS version,
                                  arg_max(text, version) AS text FROM rep.comments GROUP BY ALL) c
                  USING (indicator_id, period)
                WHERE c.text IS DISTINCT FROM i.text
                RETURNING 1
                """, [received_at, sha]).fetchall()
    finally:
        conn.unregister("incoming_comments")
    return len(rows)
