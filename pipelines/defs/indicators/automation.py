"""Declarative automation: after a source backfill or a new file, status, the due list and the
snapshot follow without a manual run, in that order, and the due list never lags the data.

Plain `AutomationCondition.eager()` requests nothing here: it waits while any dependency has a
missing partition, and the yearly and monthly sources always have partitions nobody fetched.
Dropping that part (`.without(~any_deps_missing())`) makes the three assets follow any update of
what they read; the snapshot additionally waits until every blocking check of its dependencies
has passed, so a failed check never publishes. Evaluated by `indikator_automation` (running by
default, with the daemon of `make dev`); tested with `evaluate_automation_conditions` on the real
definitions (tests/test_automation.py).
"""

import dagster as dg

from pipelines.deployment import key

FOLLOW_UPDATES = dg.AutomationCondition.eager().without(~dg.AutomationCondition.any_deps_missing()).with_label(
    "följer uppdaterade källor")
PUBLISH_WHEN_CHECKED = (FOLLOW_UPDATES & dg.AutomationCondition.all_deps_blocking_checks_passed()).with_label(
    "följer källorna när deras kontroller gått igenom")

TARGET = [key("ind", "indicator_status"), key("ind", "kf_due_list"), key("pub", "snapshot")]

indikator_automation = dg.AutomationConditionSensorDefinition(
    "indikator_automation", target=dg.AssetSelection.assets(*TARGET), default_status=dg.DefaultSensorStatus.RUNNING,
    description="Räknar om status och KF-lista och publicerar när en källa eller inkorgen har uppdaterats.")
