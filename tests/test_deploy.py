"""deploy/: the systemd units' commands as written, and the deployment's own nightly hours.

`start_units` runs the three units' ExecStart lines (paths mapped from /opt/malstyrning to this
checkout, ports to free ones): the code server serves the definitions over gRPC and the
webserver and the daemon load them through deploy/workspace.yaml. tests/test_dagster_postgres.py
starts the deployment that way, on the PostgreSQL instance, and runs a backfill and a schedule
tick through it.
"""

from __future__ import annotations

import configparser
import shlex
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.browser import free_port
from tests.test_dagster_ui import BIN, LOCATION, LOCATION_STATUS, REPO, Services

UNITS = REPO / "deploy" / "systemd"


def exec_start(unit: str) -> list[str]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read(UNITS / unit, encoding="utf-8")
    return shlex.split(parser["Service"]["ExecStart"])


def start_units(services: Services) -> None:
    """The code server, the daemon and the webserver of deploy/systemd, as systemd starts them."""
    grpc, web = free_port(), free_port()
    services.port, services.url = web, f"http://127.0.0.1:{web}"
    workspace = services.root / "deploy_workspace.yaml"  # deploy/workspace.yaml with the free port
    text = (REPO / "deploy" / "workspace.yaml").read_text(encoding="utf-8")
    assert "grpc_server" in text and "port: 4266" in text
    workspace.write_text(text.replace("port: 4266", f"port: {grpc}"), encoding="utf-8")
    ports = {"4266": str(grpc), "3000": str(web)}
    subprocess.run([str(BIN / "dagster"), "instance", "migrate"], cwd=REPO, env=services.env, check=True,
                   capture_output=True)
    for name in ("code", "daemon", "webserver"):
        cmd = []
        for arg in exec_start(f"malstyrning-{name}.service"):
            arg = arg.replace("/opt/malstyrning/.venv/bin", str(BIN))
            cmd.append(str(workspace) if arg.endswith("deploy/workspace.yaml") else ports.get(arg, arg))
        log = open(services.root / f"{name}.log", "wb")
        services.procs[name] = subprocess.Popen(cmd, cwd=REPO, env=services.env, stdout=log,
                                                stderr=subprocess.STDOUT, start_new_session=True)


def wait_loaded(services: Services, timeout: float = 180) -> None:
    """Until the webserver has the location from the code server. systemd orders the starts but
    does not wait for the code server to listen: the webserver must come to it once it does."""
    deadline, state = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        for name, p in services.procs.items():
            assert p.poll() is None, f"{name} exited with {p.returncode}:\n{services.log_tail(name)}"
        try:
            entries = services.graphql(LOCATION_STATUS)["workspaceOrError"]["locationEntries"]
        except (requests.ConnectionError, requests.Timeout):
            entries = []
        state = next((e for e in entries if e["name"] == LOCATION), None)
        if state and (state["locationOrLoadError"] or {}).get("__typename") == "RepositoryLocation":
            return
        time.sleep(1)
    raise AssertionError((state, services.log_tail("webserver"), services.log_tail("code")))


def test_a_deployment_moves_the_nightly_hours_and_a_bad_cron_is_named(monkeypatch):
    from pipelines.defs.policies import cron

    monkeypatch.setenv("MALSTYRNING_CRON_KOLADA", "15 1 * * *")
    assert cron("KOLADA", "30 2 * * *") == "15 1 * * *"
    monkeypatch.delenv("MALSTYRNING_CRON_KOLADA")
    assert cron("KOLADA", "30 2 * * *") == "30 2 * * *"
    monkeypatch.setenv("MALSTYRNING_CRON_SCB", "61 3 * * *")
    with pytest.raises(ValueError, match=r"MALSTYRNING_CRON_SCB='61 3 \* \* \*': inget giltigt cron-uttryck"):
        cron("SCB", "0 3 * * *")


def test_the_units_run_as_the_service_user_in_the_installed_checkout():
    for name in ("code", "daemon", "webserver"):
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        parser.read(UNITS / f"malstyrning-{name}.service", encoding="utf-8")
        service = parser["Service"]
        assert (service["User"], service["WorkingDirectory"]) == ("malstyrning", "/opt/malstyrning")
        assert service["EnvironmentFile"] == "/etc/malstyrning/malstyrning.env"
    env = (UNITS / "malstyrning.env.example").read_text(encoding="utf-8")
    assert all(f"{v}=" in env for v in ("DAGSTER_HOME", "MALSTYRNING_DUCKDB", "DAGSTER_PG_PASSWORD"))
    assert Path(REPO / "deploy" / "dagster.postgres.yaml").exists()
