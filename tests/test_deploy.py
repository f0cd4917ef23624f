"""deploy/: the systemd units' commands, run as written (paths mapped from /opt/malstyrning to this
checkout, the port of each moved to a free one): the code server serves the definitions over
gRPC and the webserver and the daemon load them through deploy/workspace.yaml."""

from __future__ import annotations

import configparser
import shlex
import subprocess
import tempfile
import time
from pathlib import Path

import requests

from tests.browser import free_port
from tests.test_dagster_ui import BIN, LOCATION, LOCATION_STATUS, REPO, Services

UNITS = REPO / "deploy" / "systemd"


def exec_start(unit: str) -> list[str]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read(UNITS / unit, encoding="utf-8")
    return shlex.split(parser["Service"]["ExecStart"])


def mapped(cmd: list[str], ports: dict[str, int], workspace: Path) -> list[str]:
    out = []
    for arg in cmd:
        arg = arg.replace("/opt/malstyrning/.venv/bin", str(BIN))
        if arg.endswith("deploy/workspace.yaml"):
            arg = str(workspace)
        out.append(ports.get(arg, arg))
    return out


def test_the_units_commands_serve_the_code_location_to_the_webserver_and_daemon():
    grpc, web = free_port(), free_port()
    with tempfile.TemporaryDirectory(prefix="deploy_") as root:
        services = Services(Path(root))
        services.port, services.url = web, f"http://127.0.0.1:{web}"
        workspace = Path(root) / "deploy_workspace.yaml"  # deploy/workspace.yaml with the free port
        workspace.write_text((REPO / "deploy" / "workspace.yaml").read_text(encoding="utf-8")
                             .replace("port: 4266", f"port: {grpc}"), encoding="utf-8")
        ports = {"4266": str(grpc), "3000": str(web)}
        subprocess.run([str(BIN / "dagster"), "instance", "migrate"], cwd=REPO, env=services.env, check=True,
                       capture_output=True)
        for name in ("code", "daemon", "webserver"):
            cmd = mapped(exec_start(f"malstyrning-{name}.service"), ports, workspace)
            log = open(Path(root) / f"{name}.log", "wb")
            services.procs[name] = subprocess.Popen(cmd, cwd=REPO, env=services.env, stdout=log,
                                                    stderr=subprocess.STDOUT, start_new_session=True)
        try:
            # systemd orders the starts but does not wait for the code server to listen: the
            # webserver must come to the location once it does (it watches the server).
            deadline, state = time.monotonic() + 120, None
            while time.monotonic() < deadline:
                try:
                    entries = services.graphql(LOCATION_STATUS)["workspaceOrError"]["locationEntries"]
                except (requests.ConnectionError, requests.Timeout):
                    entries = []
                state = next((e for e in entries if e["name"] == LOCATION), None)
                if state and state["locationOrLoadError"] and state["locationOrLoadError"]["__typename"] == "RepositoryLocation":
                    break
                time.sleep(1)
            assert state and state["locationOrLoadError"]["__typename"] == "RepositoryLocation", (
                state, services.log_tail("webserver"), services.log_tail("code"))
            assert "grpc" in (REPO / "deploy" / "workspace.yaml").read_text()
            assert services.procs["daemon"].poll() is None, services.log_tail("daemon")
        finally:
            services.stop()


def test_a_deployment_moves_the_nightly_hours_and_a_bad_cron_is_named(monkeypatch):
    import pytest

    from pipelines.defs.policies import cron

    monkeypatch.setenv("MALSTYRNING_CRON_KOLADA", "15 1 * * *")
    assert cron("KOLADA", "30 2 * * *") == "15 1 * * *"
    monkeypatch.delenv("MALSTYRNING_CRON_KOLADA")
    assert cron("KOLADA", "30 2 * * *") == "30 2 * * *"
    monkeypatch.setenv("MALSTYRNING_CRON_SCB", "61 3 * * *")
    with pytest.raises(ValueError, match=r"MALSTYRNING_CRON_SCB='61 3 \* \* \*': inget giltigt cron-uttryck"):
        cron("SCB", "0 3 * * *")
