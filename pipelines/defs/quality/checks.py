"""The quality rules (warehouse/publishing/checks.py) as Dagster asset checks: one check per rule,
each with a sample of its failing rows. All are blocking: a failure stops the downstream
assets of the run, so pub/snapshot (the controllers' copy) is not replaced.

The checks of a partitioned source read what the run loaded: the rows of the run's partitions
(one year of a nightly Kolada run, not the 25 years before it). Kolada, SCB and the indicator
tables run as SQL inside DuckDB; Arbetsförmedlingen's month, a small batch, runs in Great
Expectations itself. The check names keep the `gx_` prefix of the GX expectation each rule is,
whichever engine runs it (the metadata says which), so their history in the UI goes on.
"""

from typing import Callable

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.metadata import preview
from pipelines.defs.partitions import af_monthly_partition, scb_yearly_partition, yearly_partition
from pipelines.deployment import key
from pipelines.defs.policies import DUCKDB_POOL
from pipelines.defs.resources import warehouse
from warehouse.publishing.checks import Suite, indicator_suite, observations_suite, scope_for, validate
from warehouse.publishing.snapshot import fingerprint, record_passed

ENGINE_LABEL = {"sql": "DuckDB SQL (en genomläsning)", "gx": "Great Expectations (pandas)"}
RANGE_START, RANGE_END, PARTITION = ("dagster/asset_partition_range_start", "dagster/asset_partition_range_end",
                                     "dagster/partition")


def run_partition_keys(tags: dict, partitions_def: dg.PartitionsDefinition | None) -> list[str] | None:
    """The partitions a run materialised, from its tags (one partition, or a single-run
    backfill's range); None for a run without partitions."""
    if partitions_def is None:
        return None
    if tags.get(RANGE_START) and tags.get(RANGE_END):
        return list(partitions_def.get_partition_keys_in_range(dg.PartitionKeyRange(tags[RANGE_START], tags[RANGE_END])))
    if tags.get(PARTITION):
        return [tags[PARTITION]]
    return None


def rule_checks(asset_key: list[str], suite: Callable[[str], Suite], engine: str = "sql",
                partitions_def: dg.PartitionsDefinition | None = None,
                whole: bool = False) -> dg.AssetChecksDefinition:
    """One blocking check per rule of `suite(where)`; `where` limits it to the run's partitions.
    `whole`: the suite is one the publication gate runs as it is here (the indicator tables),
    so a pass is recorded for the gate (warehouse/publishing/snapshot.py record_passed)."""
    rules = suite("TRUE").rules
    specs = [dg.AssetCheckSpec(name=f"gx_{r.name}", asset=asset_key, blocking=True, description=r.description)
             for r in rules]

    @dg.multi_asset_check(specs=specs, name=f"kvalitet_{'_'.join(asset_key)}", pool=DUCKDB_POOL,
                          description=f"Kvalitetsregler för {suite('TRUE').name} ({ENGINE_LABEL[engine]})")
    def _checks(context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource):
        keys = run_partition_keys(context.run.tags, partitions_def)
        where = scope_for(keys)
        with warehouse(duckdb) as conn:
            outcomes = validate(conn, suite(where), engine=engine)
            if whole and keys is None and all(o.success for o in outcomes):
                # The gate before publication need not run these again on the same data.
                record_passed(conn, suite(where).name, fingerprint(conn))
        scope = ("hela tabellen" if keys is None else
                 f"körningens partitioner {keys[0]}–{keys[-1]}" if len(keys) > 1 else f"partition {keys[0]}")
        for o in outcomes:
            yield dg.AssetCheckResult(
                asset_key=asset_key, check_name=f"gx_{o.rule.name}", passed=o.success,
                metadata={"expectation": o.rule.expectation, "motor": ENGINE_LABEL[engine], "urval": scope,
                          "unexpected_count": int(o.unexpected or 0),
                          "failing_rows": preview(o.sample, "inga"),
                          **({"observed": str(o.observed)[:500]} if o.observed is not None else {})},
            )

    return _checks


def _observations(table: str) -> Callable[[str], Suite]:
    return lambda where: observations_suite(table, where)


kolada_rules = rule_checks(["stg", "kolada_observations"], _observations("stg.kolada_observations"),
                           partitions_def=yearly_partition)
scb_rules = rule_checks(["stg", "scb_observations"], _observations("stg.scb_observations"),
                        partitions_def=scb_yearly_partition)
af_rules = rule_checks(["stg", "af_observations"], _observations("stg.af_observations"), engine="gx",
                       partitions_def=af_monthly_partition)
indicator_rules = rule_checks(key("ind", "indicator_status").path, lambda _where: indicator_suite(), whole=True)
