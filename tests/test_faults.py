"""Faults survived, nothing lost: the Kolada job against a local Kolada that injects faults.

A baseline run loads 2022 and publishes the snapshot. Then each fault is injected into the
data requests of a second run of the same partition: the run either succeeds after retries
(transient faults) or fails with a message naming the source, the URL and the cause, and the
working warehouse (every table, row for row) and the published snapshot (byte for byte) are
as before.
"""

import hashlib
import json
import re
import time

import dagster as dg
import pytest
from werkzeug import Response

from pipelines.definitions import defs as load_defs
from pipelines.defs.resources import KoladaResource
from sources.http import DEFAULT_RECORDINGS_DIR
from sources.replay import load_index, request_key
from warehouse.core import bodies, db
from warehouse.publishing.snapshot import published_path

KOLADA = "https://api.kolada.se/v3"


class FakeKolada:
    """Serves the recorded Kolada answers; `fault` changes what data requests get."""

    def __init__(self, httpserver):
        self.fault, self.data_requests = None, 0
        self.index = load_index(str(DEFAULT_RECORDINGS_DIR / "kolada"))
        self.base = httpserver.url_for("/v3")
        httpserver.expect_request(__import__("re").compile("/v3/.*")).respond_with_handler(self.handle)

    def handle(self, request):
        url = KOLADA + request.full_path.removeprefix("/v3").rstrip("?")
        doc = json.loads(self.index[request_key("GET", url, None)].read_text(encoding="utf-8"))
        body = json.dumps(doc["response"]["body"])
        if "/data/" in request.path and self.fault:
            self.data_requests += 1
            answer = self.fault(self.data_requests, body)
            if answer is not None:
                return answer
        return Response(body, content_type="application/json")


def once(status, headers=None):
    return lambda n, body: Response("fel", status=status, headers=headers or {}) if n == 1 else None


def always(status):
    return lambda n, body: Response("<html>Service Unavailable</html>", status=status, content_type="text/html")


def hang(n, body):
    time.sleep(2)
    return Response(body, content_type="application/json")


def renamed(n, body):
    return Response(body.replace('"gender"', '"kon"'), content_type="application/json")


