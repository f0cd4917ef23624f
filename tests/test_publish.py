"""Publishing the controllers' snapshot, and the GX checks that gate it."""

import hashlib
from datetime import datetime, timezone

import dagster as dg
import duckdb
import pytest

from pipelines.definitions import defs as load_defs
from warehouse import db, quality
from warehouse.publish import connect_published, publish, published_path


@pytest.fixture(scope="module")
def defs():
    return load_defs()


def run(defs, job, **kwargs):
    return defs.resolve_job_def(job).execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False,
                                                        **kwargs)


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_publish_copies_tables_views_and_macros_atomically(conn, tmp_path):
    target = tmp_path / "pub" / "lager.publicerad.duckdb"
    out = publish(conn, target, published_at=datetime(2026, 11, 27, tzinfo=timezone.utc), run_id="r1")
    assert out["tables"] > 10 and target.exists()
    assert not list(target.parent.glob(".*.tmp*"))  # no temporary file left behind
    reader = duckdb.connect(str(target), read_only=True)
    assert reader.execute("SELECT count(*) FROM ind.namnd_indikatorer").fetchone()[0] == 12  # views work
    assert reader.execute("SELECT count(*) FROM ind.kf_due_asof(DATE '2026-12-01')").fetchone() is not None  # macros
    assert reader.execute("SELECT run_id FROM meta.publication").fetchone() == ("r1",)
    # A reader holding the snapshot does not stop the next publish (rename over an open file).
    publish(conn, target, published_at=datetime(2026, 11, 28, tzinfo=timezone.utc), run_id="r2")
    assert reader.execute("SELECT run_id FROM meta.publication").fetchone() == ("r1",)  # the old copy, intact
    reader.close()
    fresh = duckdb.connect(str(target), read_only=True)
    assert fresh.execute("SELECT run_id FROM meta.publication").fetchone() == ("r2",)
    with pytest.raises(duckdb.Error):
        fresh.execute("CREATE TABLE x (a INT)")  # controllers' connections are read-only


def test_a_missing_snapshot_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="Ingen publicerad ögonblicksbild"):
        connect_published(tmp_path / "saknas.duckdb")


def test_gx_rules_report_each_failing_row(conn):
    conn.execute("INSERT INTO stg.af_observations (series, breakdown, region, period, period_start, period_end, value, "
                 "status, is_deleted, vintage, first_seen, fetched_at) VALUES "
                 "('inskrivna_arbetslosa_andel', 'TOT', '188', '2026M10', DATE '2026-10-01', DATE '2026-10-31', 120, '', "
                 "false, 1, now(), now())")
    outcomes = {o.rule.name: o for o in quality.validate(conn, quality.observations_suite("stg.af_observations"))}
    assert not outcomes["kommunkod_format"].success and outcomes["kommunkod_format"].unexpected == 1
    assert outcomes["kommunkod_format"].sample.to_dict("records") == [
        {"region": "188", "series": "inskrivna_arbetslosa_andel", "period": "2026M10"}]
    assert not outcomes["andel_0_100"].success
    assert outcomes["period_format"].success and outcomes["unik_nyckel"].success


def test_a_failed_gx_check_blocks_publishing_and_keeps_the_last_snapshot(defs, tmp_path, monkeypatch):
    path = tmp_path / "wh.duckdb"
    monkeypatch.setenv("MALSTYRNING_DUCKDB", str(path))
    assert run(defs, "kolada_job", partition_key="2022").success
    assert run(defs, "indicators_job").success
    snapshot = published_path()
    before = sha(snapshot)
    # Bad data reaches the working warehouse: Öppen arbetslöshet (a share, %) of 250.
    conn = db.connect(path)
    conn.execute("INSERT INTO stg.kolada_observations VALUES ('kolada', 'N03937', 'T', '1882', '2022', "
                 "DATE '2022-12-31', 250, '', false, 1, now(), now(), NULL)")
    conn.close()
    result = run(defs, "indicators_job")
    evaluations = {e.asset_check_evaluation_data.check_name: e.asset_check_evaluation_data
                   for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"}
    assert evaluations["gx_andel_0_100"].passed is False
    assert "snapshot" not in {e.step_key.split("__")[-1] for e in result.all_events
                              if e.event_type_value == "STEP_SUCCESS"}
    assert sha(snapshot) == before  # byte for byte the last good snapshot
