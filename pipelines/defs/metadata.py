"""Asset metadata shown to analysts in the UI, built the same way by every asset."""

import dagster as dg
import pandas as pd

from warehouse.core.observations import MergeResult


def preview(frame: pd.DataFrame, empty: str = "inga värden") -> dg.MetadataValue:
    """A markdown table of `frame`, or `empty` when it has no rows."""
    return dg.MetadataValue.md(frame.to_markdown(index=False) if len(frame) else empty)


def merge_metadata(result: MergeResult, row_count: int, rows: pd.DataFrame) -> dict:
    """What a load into an observations table changed, how many rows it holds, a preview."""
    return {
        "new_values": result.inserted,
        "revised_values": result.revised,
        "deleted_values": result.deleted,
        "row_count": row_count,
        "preview": preview(rows),
    }
