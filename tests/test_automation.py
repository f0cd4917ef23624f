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


def test_a_loaded_inbox_file_brings_the_three_assets_too(tmp_path, monkeypatch):
    from pipelines.defs.files.inbox import inbox_requests, run_status
    from tests.test_pipelines_inbox import GOOD

    inbox = tmp_path / "inkorg"
    inbox.mkdir()
    monkeypatch.setenv("MALSTYRNING_INBOX", str(inbox))
    (inbox / "hr_2025-01.csv").write_text(GOOD, encoding="utf-8")
    defs = load_defs()
    selection = dg.AssetSelection.assets(*TARGET)
    with dg.instance_for_test() as instance:
        assert defs.resolve_job_def("indicators_job").execute_in_process(instance=instance).success
        settled = dg.evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=selection)
        (request,) = inbox_requests(inbox, settle_seconds=0)
        result = defs.resolve_job_def("inbox_job").execute_in_process(instance=instance, run_config=request.run_config)
        assert run_status(result) == "loaded"
        after = dg.evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=selection,
                                                  cursor=settled.cursor)
        assert _requested(after) == set(TARGET)
