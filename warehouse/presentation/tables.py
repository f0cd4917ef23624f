"""Rows shared by the terminal and the meeting documents, formatted once."""

from __future__ import annotations

import pandas as pd

from warehouse.presentation.format import fmt_date, fmt_number, fmt_yes


def revision_rows(frame: pd.DataFrame) -> list[dict]:
    """Reported values revised since (rows of ind.kf_revisions_asof), each at its
    indicator's decimals."""
    return [{"namnd": v.namnd, "name": v.name, "period": v.period,
             "reported": fmt_number(v.reported_value, int(v.decimals or 0)),
             "reported_meeting": fmt_date(v.reported_meeting),
             "revised": fmt_number(v.revised_value, int(v.decimals or 0)),
             "due_again": fmt_yes(v.due_again, "ja", "nej (katalogen)")}
            for v in frame.itertuples()]
