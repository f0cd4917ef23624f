"""Policies declared once and shared by all assets."""

import os

import dagster as dg

from pipelines.defs.partitions import range_tags
from pipelines.roles import pool_name
from sources.http import http_mode

# Every step that opens the DuckDB file runs in this pool (limit 1 in dagster.yaml), because
# DuckDB allows one writing process and readers lock too (reference/dagster.md §7). A pool is
# one per file: in a deployment with several kommuner each kommun's location has its own
# (default_limit 1 applies to each), so kommuner run side by side, each alone on its file;
# the public location keeps "duckdb" (pipelines/roles.py).
DUCKDB_POOL = pool_name()
OWNERS = ["team:analys"]

# No step-level RetryPolicy on API assets: request-level retries with backoff and
# Retry-After live in sources.http, and a step retry would also re-run errors that no wait
# can fix (a bad KPI id, a missing recording) and delay the message the analyst needs.


def recent_range_request(partitions_def, context: dg.ScheduleEvaluationContext, count: int,
                         prefix: str, tags: dict[str, str] | None = None) -> list[dg.RunRequest]:
    """One run over the last `count` partitions at the tick (the assets take a range in one
    run: one metadata call and one process start instead of one per partition), keyed per day
    so a re-evaluated tick does not launch twice."""
    keys = partitions_def.get_partition_keys(current_time=context.scheduled_execution_time)[-count:]
    day = context.scheduled_execution_time.strftime("%Y-%m-%d")
    return [dg.RunRequest(run_key=f"{prefix}:{keys[0]}-{keys[-1]}:{day}",
                          tags={**(tags or {}), **range_tags(keys[0], keys[-1])})]


CRON_ENV = "MALSTYRNING_CRON_{}"


def cron(name: str, default: str) -> str:
    """The cron of schedule `name` (KOLADA, SCB, INDIKATORER, OFFENTLIG): MALSTYRNING_CRON_<NAME> when set,
    else `default`. A deployment picks its own hours (a shared service staggers its kommuner's
    nights; the tests of docs/deployment.md tick every minute); a bad value stops the code
    location from loading with the variable named, instead of a schedule that never runs."""
    env = CRON_ENV.format(name)
    value = os.environ.get(env, "").strip() or default
    try:
        dg.ScheduleDefinition(name="cron_check", cron_schedule=value, job_name="cron_check")
    except dg.DagsterInvalidDefinitionError as exc:
        raise ValueError(f"{env}={value!r}: inget giltigt cron-uttryck (t.ex. '30 2 * * *'): {exc}") from exc
    return value


def sensor_default_status() -> dg.DefaultSensorStatus:
    """Source-polling sensors follow the schedules: on by default in live mode only."""
    live = http_mode() == "live"
    return dg.DefaultSensorStatus.RUNNING if live else dg.DefaultSensorStatus.STOPPED


def schedule_default_status() -> dg.DefaultScheduleStatus:
    """Schedules start switched on in live mode only.

    In replay mode the recordings never change and cover only the years recorded, so a
    nightly run would re-read the same bytes or fail on a year without recordings; an
    analyst can still switch a schedule on in the UI.
    """
    live = http_mode() == "live"
    return dg.DefaultScheduleStatus.RUNNING if live else dg.DefaultScheduleStatus.STOPPED
