"""Great Expectations suites (warehouse/publishing/checks.py) as Dagster asset checks, one check per
expectation, each with a sample of its failing rows. All are blocking: a failure stops the
downstream assets of the run, so pub/snapshot (the controllers' copy) is not replaced."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.metadata import preview
from pipelines.defs.policies import DUCKDB_POOL
from pipelines.defs.resources import warehouse
from warehouse.publishing.checks import Suite, indicator_suite, observations_suite, validate


def gx_checks(asset_key: list[str], suite: Suite) -> dg.AssetChecksDefinition:
    specs = [dg.AssetCheckSpec(name=f"gx_{r.name}", asset=asset_key, blocking=True, description=r.description)
             for r in suite.rules]

    @dg.multi_asset_check(specs=specs, name=f"gx_{'_'.join(asset_key)}", pool=DUCKDB_POOL,
                          description=f"GX-kontroller av {suite.name}")
    def _checks(duckdb: DuckDBResource):
        with warehouse(duckdb) as conn:
            outcomes = validate(conn, suite)
        for o in outcomes:
            yield dg.AssetCheckResult(
                asset_key=asset_key, check_name=f"gx_{o.rule.name}", passed=o.success,
                metadata={"expectation": o.rule.expectation, "unexpected_count": int(o.unexpected or 0),
                          "failing_rows": preview(o.sample, "inga"),
                          **({"observed": str(o.observed)[:500]} if o.observed is not None else {})},
            )

    return _checks


kolada_gx = gx_checks(["stg", "kolada_observations"], observations_suite("stg.kolada_observations"))
scb_gx = gx_checks(["stg", "scb_observations"], observations_suite("stg.scb_observations"))
af_gx = gx_checks(["stg", "af_observations"], observations_suite("stg.af_observations"))
indicator_gx = gx_checks(["ind", "indicator_status"], indicator_suite())
