"""Declarative automation on the real definitions (pipelines/defs/indicators/automation.py):
after a source partition is loaded, status, due list and snapshot are requested once, and not
again until something new arrives."""

import dagster as dg

from pipelines.definitions import defs as load_defs
from pipelines.defs.indicators.automation import TARGET


def _requested(result) -> set[dg.AssetKey]:
    return {key for key in TARGET if result.get_num_requested(key)}


def test_a_new_kolada_partition_brings_status_due_list_and_snapshot_once():
    defs = load_defs()
    selection = dg.AssetSelection.assets(*TARGET)
    with dg.instance_for_test() as instance:
        assert defs.resolve_job_def("indicators_job").execute_in_process(instance=instance).success
        settled = dg.evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=selection)
        quiet = dg.evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=selection,
                                                  cursor=settled.cursor)
        assert _requested(quiet) == set()  # nothing new: nothing requested
        assert defs.resolve_job_def("kolada_job").execute_in_process(instance=instance, partition_key="2022").success
        after = dg.evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=selection,
                                                  cursor=quiet.cursor)
        assert _requested(after) == set(TARGET)
        again = dg.evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=selection,
                                                  cursor=after.cursor)
        assert _requested(again) == set()  # requested once, not on every tick