FAULTS = {
    # name: (fault, succeeds after retries, words the failure message must hold)
    "429 med Retry-After": (once(429, {"Retry-After": "1"}), True, ()),
    "500 en gång": (once(500), True, ()),
    "502 en gång": (once(502), True, ()),
    "503 en gång": (once(503), True, ()),
    "503 hela tiden": (always(503), False, ("503",)),
    "hänger (timeout)": (hang, False, ("tidsgräns",)),
    "avkortad JSON": (lambda n, body: Response(body[: len(body) // 2], content_type="application/json"), False,
                      ("JSON",)),
    "HTML-sida med status 200": (lambda n, body: Response("<html><body>Kolada har underhåll</body></html>",
                                                          content_type="text/html"), False, ("HTML",)),
    "fält med nytt namn": (renamed, False, ("gender",)),
    # DuckDB's own cast would read "12.3" as 12.3: the reader checks JSON types first.
    "tal som text": (lambda n, body: Response(re.sub(r'"value": (-?[0-9][0-9.eE+-]*)', r'"value": "\1"', body, count=1),
                                              content_type="application/json"), False,
                     ("väntade float | null, fick str", "$.values[")),
    "okänt kön": (lambda n, body: Response(body.replace('"gender": "T"', '"gender": "X"', 1),
                                           content_type="application/json"), False, ("gender: okänt värde 'X'",)),
    "tomt svar för ett år med värden": (lambda n, body: Response('{"values": [], "next_url": null}',
                                                                 content_type="application/json"),
                                        False, ("utan värden för 2022",)),
}


def table_rows(path) -> dict:
    conn = db.connect(path, read_only=True)
    try:
        tables = conn.execute("SELECT schema_name, table_name FROM duckdb_tables() ORDER BY ALL").fetchall()
        return {f"{s}.{t}": conn.execute(f'SELECT * FROM "{s}"."{t}" ORDER BY ALL').fetchall() for s, t in tables}
    finally:
        conn.close()


def body_files(path) -> dict:
    """The warehouse's body files (and spools left behind), name -> sha256 of the content."""
    root = bodies.folder_for(path)
    return {p.relative_to(root).as_posix(): sha(p) for p in sorted(root.rglob("*")) if p.is_file()}


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def kolada_job_with(kolada: KoladaResource) -> dg.JobDefinition:
    """The real kolada_job, with the Kolada resource pointed at the local server."""
    defs = load_defs()
    return dg.Definitions(assets=defs.assets, asset_checks=defs.asset_checks, jobs=defs.jobs,
                          resources={**defs.resources, "kolada": kolada}).resolve_job_def("kolada_job")


def failure_text(result) -> str:
    return "\n".join(e.step_failure_data.error.to_string() for e in result.all_events if e.is_step_failure)


@pytest.mark.parametrize("name", list(FAULTS))
def test_a_fault_is_survived_or_reported_and_nothing_is_lost(name, httpserver, tmp_path, monkeypatch):
    fault, survives, words = FAULTS[name]
    path = tmp_path / "wh.duckdb"
    monkeypatch.setenv("MALSTYRNING_DUCKDB", str(path))
    fake = FakeKolada(httpserver)
    kolada = KoladaResource(base_url=fake.base, http_mode="live", read_timeout=0.5, retries=2, backoff_factor=0.05)
    instance = dg.DagsterInstance.ephemeral()
    kolada_job = kolada_job_with(kolada)
    assert kolada_job.execute_in_process(partition_key="2022", instance=instance).success
    assert load_defs().resolve_job_def("indicators_job").execute_in_process(instance=instance).success
    before, snapshot, stored = table_rows(path), sha(published_path()), body_files(path)
    assert any(name.startswith("kolada/") for name in stored)  # the baseline's pages, as files

    fake.fault = fault
    result = kolada_job.execute_in_process(partition_key="2022", instance=instance, raise_on_error=False)
    if survives:
        assert result.success, failure_text(result)
        after = table_rows(path)
        for table in ("stg.kolada_observations", "raw.kolada_responses"):
            assert after[table] == before[table], table  # the same answer again changes nothing
    else:
        assert not result.success
        text = failure_text(result)
        assert "kolada" in text and f"{fake.base}/data/kpi/" in text, text
        assert all(w in text for w in words), text
        assert table_rows(path) == before  # every table, row for row
        assert body_files(path) == stored  # and no body file beside it (warehouse/core/bodies.py)
    assert sha(published_path()) == snapshot  # the controllers' copy, byte for byte


class ResettingServer:
    """A TCP server that answers every connection with a reset (RST), like a dropped link."""

    def __init__(self):
        import socket
        import struct
        import threading

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/v3"

        def serve():
            while True:
                try:
                    conn, _ = self.sock.accept()
                except OSError:
                    return
                conn.recv(4096)
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()

        threading.Thread(target=serve, daemon=True).start()

    def close(self):
        self.sock.close()


def test_a_connection_reset_fails_the_run_naming_the_url_and_loses_nothing(httpserver, tmp_path, monkeypatch):
    path = tmp_path / "wh.duckdb"
    monkeypatch.setenv("MALSTYRNING_DUCKDB", str(path))
    fake, reset = FakeKolada(httpserver), ResettingServer()
    instance = dg.DagsterInstance.ephemeral()
    good = kolada_job_with(KoladaResource(base_url=fake.base, http_mode="live"))
    assert good.execute_in_process(partition_key="2022", instance=instance).success
    assert load_defs().resolve_job_def("indicators_job").execute_in_process(instance=instance).success
    before, snapshot = table_rows(path), sha(published_path())
    broken = kolada_job_with(KoladaResource(base_url=reset.url, http_mode="live", retries=1, backoff_factor=0.05))
    result = broken.execute_in_process(partition_key="2022", instance=instance, raise_on_error=False)
    reset.close()
    assert not result.success
    text = failure_text(result)
    assert "kolada" in text and reset.url in text and "anslutning" in text.lower(), text
    assert table_rows(path) == before and sha(published_path()) == snapshot


def without_unit(unit: str):
    """Kolada answers a full fetch without one of the units asked for (a partial answer)."""
    def fault(n, body):
        doc = json.loads(body)
        doc["values"] = [v for v in doc["values"] if v["municipality"] != unit]
        return Response(json.dumps(doc), content_type="application/json")
    return fault


def all_deleted(n, body):
    doc = json.loads(body)
    for item in doc["values"]:
        for v in item["values"]:
            v["isdeleted"], v["value"] = True, None
    return Response(json.dumps(doc), content_type="application/json")


def _baseline(httpserver, tmp_path, monkeypatch):
    path = tmp_path / "wh.duckdb"
    monkeypatch.setenv("MALSTYRNING_DUCKDB", str(path))
    fake = FakeKolada(httpserver)
    instance = dg.DagsterInstance.ephemeral()
    job = kolada_job_with(KoladaResource(base_url=fake.base, http_mode="live", retries=0))
    assert job.execute_in_process(partition_key="2022", instance=instance).success
    assert load_defs().resolve_job_def("indicators_job").execute_in_process(instance=instance).success
    return path, fake, instance, job


def current_values(path) -> list:
    conn = db.connect(path, read_only=True)
    try:
        return conn.execute("SELECT series, breakdown, region, period, value, first_seen FROM stg.current_observations "
                            "WHERE source = 'kolada' ORDER BY ALL").fetchall()
    finally:
        conn.close()


def published_status(indicator: str) -> tuple:
    conn = db.connect(published_path(), read_only=True)
    try:
        return conn.execute("SELECT period, aktuellt_varde, status FROM ind.indicator_status WHERE indicator_id = ?",
                            [indicator]).fetchone()
    finally:
        conn.close()


def test_an_answer_without_the_kommun_keeps_its_values_and_the_published_status(httpserver, tmp_path, monkeypatch):
    path, fake, instance, job = _baseline(httpserver, tmp_path, monkeypatch)
    before, status = current_values(path), published_status("gastnatter")
    assert status[0] == "2022" and any(r[2] == "1882" for r in before)
    fake.fault = without_unit("1882")
    result = job.execute_in_process(partition_key="2022", instance=instance, raise_on_error=False)
    assert result.success, failure_text(result)
    assert current_values(path) == before  # nothing retired, first_seen unchanged
    warnings = [e.message for e in instance.all_logs(result.run_id) if e.level == 30]  # logging.WARNING
    assert any("inte svarade alls" in w and "1882" in w for w in warnings), warnings
    assert load_defs().resolve_job_def("indicators_job").execute_in_process(instance=instance).success
    assert published_status("gastnatter") == status


def test_an_answer_retiring_most_values_is_not_landed_unless_confirmed(httpserver, tmp_path, monkeypatch):
    path, fake, instance, job = _baseline(httpserver, tmp_path, monkeypatch)
    before, snapshot = table_rows(path), sha(published_path())
    fake.fault = all_deleted
    result = job.execute_in_process(partition_key="2022", instance=instance, raise_on_error=False)
    assert not result.success
    text = failure_text(result)
    assert "skulle ta bort" in text and "bekrafta_borttagning" in text and f"{fake.base}/data/kpi/" in text, text
    assert table_rows(path) == before and sha(published_path()) == snapshot
    # Confirmed, the same answer is landed and the deletions are applied.
    confirm = {"ops": {"raw__kolada_values": {"config": {"bekrafta_borttagning": True}}}}
    assert job.execute_in_process(partition_key="2022", instance=instance, run_config=confirm).success
    assert current_values(path) == []


def test_a_mirror_set_in_the_environment_is_used_without_run_config(httpserver, tmp_path, monkeypatch):
    # `indikator refresh` and `make demo` have no Dagster run config: a mirror or proxy of Kolada
    # and SCB is set with MALSTYRNING_KOLADA_URL / MALSTYRNING_SCB_URL (AF: MALSTYRNING_AF_URL).
    from pipelines.defs.resources import AfResource
    from pipelines.refresh import Refresh
    from tests.test_pipelines_scb import TAB638, FakeScb

    fake = FakeKolada(httpserver)
    scb = FakeScb(httpserver, {"TAB638": dict(TAB638)}, lambda t, r, p: 11000)
    monkeypatch.setenv("MALSTYRNING_HTTP_MODE", "live")
    monkeypatch.setenv("MALSTYRNING_KOLADA_URL", fake.base)
    monkeypatch.setenv("MALSTYRNING_SCB_URL", httpserver.url_for("/api/v2"))
    monkeypatch.setenv("MALSTYRNING_AF_URL", httpserver.url_for("/statistik"))
    monkeypatch.setenv("MALSTYRNING_DUCKDB", str(tmp_path / "wh.duckdb"))
    assert Refresh(out=lambda line: None).years(["2022"])
    assert any(path.startswith("/v3/data/kpi/") for path in (r.path for r, _ in httpserver.log))
    assert scb.count("POST", "/tables/TAB638/data") == 1
    assert AfResource().page() == httpserver.url_for("/statistik")
