"""A shared deployment as docs/deployment.md sets it up: the Dagster instance on PostgreSQL
(deploy/dagster.postgres.yaml) in a throw-away cluster of a real server (tests/postgres.py), the
code server, daemon and webserver started by the systemd units' own commands (tests/test_deploy.py,
the location loaded over gRPC), a backfill launched through the webserver's GraphQL API and a
tick of the project's own indicator schedule (its hour moved to every minute with
MALSTYRNING_CRON_INDIKATORER, as a deployment may), both completed, and their runs, events and
tick read back from PostgreSQL.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest
import yaml

from tests.postgres import Cluster
from tests.test_dagster_ui import LOCATION, REPO, Services, run_backfill
from tests.test_deploy import start_units, wait_loaded

POSTGRES_YAML = REPO / "deploy" / "dagster.postgres.yaml"
SCHEDULE = "indicators_nightly_schedule"
SELECTOR = {"repositoryName": "__repository__", "repositoryLocationName": LOCATION, "scheduleName": SCHEDULE}

START_SCHEDULE = """
mutation($selector: ScheduleSelector!) {
  startSchedule(scheduleSelector: $selector) {
    __typename
    ... on ScheduleStateResult { scheduleState { status } }
    ... on PythonError { message }
  }
}"""

SCHEDULE_TICKS = """
query($selector: ScheduleSelector!) {
  scheduleOrError(scheduleSelector: $selector) {
    __typename
    ... on Schedule { scheduleState { status ticks(limit: 10) { status runIds error { message } } } }
  }
}"""

RUN_STATUS = """
query($id: ID!) { runOrError(runId: $id) { __typename ... on Run { status jobName } } }"""


@pytest.fixture(scope="module")
def cluster():
    with tempfile.TemporaryDirectory(prefix="dagster_pg_") as root:
        c = Cluster(Path(root))  # the folder itself: the server's user must reach it
        c.start()
        try:
            yield c
        finally:
            c.stop()


@pytest.fixture(scope="module")
def services(cluster):
    with tempfile.TemporaryDirectory(prefix="dagster_pg_services_") as root:
        s = Services(Path(root), instance=POSTGRES_YAML, env={**cluster.env(), "MALSTYRNING_CRON_INDIKATORER": "* * * * *"})
        start_units(s)
        try:
            wait_loaded(s)
            yield s
        finally:
            s.stop()


def test_the_postgres_instance_is_the_default_one_but_for_its_storage():
    default = yaml.safe_load((REPO / "dagster.yaml").read_text(encoding="utf-8"))
    shared = yaml.safe_load(POSTGRES_YAML.read_text(encoding="utf-8"))
    assert {k: v for k, v in shared.items() if k != "storage"} == {k: v for k, v in default.items() if k != "storage"}
    assert list(default["storage"]) == ["sqlite"]
    # Every connection setting from the environment: no credentials in the file.
    settings = dict(shared["storage"]["postgres"]["postgres_db"])
    assert settings.pop("scheme") == "postgresql+psycopg2"  # the driver dagster-postgres brings
    assert set(settings) == {"hostname", "port", "db_name", "username", "password"}
    assert all(list(v) == ["env"] and v["env"].startswith("DAGSTER_PG_") for v in settings.values()), settings


def test_a_backfill_and_a_schedule_tick_complete_with_the_instance_in_postgres(services, cluster):
    (backfill_run,) = run_backfill(services)["runs"]

    started = services.graphql(START_SCHEDULE, {"selector": SELECTOR})["startSchedule"]
    assert started["__typename"] == "ScheduleStateResult", started
    deadline, tick, status = time.monotonic() + 300, None, None
    while time.monotonic() < deadline:
        state = services.graphql(SCHEDULE_TICKS, {"selector": SELECTOR})["scheduleOrError"]["scheduleState"]
        launched = [t for t in state["ticks"] if t["status"] == "SUCCESS" and t["runIds"]]
        failed = [t for t in state["ticks"] if t["status"] == "FAILURE"]
        assert not failed, (failed, services.log_tail("daemon"))
        if launched:
            tick = launched[-1]
            run = services.graphql(RUN_STATUS, {"id": tick["runIds"][0]})["runOrError"]
            status = run["status"]
            if status in ("SUCCESS", "FAILURE", "CANCELED"):
                break
        time.sleep(3)
    assert tick is not None, ("no tick within 5 minutes", services.log_tail("daemon"))
    assert (run["jobName"], status) == ("indicators_job", "SUCCESS"), services.log_tail("daemon")

    # Read back from PostgreSQL itself: the runs, their events and the tick are stored there,
    # and no SQLite storage was made in DAGSTER_HOME.
    with cluster.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT run_id, status FROM runs")
        runs = dict(cur.fetchall())
        cur.execute("SELECT count(*) FROM event_logs WHERE run_id = %s", [tick["runIds"][0]])
        (events,) = cur.fetchone()
        cur.execute("SELECT count(*) FROM job_ticks WHERE status = 'SUCCESS'")
        (ticks,) = cur.fetchone()
    assert runs[backfill_run["runId"]] == runs[tick["runIds"][0]] == "SUCCESS", runs
    assert events > 10 and ticks >= 1
    assert not list(services.home.rglob("*.db")), list(services.home.rglob("*.db"))
