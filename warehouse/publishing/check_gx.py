"""The quality rules run by Great Expectations 1.x, in an in-memory (ephemeral) context.

Each frame of a suite is read from DuckDB into pandas and validated as one batch, with GX's
COMPLETE result format: the failing rows are named by the suite's index columns. Used for
small batches (an Arbetsförmedlingen file month); large tables go through check_sql.py,
which gives the same verdicts inside DuckDB (checks.py says why).

GX is imported only when a suite runs here (the import costs seconds and hundreds of MB, and
every code-server load would pay it), and its progress bars are off (reference/dagster.md §9).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb
import pandas as pd

if TYPE_CHECKING:
    from warehouse.publishing.checks import Outcome, Suite


def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    return ctx


def validate(conn: duckdb.DuckDBPyConnection, suite: "Suite", sample_rows: int = 10) -> list["Outcome"]:
    import great_expectations as gx
    import great_expectations.expectations as gxe

    from warehouse.publishing.checks import Outcome

    ctx = _context()
    source = ctx.data_sources.add_pandas(f"malstyrning_{suite.name}")
    found: dict[str, Outcome] = {}
    for frame_name, sql in suite.frames.items():
        rules = [r for r in suite.rules if r.frame == frame_name]
        if not rules:
            continue
        frame = conn.execute(sql).df()
        batch = (source.add_dataframe_asset(frame_name).add_batch_definition_whole_dataframe("alla")
                 .get_batch(batch_parameters={"dataframe": frame}))
        gx_suite = ctx.suites.add(gx.ExpectationSuite(name=f"{suite.name}.{frame_name}"))
        by_id = {}
        for rule in rules:
            by_id[gx_suite.add_expectation(getattr(gxe, rule.expectation)(**rule.kwargs)).id] = rule
        index = [c for c in suite.index.get(frame_name, []) if c in frame.columns]
        result_format = {"result_format": "COMPLETE", "partial_unexpected_count": sample_rows}
        if index:
            result_format["unexpected_index_column_names"] = index
        result = batch.validate(gx_suite, result_format=result_format)
        # GX does not keep the suite's order in its results: match them by expectation id.
        for r in result.results:
            rule = by_id[r.expectation_config.id]
            sample = pd.DataFrame((r.result or {}).get("unexpected_index_list") or [])[:sample_rows]
            found[rule.name] = Outcome(rule, bool(r.success), (r.result or {}).get("unexpected_count"), sample,
                                       (r.result or {}).get("observed_value"))
    return [found[r.name] for r in suite.rules]
