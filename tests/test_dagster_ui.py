"""The Dagster UI, really used: the real dagster-webserver and dagster-daemon on a temporary
DAGSTER_HOME, a backfill launched through the webserver's GraphQL API (the request the
UI's "Materialize" button sends for a partition range), and the asset graph pages rendered
in headless Chromium.

The services take 15-30 s to start on a 2-core machine and the backfill about a minute, so
they are started once for this module.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pytest
import requests

from tests.browser import chromium, free_port, rendered_text
from tests.conftest import FIXED_NOW

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LOCATION = "malstyrning"
YEARS = ["2021", "2022"]
KOLADA_ASSETS = [["raw", "kolada_values"], ["stg", "kolada_observations"]]

LAUNCH_BACKFILL = """
mutation($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message stack }
    ... on PartitionKeysNotFoundError { message }
    ... on UnauthorizedError { message }
  }
}"""

BACKFILL_STATUS = """
query($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    __typename
    ... on PartitionBackfill { status runs { runId status tags { key value } } }
    ... on PythonError { message }
  }
}"""

LOCATION_STATUS = """
{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus
    locationOrLoadError { __typename ... on PythonError { message } } } } } }"""


class Services:
    def __init__(self, root: Path, instance: Path = REPO / "dagster.yaml", env: dict | None = None):
        self.root = root
        self.home = root / "dagster_home"
        self.home.mkdir()
        # The repo's instance file, unchanged: the test exercises the configuration users run.
        shutil.copy(instance, self.home / "dagster.yaml")
        self.workspace = root / "workspace.yaml"
        self.workspace.write_text(
            "load_from:\n"
            "  - python_module:\n"
            "      module_name: pipelines.definitions\n"
            f"      location_name: {LOCATION}\n"
            f"      working_directory: {REPO}\n"
        )
        self.database = root / "warehouse.duckdb"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("MALSTYRNING_")},
            "DAGSTER_HOME": str(self.home),
            "MALSTYRNING_DUCKDB": str(self.database),
            "MALSTYRNING_HTTP_MODE": "replay",
            "MALSTYRNING_NOW": FIXED_NOW,
            "MALSTYRNING_RATELIMIT_DIR": str(root / "ratelimit"),
            **(env or {}),
        }
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self) -> None:
        # As `make dev` does: the instance's storage first, so the webserver and the daemon do
        # not both create it at once (alembic's "more than one head" error, seen here).
        subprocess.run([str(BIN / "dagster"), "instance", "migrate"], cwd=REPO, env=self.env, check=True,
                       capture_output=True)
        # No -h: the webserver's own default host is 127.0.0.1, which the security test
        # below relies on.
        commands = {
            "webserver": [str(BIN / "dagster-webserver"), "-p", str(self.port), "-w", str(self.workspace)],
            "daemon": [str(BIN / "dagster-daemon"), "run", "-w", str(self.workspace)],
        }
        for name, cmd in commands.items():
            log = open(self.root / f"{name}.log", "wb")
            self.procs[name] = subprocess.Popen(
                cmd, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def log_tail(self, name: str, lines: int = 40) -> str:
        text = (self.root / f"{name}.log").read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        r = requests.post(f"{self.url}/graphql", json={"query": query, "variables": variables or {}}, timeout=30)
        r.raise_for_status()
        body = r.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def wait_ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, p in self.procs.items():
                if p.poll() is not None:
                    raise AssertionError(f"{name} exited with {p.returncode}:\n{self.log_tail(name)}")
            try:
                entries = self.graphql(LOCATION_STATUS)["workspaceOrError"]["locationEntries"]
            except (requests.ConnectionError, requests.Timeout):
                entries = []
            loaded = [e for e in entries if e["name"] == LOCATION and e["loadStatus"] == "LOADED"]
            if loaded:
                error = loaded[0]["locationOrLoadError"]
                assert error["__typename"] == "RepositoryLocation", f"code location failed to load: {error}"
                return
            time.sleep(1)
        raise AssertionError(f"webserver not ready after {timeout} s:\n{self.log_tail('webserver')}")

    def stop(self) -> None:
        for p in self.procs.values():
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.procs.values():
            try:
                p.wait(timeout=8)  # the code server can take longer to stop than the test is worth
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


@pytest.fixture(scope="module")
def services():
    with tempfile.TemporaryDirectory(prefix="dagster_ui_") as root:
        s = Services(Path(root))
        s.start()
        try:
            s.wait_ready()
            yield s
        finally:
            s.stop()


def recorded_kolada_values(year: str) -> set[tuple]:
    """(series, breakdown, region, period, value) straight from the bundled replay recording
    of Kolada's answer for the year, read without the project's parser."""
    (path,) = glob.glob(str(REPO / "sources" / "recordings" / "kolada" / f"data_{year}_*.json"))
    body = json.loads(Path(path).read_text(encoding="utf-8"))["response"]["body"]
    return {
        (row["kpi"], v["gender"], row["municipality"], str(row["period"]), v["value"])
        for row in body["values"]
        for v in row["values"]
        if v["value"] is not None
    }


def run_backfill(services: Services) -> dict:
    """Kolada 2021-2022 launched as the UI's "Materialize" does, waited for until it ends."""
    params = {
        "partitionNames": YEARS,
        "assetSelection": [{"path": p} for p in KOLADA_ASSETS],
        "title": "test: Kolada 2021-2022",
    }
    launched = services.graphql(LAUNCH_BACKFILL, {"params": params})["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched

    deadline = time.monotonic() + 420
    while True:
        backfill = services.graphql(BACKFILL_STATUS, {"id": launched["backfillId"]})["partitionBackfillOrError"]
        if backfill["status"] not in ("REQUESTED",) or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert backfill["status"] == "COMPLETED_SUCCESS", (backfill, services.log_tail("daemon"))
    return backfill


def test_a_backfill_of_two_years_launched_through_graphql_fills_the_warehouse(services):
    backfill = run_backfill(services)

    # BackfillPolicy.single_run: one run for the range, asking for both years in each request.
    (run,) = backfill["runs"]
    tags = {t["key"]: t["value"] for t in run["tags"]}
    assert (tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"]) == tuple(YEARS)
    assert run["status"] == "SUCCESS"

    with duckdb.connect(str(services.database), read_only=True) as c:
        stored = {
            (s, b, r, p, v)
            for s, b, r, p, v in c.sql(
                "SELECT series, breakdown, region, period, value FROM stg.kolada_observations WHERE value IS NOT NULL"
            ).fetchall()
        }
        data_urls = [u for (u,) in c.execute("SELECT url FROM raw.kolada_responses WHERE url LIKE '%/data/%'").fetchall()]
    expected = recorded_kolada_values("2021") | recorded_kolada_values("2022")
    assert expected, "the recordings hold values for both years"
    assert stored == expected
    assert len(data_urls) == 1 and "/year/2021,2022?" in data_urls[0]


def test_the_webserver_listens_on_loopback_only(services):
    """Started without -h, as in `make dev`: nothing outside the machine can reach the UI."""
    out = subprocess.run(["ss", "-ltnp"], capture_output=True, text=True).stdout if shutil.which("ss") else ""
    if not out:
        # Fall back to a connection test: the port answers on 127.0.0.1 but not on the
        # machine's other addresses.
        addresses = {a[4][0] for a in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)} - {"127.0.0.1"}
        for address in addresses:
            with socket.socket() as s:
                s.settimeout(2)
                assert s.connect_ex((address, services.port)) != 0, f"UI reachable on {address}"
        return
    listening = [line for line in out.splitlines() if f":{services.port} " in line]
    assert listening and all("127.0.0.1:" in line for line in listening), listening


def test_the_asset_graph_lists_the_projects_assets_in_chromium(services, tmp_path):
    browser = chromium()
    nodes = services.graphql("{ assetNodes { assetKey { path } groupName } }")["assetNodes"]
    groups: dict[str, list[str]] = {}
    for n in nodes:
        groups.setdefault(n["groupName"], []).append(n["assetKey"]["path"][-1])
    assert {"kolada", "scb", "arbetsformedlingen", "indicators", "catalog"} <= set(groups), groups

    for group, names in sorted(groups.items()):
        url = f"{services.url}/locations/{LOCATION}/asset-groups/{group}"
        text = rendered_text(browser, url, tmp_path / f"profile_{group}")
        missing = [n for n in names if n not in text]
        assert not missing, f"{url}: {missing} not on the page; page text: {text[:600]}"
