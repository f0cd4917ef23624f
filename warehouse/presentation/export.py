"""Export a controller view to CSV or XLSX (`indikator export`): the rapport.* views (and the
stable ind.* views) as Swedish Excel expects them: CSV with semicolons, decimal comma and a
BOM (Excel's own "CSV UTF-8"), or a workbook with numbers as numbers."""

from __future__ import annotations

from pathlib import Path

import duckdb


class ExportError(ValueError):
    pass


def exportable(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """The views that can be exported: every view of the schemas rapport and ind."""
    return [f"{s}.{v}" for s, v in conn.execute(
        "SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal AND database_name = current_database() "
        "AND schema_name IN ('rapport', 'ind') ORDER BY schema_name = 'ind', schema_name, view_name").fetchall()]


def export_view(conn: duckdb.DuckDBPyConnection, view: str, out: Path) -> int:
    """Write `view` to `out` (.csv or .xlsx); return the number of rows."""
    names = exportable(conn)
    if view not in names:
        raise ExportError(f"okänd vy {view!r}; välj en av: {', '.join(names)}")
    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise ExportError(f"{out}: filändelsen ska vara .csv eller .xlsx")
    frame = conn.execute(f"SELECT * FROM {view}").df()  # the name is one of the listed views
    for col in frame.select_dtypes(include=["datetimetz"]).columns:
        frame[col] = frame[col].dt.tz_convert("Europe/Stockholm").dt.tz_localize(None)  # Excel has no time zones
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".csv":
        frame.to_csv(out, sep=";", decimal=",", index=False, encoding="utf-8-sig")
    else:
        frame.to_excel(out, index=False, sheet_name=view.split(".")[1][:31])
    return len(frame)
