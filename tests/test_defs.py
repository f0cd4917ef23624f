"""The real Definitions load, with the assets, jobs and schedules analysts rely on."""

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from pipelines.definitions import defs as load_defs


def test_definitions_load_with_expected_keys():
    defs = load_defs()
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert keys == {
        "raw/kolada_values", "stg/kolada_observations", "raw/kolada_kpi",
        "cfg/indicator_catalog", "ind/indicator_status", "ind/kf_due_list",
        "raw/scb_values", "stg/scb_observations", "raw/af_files", "stg/af_observations", "pub/snapshot", "pub/webb",
        "stg/file_observations",
    }
    jobs = {j.name for j in defs.resolve_all_job_defs()}
    assert {"kolada_job", "scb_job", "af_job", "indicators_job", "mark_kf_reported_job", "kf_report_job",
            "bokslut_job"} <= jobs
    sensor = next(s for s in defs.sensors if s.name == "af_publication_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED  # replay mode
    schedules = {s.name: s for s in defs.schedules}
    assert set(schedules) == {"kolada_nightly_schedule", "scb_nightly_schedule", "indicators_nightly_schedule"}
    for s in schedules.values():
        assert s.execution_timezone == "Europe/Stockholm"
        assert s.default_status == dg.DefaultScheduleStatus.STOPPED  # replay mode


def test_schedules_start_switched_on_in_live_mode(monkeypatch):
    monkeypatch.setenv("MALSTYRNING_HTTP_MODE", "live")
    import importlib

    import pipelines.defs.indicators.schedules as ind_schedules
    import pipelines.defs.kolada.schedules as kolada_schedules
    import pipelines.defs.scb.schedules as scb_schedules

    for module in (ind_schedules, kolada_schedules, scb_schedules):
        module = importlib.reload(module)
        schedule = next(v for v in vars(module).values() if isinstance(v, dg.ScheduleDefinition))
        assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    monkeypatch.setenv("MALSTYRNING_HTTP_MODE", "replay")
    for module in (ind_schedules, kolada_schedules, scb_schedules):
        importlib.reload(module)


def test_every_duckdb_asset_is_in_the_duckdb_pool():
    defs = load_defs()
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert "duckdb" in node.kinds
        assert node.pools == {"duckdb"}, key


def test_kolada_values_is_yearly_partitioned_in_stockholm_time():
    defs = load_defs()
    node = defs.resolve_asset_graph().get(dg.AssetKey(["raw", "kolada_values"]))
    keys = node.partitions_def.get_partition_keys(current_time=datetime(2026, 11, 26, tzinfo=ZoneInfo("Europe/Stockholm")))
    assert keys[0] == "2010" and keys[-1] == "2025"
    assert node.partitions_def.timezone == "Europe/Stockholm"


def tick(name: str, hour: int, minute: int) -> list:
    """The run requests of a schedule's tick on 26 November 2026 at hour:minute, Stockholm time."""
    defs = load_defs()
    when = datetime(2026, 11, 26, hour, minute, tzinfo=ZoneInfo("Europe/Stockholm"))
    # The context is closed before the instance: a context left open holds a weakref to the
    # closed test instance that later runs in this process would trip over.
    with dg.instance_for_test() as instance:
        with dg.build_schedule_context(instance=instance, scheduled_execution_time=when,
                                       repository_def=defs.get_repository_def()) as context:
            return defs.resolve_schedule_def(name).evaluate_tick(context).run_requests


def test_nightly_schedule_refreshes_the_last_three_years():
    run_requests = tick("kolada_nightly_schedule", 2, 30)
    # One run over the three years: one metadata call and one process, not three.
    assert len(run_requests) == 1
    tags = run_requests[0].tags
    assert (tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"]) == ("2023", "2025")
    # Tagged nightly: the run reads the release information before any data request.
    assert tags.get("malstyrning/nightly") == "1" and run_requests[0].run_key.endswith(":2026-11-26")


def test_scb_nightly_checks_the_current_and_previous_year():
    run_requests = tick("scb_nightly_schedule", 3, 0)
    assert len(run_requests) == 1
    tags = run_requests[0].tags
    assert (tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"]) == ("2025", "2026")


def test_af_is_monthly_from_the_first_bas_month_to_the_last_complete_month():
    defs = load_defs()
    node = defs.resolve_asset_graph().get(dg.AssetKey(["raw", "af_files"]))
    keys = node.partitions_def.get_partition_keys(current_time=datetime(2026, 11, 27, tzinfo=ZoneInfo("Europe/Stockholm")))
    assert keys[0] == "2023-01" and keys[-1] == "2026-10"


def test_every_step_of_the_indicators_job_is_upstream_of_the_publication():
    # Dagster skips a step whose upstream steps failed: so a failed step of the job (an unknown
    # KPI, a broken catalog) can never be followed by a publication in the same run.
    defs = load_defs()
    job = defs.resolve_job_def("indicators_job")
    graph = defs.resolve_asset_graph()
    snapshot = dg.AssetKey(["pub", "snapshot"])
    in_job = {key for key in job.asset_layer.executable_asset_keys} - {snapshot}
    assert in_job and in_job <= graph.get(snapshot).parent_keys | {
        k for p in graph.get(snapshot).parent_keys for k in graph.upstream_key_iterator(p)}


def test_the_instance_queues_runs_on_the_duckdb_pool(tmp_path, monkeypatch):
    # The repo's dagster.yaml as Dagster reads it: one run at a time that writes the warehouse
    # (pool limit 1 at run granularity), the others wait in the queue rather than mid-run.
    import shutil

    from dagster._core.instance import DagsterInstance

    shutil.copy(Path(__file__).resolve().parents[1] / "dagster.yaml", tmp_path / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    instance = DagsterInstance.get()
    try:
        pools = instance.get_concurrency_config().pool_config
        assert (pools.pool_granularity.value, pools.default_pool_limit) == ("run", 1)
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
    finally:
        instance.dispose()


def test_the_single_location_is_the_folder_as_it_is():
    """Without MALSTYRNING_ROLL nothing is filtered (pipelines/deployment.py) and nothing of the
    deployment roles is defined: their public snapshot and import exist only in those roles."""
    defs = load_defs().get_repository_def()
    whole = dg.load_from_defs_folder(path_within_project=Path(__file__).resolve().parents[1] / "pipelines"
                                     ).get_repository_def()
    assert whole.asset_graph.get_all_asset_keys() == defs.asset_graph.get_all_asset_keys()
    assert {j.name for j in whole.get_all_jobs()} == {j.name for j in defs.get_all_jobs()}
    assert {s.name for s in whole.sensor_defs} == {s.name for s in defs.sensor_defs}
    assert {s.name for s in whole.schedule_defs} == {s.name for s in defs.schedule_defs}
    groups = {defs.asset_graph.get(k).group_name for k in defs.asset_graph.get_all_asset_keys()}
    assert not groups & {"offentlig", "offentlig_import"}
    assert not {"offentlig_job", "offentlig_nightly_schedule", "offentlig_automation"} & (
        {j.name for j in defs.get_all_jobs()} | {s.name for s in defs.schedule_defs} | {s.name for s in defs.sensor_defs})
