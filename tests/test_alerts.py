"""pipelines/defs/quality/alerts.py and sources/alert.py: a failed run of the project's own job
posts one Swedish line per failed step to the webhook, against a local HTTP server."""

import dagster as dg
import pytest
from werkzeug import Response

from pipelines.definitions import defs as load_defs
from pipelines.defs.quality.alerts import failed_run_alert
from sources.alert import post_alert
from sources.errors import SourceError


@pytest.fixture
def failed_run(tmp_path, monkeypatch):
    """indicators_job run on a catalog folder without nämnd files: its first step fails."""
    (tmp_path / "katalog" / "namnder").mkdir(parents=True)
    monkeypatch.setenv("MALSTYRNING_CATALOG_DIR", str(tmp_path / "katalog"))
    monkeypatch.setenv("MALSTYRNING_DUCKDB", str(tmp_path / "wh.duckdb"))
    instance = dg.DagsterInstance.ephemeral()
    result = load_defs().resolve_job_def("indicators_job").execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    return dg.build_run_status_sensor_context(
        sensor_name="larm_vid_misslyckad_korning", dagster_instance=instance, dagster_run=result.dagster_run,
        dagster_event=result.get_run_failure_event()).for_run_failure()


def test_a_failed_run_is_posted_with_its_job_step_and_error(failed_run, httpserver, monkeypatch):
    posted = []
    httpserver.expect_request("/hooks/hemlig-nyckel", method="POST").respond_with_handler(
        lambda request: posted.append(request.get_json()) or Response("ok"))
    monkeypatch.setenv("MALSTYRNING_LARM_URL", httpserver.url_for("/hooks/hemlig-nyckel"))
    monkeypatch.setenv("MALSTYRNING_UI_URL", "https://dagster.kommun.se/")
    failed_run_alert(failed_run)
    (body,) = posted
    lines = body["text"].splitlines()
    assert lines[0] == f"Indikatorlagret: körningen indicators_job ({failed_run.dagster_run.run_id[:8]}) misslyckades."
    assert lines[1].startswith("- steg cfg__indicator_catalog: ") and "inga nämndfiler" in lines[1], lines
    assert lines[-1] == f"https://dagster.kommun.se/runs/{failed_run.dagster_run.run_id}"


def test_without_a_webhook_nothing_is_sent(failed_run, monkeypatch):
    monkeypatch.delenv("MALSTYRNING_LARM_URL", raising=False)
    assert isinstance(failed_run_alert(failed_run), dg.SkipReason)


def test_a_webhook_that_refuses_is_an_error_naming_the_host_not_the_secret(httpserver):
    httpserver.expect_request("/hooks/hemlig-nyckel").respond_with_data("nej", status=500)
    with pytest.raises(SourceError, match="HTTP 500") as caught:
        post_alert(httpserver.url_for("/hooks/hemlig-nyckel"), "test")
    assert "hemlig-nyckel" not in str(caught.value) and f"http://{httpserver.host}]" in str(caught.value)
    with pytest.raises(SourceError, match="kunde inte skickas") as caught:
        post_alert("http://127.0.0.1:9/hooks/hemlig-nyckel", "test", timeout=2)
    assert "hemlig-nyckel" not in str(caught.value)
