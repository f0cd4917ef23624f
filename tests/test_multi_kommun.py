"""Two kommuner in one deployment (docs/deployment.md, "Several kommuner"): the public statistics
fetched once by the public location, each kommun importing its share into its own file, with its
own internal files, snapshot, report and site; nothing internal of one kommun in the other's
outputs, and nothing internal at all in the public snapshot.

Everything runs as an operator would run it: `indikator` in subprocesses with the deployment's
environment (MALSTYRNING_ROLL, MALSTYRNING_DRIFT, MALSTYRNING_KOMMUN), on replayed recordings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from tests.multi_kommun import make_deployment

ROOT = Path(__file__).resolve().parents[1]
A, B = "1882", "1471"  # Askersund and Götene
# Internal figures only one kommun has: a forecast and a comment (constructed, for the test).
PROGNOS = {A: "-13,7", B: "-37,3"}


def shown(kod: str) -> str:
    """The forecast as reports and the site show it (a real minus sign, the unit after)."""
    return PROGNOS[kod].replace("-", "\N{MINUS SIGN}") + " mnkr"

MARK = {A: "KOMMENTAR-ASKERSUND-INTERN", B: "KOMMENTAR-GOTENE-INTERN"}


def _env(role: str | None, drift: Path, kod: str | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MALSTYRNING_", "DAGSTER_HOME"))}
    env.update(MALSTYRNING_ROLL=role or "", MALSTYRNING_DRIFT=str(drift), MALSTYRNING_HTTP_MODE="replay",
               COLUMNS="120")
    if kod:
        env["MALSTYRNING_KOMMUN"] = kod
    return env


def _indikator(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "pipelines.cli", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    if check:
        assert proc.returncode == 0, f"indikator {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def _drop_internal_files(inbox: Path, kod: str) -> None:
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "prognos_2025-10.csv").write_text(
        "period;forvaltning;prognos_arets_resultat_mnkr;budget_arets_resultat_mnkr\n"
        f"2025-10;Barn- och utbildningsförvaltningen;{PROGNOS[kod]};0,0\n", encoding="utf-8")
    (inbox / "kommentarer_socialnamnden.csv").write_text(
        "indikator;period;kommentar;forfattare\n"
        f'gastnatter;2022;"{MARK[kod]}: förvaltningens analys (konstruerad för testet)";Testare\n', encoding="utf-8")


def _text_of(folder: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted(folder.rglob("*"))
                     if p.is_file() and p.suffix in (".html", ".csv", ".json", ".txt", ".js"))


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    root = tmp_path_factory.mktemp("drift")
    drift = make_deployment(root, [A, B])
    public = _indikator(_env("offentlig", drift), "refresh", "--years", "2021-2022")
    meeting = yaml.safe_load((ROOT / "indicator_catalog" / "kf_calendar.yaml").read_text(encoding="utf-8"))
    meeting = str(meeting["meetings"][-1]["datum"])
    out = {"root": root, "drift": drift, "public": public.stdout}
    for kod in (A, B):
        _drop_internal_files(root / "kommuner" / kod / "inkorg", kod)
        env = _env("kommun", drift, kod)
        out[kod] = _indikator(env, "refresh").stdout
        _indikator(env, "report", meeting, "--out", str(root / "kommuner" / kod / "rapporter"))
        _indikator(env, "webb")
    return out


def _snapshot(root: Path, *parts: str) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(root.joinpath(*parts)), read_only=True)


def test_the_public_statistics_are_fetched_once_for_both(deployment):
    root = deployment["root"]
    with _snapshot(root, "offentlig", "malstyrning.publicerad.duckdb") as conn:
        fetches = conn.execute("SELECT partition_key, municipalities FROM raw.kolada_fetches ORDER BY 1").fetchall()
        # One fetch per year, asking for both kommuner (and the comparison group) at once.
        assert [k for k, _ in fetches] == ["2021", "2022"]
        assert all({A, B} <= set(m) for _, m in fetches)
        assert conn.execute("SELECT count(*) FROM stg.kolada_observations WHERE region = ?", [B]).fetchone()[0] > 0
    for kod in (A, B):
        with _snapshot(root, "kommuner", kod, "malstyrning.publicerad.duckdb") as conn:
            # The kommun fetched nothing itself: its fetch records are the public location's.
            assert conn.execute("SELECT partition_key FROM raw.kolada_fetches ORDER BY 1").fetchall() == \
                [(k,) for k, _ in fetches]
            imported = conn.execute("SELECT row_counts FROM meta.public_import").fetchall()
            assert len(imported) == 1 and json.loads(imported[0][0])["stg.kolada_observations"] > 0
            assert conn.execute("SELECT kommun FROM cfg.settings").fetchone()[0] == kod


def test_each_kommun_has_its_own_figures_and_snapshot(deployment):
    root = deployment["root"]
    values = {}
    for kod in (A, B):
        with _snapshot(root, "kommuner", kod, "malstyrning.publicerad.duckdb") as conn:
            values[kod] = conn.execute(
                "SELECT aktuellt_varde FROM ind.indicator_status WHERE indicator_id = 'prognosticerat_resultat'").fetchone()
            # Its own Kolada figure comes from the shared fetch: Götene's own gästnätter, not Askersund's.
            values[kod] += conn.execute("SELECT region FROM ind.indicator_status WHERE indicator_id = 'gastnatter'"
                                        ).fetchone()
    assert values[A] == (-13.7, A) and values[B] == (-37.3, B)
    # A different catalog: Götene's önskade värden are its own.
    with _snapshot(root, "kommuner", A, "malstyrning.publicerad.duckdb") as a, \
            _snapshot(root, "kommuner", B, "malstyrning.publicerad.duckdb") as b:
        target = "SELECT onskat_varde FROM cfg.indicators WHERE indicator_id = 'gastnatter'"
        assert b.execute(target).fetchone()[0] == a.execute(target).fetchone()[0] + 1


def test_no_kommun_sees_the_others_internal_data(deployment):
    root = deployment["root"]
    internal = ["stg.file_observations", "raw.file_loads", "rep.comments"]
    with _snapshot(root, "offentlig", "malstyrning.publicerad.duckdb") as conn:
        for table in internal + ["cfg.indicators"]:
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
    for kod, other in ((A, B), (B, A)):
        folder = root / "kommuner" / kod
        with _snapshot(root, "kommuner", kod, "malstyrning.publicerad.duckdb") as conn:
            regions = {r for t in ("stg.file_observations",) for (r,) in conn.execute(f"SELECT DISTINCT region FROM {t}")
                       .fetchall()}
            assert regions == {kod}
            comments = " ".join(c for (c,) in conn.execute("SELECT text FROM rep.comments").fetchall())
            assert MARK[kod] in comments and MARK[other] not in comments
            prognos = {v for (v,) in conn.execute(
                "SELECT value FROM stg.file_observations WHERE series LIKE 'prognos%'").fetchall()}
            assert float(PROGNOS[kod].replace(",", ".")) in prognos
            assert float(PROGNOS[other].replace(",", ".")) not in prognos
        reports, site = _text_of(folder / "rapporter"), _text_of(folder / "webb")
        assert reports and site
        # Its own internal figures are shown; the other kommun's are nowhere.
        assert MARK[kod] in reports and shown(kod) in reports and shown(kod) in site
        assert MARK[other] not in reports + site and shown(other) not in reports + site


def test_an_import_without_a_public_snapshot_says_what_to_do(tmp_path):
    drift = make_deployment(tmp_path, [A])
    proc = _indikator(_env("kommun", drift, A), "refresh", check=False)
    assert proc.returncode == 1
    assert "offentliga ögonblicksbilden" in proc.stderr and "offentlig_job" in proc.stderr
    assert not (tmp_path / "kommuner" / A / "malstyrning.publicerad.duckdb").exists()


def test_refresh_into_another_file_than_the_deployments_is_refused(tmp_path):
    drift = make_deployment(tmp_path, [A])
    other = tmp_path / "annan.duckdb"
    proc = _indikator(_env("kommun", drift, A), "--db", str(other), "refresh", check=False)
    assert proc.returncode == 1 and f"--db {other}" in proc.stderr and str(drift) in proc.stderr
    assert not other.exists()


def test_a_kommun_not_in_the_deployment_is_refused_by_name(tmp_path):
    drift = make_deployment(tmp_path, [A])
    proc = _indikator(_env("kommun", drift, B), "status", check=False)
    assert proc.returncode == 1 and f"kommun {B} finns inte" in proc.stderr and str(drift) in proc.stderr


def test_a_kommuns_backup_is_named_for_it_and_never_restored_into_another_kommun(deployment, tmp_path):
    import hashlib

    drift, root = deployment["drift"], deployment["root"]
    _indikator(_env("kommun", drift, A), "backup", "--till", str(tmp_path))
    (copy,) = tmp_path.iterdir()
    assert copy.name.startswith(f"kommun_{A}-")
    other = root / "kommuner" / B / "malstyrning.duckdb"
    before = hashlib.sha256(other.read_bytes()).hexdigest()
    proc = _indikator(_env("kommun", drift, B), "restore", str(copy), "--skriv-over", check=False)
    assert proc.returncode == 1 and f"kommun {A}s lager, inte kommun {B}s" in proc.stderr
    assert hashlib.sha256(other.read_bytes()).hexdigest() == before
    _indikator(_env("kommun", drift, A), "restore", str(copy), "--skriv-over")  # its own kommun: restored


# The import's rules at their edges, on copies of the deployment's files (in this process).

def _copies(deployment, tmp_path) -> tuple[Path, Path]:
    import shutil

    work = tmp_path / "malstyrning.duckdb"
    shutil.copy(deployment["root"] / "kommuner" / A / "malstyrning.duckdb", work)
    snapshot = tmp_path / "offentlig.publicerad.duckdb"
    shutil.copy(deployment["root"] / "offentlig" / "malstyrning.publicerad.duckdb", snapshot)
    return work, snapshot


def _catalog(deployment):
    from indicator_catalog.catalog import load_catalog

    return load_catalog(deployment["root"] / "kataloger" / A)


def _tables_state(conn) -> dict:
    from warehouse.public.importer import Scope, _tables

    database = conn.execute("SELECT current_database()").fetchone()[0]
    return {t: conn.execute(f"SELECT count(*), sum(hash(x)) FROM {t} AS x").fetchone()
            for t, _, _ in _tables(Scope([], [], [], [], []), database)}


def test_an_import_with_nothing_new_writes_nothing_and_a_new_scope_imports_again(deployment, tmp_path):
    from dataclasses import replace
    from datetime import datetime, timezone

    from warehouse.public.importer import import_public

    work, snapshot = _copies(deployment, tmp_path)
    cat = _catalog(deployment)
    now = datetime(2026, 12, 6, tzinfo=timezone.utc)
    with duckdb.connect(str(work)) as conn:
        before = _tables_state(conn)
        again = import_public(conn, snapshot, cat, now=now)
        assert again.unchanged and _tables_state(conn) == before
        assert conn.execute("SELECT count(*) FROM meta.public_import").fetchone()[0] == 1
        # A catalog that follows one KPI less imports again, without that KPI's rows.
        kpi = "N00090"
        fewer = replace(cat, indicators=tuple(i for i in cat.indicators
                                              if getattr(i.query, "kpi", None) != kpi and not i.kolada_kontroll))
        assert kpi not in fewer.kolada_kpis()
        result = import_public(conn, snapshot, fewer, now=now)
        assert not result.unchanged
        assert conn.execute("SELECT count(*) FROM stg.kolada_observations WHERE series = ?", [kpi]).fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM meta.public_import").fetchone()[0] == 2
        # Only its own units: without a comparison group, the kommun alone (the public file has eight).
        alone = replace(fewer, settings=fewer.settings.model_copy(update={"jamforelsegrupp": None}))
        assert not import_public(conn, snapshot, alone, now=now).unchanged
        units = {r for (r,) in conn.execute("SELECT DISTINCT region FROM stg.kolada_observations").fetchall()}
        assert units == {A}
        assert conn.execute("SELECT count(*) FROM raw.kolada_municipality_group_members").fetchone()[0] == 0


def test_a_kpi_the_public_fetch_never_saw_is_refused_by_name(deployment, tmp_path):
    from dataclasses import replace
    from datetime import datetime, timezone

    from warehouse.public.importer import PublicImportError, import_public

    work, snapshot = _copies(deployment, tmp_path)
    cat = _catalog(deployment)
    gastnatter = cat.by_id["gastnatter"]
    other = replace(gastnatter, spec=gastnatter.spec.model_copy(
        update={"query": gastnatter.query.model_copy(update={"kpi": "N99999"})}))
    changed = replace(cat, indicators=tuple(other if i.id == "gastnatter" else i for i in cat.indicators))
    with duckdb.connect(str(work)) as conn:
        before = _tables_state(conn)
        with pytest.raises(PublicImportError, match=r"N99999 \(.*gastnatter.*query\.kpi"):
            import_public(conn, snapshot, changed, now=datetime(2026, 12, 6, tzinfo=timezone.utc))
        assert _tables_state(conn) == before


def test_a_public_snapshot_of_another_schema_version_is_refused(deployment, tmp_path):
    from datetime import datetime, timezone

    from warehouse.public.importer import PublicImportError, import_public

    work, snapshot = _copies(deployment, tmp_path)
    snapshot.chmod(0o644)
    with duckdb.connect(str(snapshot)) as conn:
        conn.execute("DELETE FROM meta.schema_migrations WHERE version = (SELECT max(version) FROM meta.schema_migrations)")
    with duckdb.connect(str(work)) as conn:
        before = _tables_state(conn)
        with pytest.raises(PublicImportError, match="schemaversion"):
            import_public(conn, snapshot, _catalog(deployment), now=datetime(2026, 12, 6, tzinfo=timezone.utc))
        assert _tables_state(conn) == before


# The deployment as systemd runs it: the public code server and one per kommun from the units in
# deploy/systemd, the daemon and the webserver on the workspace `indikator driftfiler` writes.

LOCATIONS = """
{ workspaceOrError { ... on Workspace { locationEntries { name locationOrLoadError {
    __typename
    ... on RepositoryLocation { repositories { jobs { name } assetNodes { assetKey { path } } } }
    ... on PythonError { message } } } } } }"""

LAUNCH_RUN = """
mutation($params: ExecutionParams!) { launchRun(executionParams: $params) {
  __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message }
  ... on InvalidSubsetError { message } ... on RunConfigValidationInvalid { errors { message } } } }"""

RUN = """query($id: ID!) { runOrError(runId: $id) { ... on Run { status jobName } } }"""

SENSOR_RUNS = """
{ runsOrError(filter: {tags: [{key: "dagster/sensor_name", value: "offentlig_ogonblicksbild_sensor"}]}) {
  ... on Runs { results { runId status } } } }"""

RUN_MATERIALIZATIONS = """
query($id: ID!) { runOrError(runId: $id) { ... on Run { assetMaterializations { assetKey { path } } } } }"""


def _unit(name: str) -> dict[str, list[str]]:
    """The [Service] section of a unit file, every value of a key in order (systemd allows a key
    more than once, e.g. two EnvironmentFile lines; an empty value resets the list)."""
    values: dict[str, list[str]] = {}
    section = None
    for line in (ROOT / "deploy" / "systemd" / name).read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            section = line.strip("[]")
        elif section == "Service" and "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = values.get(key, []) + [value] if value else []
    return values


def _systemd_env(service: dict, instance: str, files: dict[str, Path]) -> dict:
    """The environment systemd gives the unit: its EnvironmentFile lines, then Environment=."""
    import shlex

    env = {}
    for line in service.get("EnvironmentFile", []):
        path = files[line.replace("%i", instance)]
        for row in path.read_text(encoding="utf-8").splitlines():
            if row.strip() and not row.startswith("#"):
                k, _, v = row.partition("=")
                env[k] = v
    for line in service.get("Environment", []):
        for pair in shlex.split(line.replace("%i", instance)):
            k, _, v = pair.partition("=")
            env[k] = v
    return env


def test_the_deployment_runs_as_services_with_a_location_per_kommun(deployment, tmp_path):
    import shlex
    import time

    import requests

    from tests.browser import free_port
    from tests.test_dagster_ui import BIN, Services

    drift = deployment["drift"]
    etc = tmp_path / "etc"
    _indikator(_env(None, drift), "driftfiler", "--till", str(etc))
    web = free_port()
    ports = {"4300": free_port(), "4301": free_port(), "4302": free_port(), "3000": web}
    workspace = (etc / "workspace.yaml").read_text(encoding="utf-8")
    for old, new in ports.items():
        workspace = workspace.replace(f"port: {old}", f"port: {new}")
    (etc / "workspace.yaml").write_text(workspace, encoding="utf-8")
    (tmp_path / "svc").mkdir()
    services = Services(tmp_path / "svc")
    drift_env = tmp_path / "drift.env"
    drift_env.write_text(f"DAGSTER_HOME={services.home}\nMALSTYRNING_DRIFT={drift}\nMALSTYRNING_HTTP_MODE=replay\n",
                         encoding="utf-8")
    files = {"/etc/malstyrning/drift.env": drift_env,
             **{f"/etc/malstyrning/kommuner/{k}.env": etc / "kommuner" / f"{k}.env" for k in (A, B)}}
    base = {k: v for k, v in services.env.items() if not k.startswith("MALSTYRNING_")}
    services.env = {**base, **_systemd_env(_unit("drift/malstyrning-daemon.conf"), "", files)}
    services.port, services.url = web, f"http://127.0.0.1:{web}"
    subprocess.run([str(BIN / "dagster"), "instance", "migrate"], cwd=ROOT, env=services.env, check=True,
                   capture_output=True)

    def start(name: str, cmd: list[str], env: dict) -> None:
        cmd = [a.replace("/opt/malstyrning/.venv/bin", str(BIN)).replace("/etc/malstyrning/workspace.yaml",
                                                                            str(etc / "workspace.yaml")) for a in cmd]
        cmd = [str(ports.get(a, a)) for a in cmd]
        log = open(services.root / f"{name}.log", "wb")
        services.procs[name] = subprocess.Popen(cmd, cwd=ROOT, env={**base, **env}, stdout=log,
                                                stderr=subprocess.STDOUT, start_new_session=True)

    try:
        public = _unit("malstyrning-offentlig.service")
        start("offentlig", shlex.split(public["ExecStart"][-1]), _systemd_env(public, "", files))
        template = _unit("malstyrning-kommun@.service")
        for kod in (A, B):
            env = _systemd_env(template, kod, files)
            cmd = shlex.split(template["ExecStart"][-1].replace("%i", kod).replace("${MALSTYRNING_PORT}",
                                                                                env["MALSTYRNING_PORT"]))
            start(f"kommun_{kod}", cmd, env)
        for name in ("daemon", "webserver"):
            start(name, shlex.split(_unit(f"drift/malstyrning-{name}.conf")["ExecStart"][-1]), services.env)

        wanted = {"offentlig", f"kommun_{A}", f"kommun_{B}"}
        deadline, entries = time.monotonic() + 240, {}
        while time.monotonic() < deadline:
            for name, p in services.procs.items():
                assert p.poll() is None, f"{name} exited:\n{services.log_tail(name)}"
            try:
                data = services.graphql(LOCATIONS)["workspaceOrError"]["locationEntries"]
                entries = {e["name"]: e["locationOrLoadError"] for e in data}
            except (requests.ConnectionError, requests.Timeout):
                entries = {}
            if wanted <= {n for n, e in entries.items() if e and e["__typename"] == "RepositoryLocation"}:
                break
            # Unreachable is the code server still starting; any other error is the code's.
            failed = {n: e["message"][:2000] for n, e in entries.items() if e and e["__typename"] == "PythonError"
                      and "Unreachable" not in e["message"]}
            assert not failed, failed
            time.sleep(1)
        else:
            raise AssertionError((entries, services.log_tail("kommun_1471"), services.log_tail("webserver")))

        def keys(name):
            repo = entries[name]["repositories"][0]
            return {"/".join(n["assetKey"]["path"]) for n in repo["assetNodes"]}, {j["name"] for j in repo["jobs"]}

        # In Dagster: the public location has the fetch jobs and nothing of a kommun; each kommun's
        # location has its own prefixed assets and no fetch.
        public_keys, public_jobs = keys("offentlig")
        assert "pub/offentlig" in public_keys and {"kolada_job", "scb_job", "af_job", "offentlig_job"} <= public_jobs
        assert not {"indicators_job", "inbox_job"} & public_jobs
        assert not any(k.startswith(("ind/", "cfg/", "stg/file", "kommun_")) for k in public_keys)
        for kod in (A, B):
            own, jobs = keys(f"kommun_{kod}")
            assert f"kommun_{kod}/ind/indicator_status" in own and "indicators_job" in jobs
            assert all(k.startswith(f"kommun_{kod}/") for k in own)
            assert not {"kolada_job", "scb_job", "af_job", "offentlig_job"} & jobs

        def finished(run_id: str) -> str:
            deadline, status = time.monotonic() + 240, None
            while time.monotonic() < deadline:
                status = services.graphql(RUN, {"id": run_id})["runOrError"]["status"]
                if status in ("SUCCESS", "FAILURE", "CANCELED"):
                    break
                time.sleep(2)
            return status

        def materialized(run_id: str) -> set[str]:
            run = services.graphql(RUN_MATERIALIZATIONS, {"id": run_id})["runOrError"]
            return {"/".join(m["assetKey"]["path"]) for m in run["assetMaterializations"]}

        # Each kommun's sensor saw the public snapshot and started that kommun's indicators_job,
        # which materialised that kommun's import, status and snapshot and nothing of the other's.
        deadline, runs = time.monotonic() + 180, []
        while time.monotonic() < deadline and len(runs) < 2:
            runs = services.graphql(SENSOR_RUNS)["runsOrError"]["results"]
            time.sleep(2)
        assert len(runs) == 2, (runs, services.log_tail("daemon"))
        owners = []
        for run in runs:
            assert finished(run["runId"]) == "SUCCESS", (run, services.log_tail("daemon"))
            keys = materialized(run["runId"])
            owners.append({k.split("/")[0] for k in keys})
            kommun = next(iter(owners[-1]))
            assert len(owners[-1]) == 1 and {f"{kommun}/stg/kolada_observations", f"{kommun}/ind/indicator_status",
                                             f"{kommun}/pub/snapshot"} <= keys, keys
        assert sorted(o.pop() for o in owners) == sorted([f"kommun_{A}", f"kommun_{B}"])

        # A kommun's indicators_job launched from the UI runs in its own location, on its own file.
        params = {"selector": {"repositoryLocationName": f"kommun_{B}", "repositoryName": "__repository__",
                               "jobName": "indicators_job"}, "runConfigData": {}}
        launched = services.graphql(LAUNCH_RUN, {"params": params})["launchRun"]
        assert launched["__typename"] == "LaunchRunSuccess", launched
        run_id = launched["run"]["runId"]
        assert finished(run_id) == "SUCCESS", (services.log_tail("daemon"), services.log_tail(f"kommun_{B}"))
        keys = materialized(run_id)
        assert {f"kommun_{B}/stg/kolada_observations", f"kommun_{B}/ind/indicator_status",
                f"kommun_{B}/pub/snapshot"} <= keys and all(k.startswith(f"kommun_{B}/") for k in keys), keys
    finally:
        services.stop()
