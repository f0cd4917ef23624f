"""The Dagster code location: everything under defs/ is collected by load_from_defs_folder.

Runs use the in-process executor. Every step that opens the warehouse sits in pool "duckdb"
with limit 1 (dagster.yaml), so steps never run in parallel anyway; the multiprocess
executor would only add a fresh Python process per step (about 5 s of imports each on a
2-core server, measured in tests/test_dagster_ui.py's backfill: a two-step partition took
over a minute, almost all of it process start-up and pool waits). Pools still apply in
process (dagster's InstanceConcurrencyContext), and a crashed run process is re-launched
by run_retries in dagster.yaml.
"""

from pathlib import Path

import dagster as dg

from pipelines.deployment import filter_definitions
from pipelines.roles import apply_environment


@dg.components.definitions
def defs() -> dg.Definitions:
    # A deployment with several kommuner: this location's files from the deployment file, and
    # only this role's definitions (pipelines/deployment.py). A single location: everything.
    apply_environment()
    return filter_definitions(dg.Definitions.merge(
        dg.load_from_defs_folder(path_within_project=Path(__file__).parent),
        dg.Definitions(executor=dg.in_process_executor),
    ))
