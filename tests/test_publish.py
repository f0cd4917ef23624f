"""Publishing the controllers' snapshot, and the quality rules that gate it."""

import hashlib
from datetime import datetime, timezone

import dagster as dg
import duckdb
import pytest

from pipelines.definitions import defs as load_defs
from warehouse.core import db
from warehouse.publishing import checks as quality
from warehouse.publishing.snapshot import PublishRefused, connect_published, publish, published_path


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
    # Nothing new: the published file stays as it is, and the result says so.
    mtime = target.stat().st_mtime_ns
    again = publish(conn, target, published_at=datetime(2026, 11, 28, tzinfo=timezone.utc), run_id="r2")
    assert again["unchanged"] and again["published_at"] == datetime(2026, 11, 27, tzinfo=timezone.utc)
    assert target.stat().st_mtime_ns == mtime
    assert reader.execute("SELECT run_id FROM meta.publication").fetchone() == ("r1",)
    # A reader holding the snapshot does not stop the next publish (rename over an open file).
    conn.execute("UPDATE cfg.indicators SET onskat_varde = onskat_varde + 1 WHERE indicator_id = 'oppen_arbetsloshet'")
    out = publish(conn, target, published_at=datetime(2026, 11, 28, tzinfo=timezone.utc), run_id="r2")
    # Only a target changed: the indicator rules ran again, the observations' (unchanged) did not.
    assert out["mode"] == "ändrade tabeller" and out["changed_tables"] == ["cfg.indicators"]
    assert out["rules_passed"] == len(quality.indicator_suite().rules)
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


@pytest.mark.parametrize("title, value, ok", [
    ("Invånare 0-19 år, andel (%)", 120.0, False),
    ("Invånare 0-19 år, andel (%)", 23.5, True),
    ("Befolkningsförändring i antal invånare sedan föregående år, andel (%)", -1.5, True),
    ("Nettokostnadsavvikelse totalt (exkl. LSS), andel (%)", -12.0, True),
    ("Inrikes flyttnetto, andel (%)", -0.4, True),
])
def test_kolada_shares_by_title_but_not_changes_or_differences(conn, title, value, ok):
    conn.execute("INSERT INTO raw.kolada_kpi (kpi, title, response_id) VALUES ('N01234', ?, 1)", [title])
    conn.execute("INSERT INTO stg.kolada_observations (series, breakdown, region, period, period_end, value, status, "
                 "is_deleted, vintage, first_seen, fetched_at) VALUES "
                 "('N01234', 'T', '1882', '2022', DATE '2022-12-31', ?, '', false, 1, now(), now())", [value])
    outcomes = {o.rule.name: o for o in quality.validate(conn, quality.observations_suite("stg.kolada_observations"))}
    assert outcomes["andel_0_100"].success is ok


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


def _bad_kolada_row(path, region="1882", value=250):
    conn = db.connect(path)
    conn.execute("INSERT INTO stg.kolada_observations VALUES ('kolada', 'N03937', 'T', ?, '2022', "
                 "DATE '2022-12-31', ?, '', false, 1, now(), now(), NULL)", [region, value])
    conn.close()


def test_publishing_alone_refuses_data_whose_checks_fail(defs, tmp_path, monkeypatch):
    """The UI's "Materialize selected" on pub/snapshot runs no upstream checks; the gate inside
    publish() still refuses, naming the rule and the row."""
    path = tmp_path / "wh.duckdb"
    monkeypatch.setenv("MALSTYRNING_DUCKDB", str(path))
    assert run(defs, "kolada_job", partition_key="2022").success
    assert run(defs, "indicators_job").success
    before = sha(published_path())
    _bad_kolada_row(path)
    job = defs.resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False,
                                    asset_selection=[dg.AssetKey(["pub", "snapshot"])])
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = failure.step_failure_data.error.message
    assert "Publiceringen stoppades" in message and "gx_andel_0_100" in message and "N03937" in message
    assert "förra ögonblicksbilden ligger kvar" in message
    assert sha(published_path()) == before


def test_a_bad_row_left_by_a_source_job_is_not_published_by_the_next_indicators_job(defs, tmp_path, monkeypatch):
    """Blocking checks in kolada_job have nothing downstream to hold back; the indicators_job
    that follows must not publish the row they flagged."""
    path = tmp_path / "wh.duckdb"
    monkeypatch.setenv("MALSTYRNING_DUCKDB", str(path))
    assert run(defs, "kolada_job", partition_key="2022").success
    assert run(defs, "indicators_job").success
    before = sha(published_path())
    _bad_kolada_row(path, region="188", value=5)
    # A run's checks read the rows of its own partitions: 2021's pass, 2022's flag the row.
    assert run(defs, "kolada_job", partition_key="2021").success
    flagged = run(defs, "kolada_job", partition_key="2022")
    assert not flagged.success
    evaluation = next(e.asset_check_evaluation_data for e in flagged.all_events
                      if e.event_type_value == "ASSET_CHECK_EVALUATION"
                      and e.asset_check_evaluation_data.check_name == "gx_kommunkod_format")
    assert not evaluation.passed and "188" in evaluation.metadata["failing_rows"].value
    assert evaluation.metadata["urval"].value == "partition 2022"
    result = run(defs, "indicators_job")
    assert not result.success
    assert sha(published_path()) == before
    with pytest.raises(Exception, match="gx_kommunkod_format.*region 188"):
        publish(db.connect(path), published_path(), published_at=datetime(2026, 11, 27, tzinfo=timezone.utc))
    assert sha(published_path()) == before


def test_an_indicator_table_missing_indicators_is_not_published(conn, tmp_path):
    """A broken view dropping an indicator would pass every per-row rule; the coverage rule
    against cfg.indicators catches it."""
    conn.execute("ALTER VIEW ind.indicator_status RENAME TO indicator_status_full")
    conn.execute("CREATE VIEW ind.indicator_status AS SELECT * FROM ind.indicator_status_full "
                 "WHERE indicator_id <> 'oppen_arbetsloshet'")
    target = tmp_path / "pub.duckdb"
    with pytest.raises(PublishRefused, match="gx_alla_indikatorer_med.*indicator_id oppen_arbetsloshet"):
        publish(conn, target, published_at=datetime(2026, 11, 27, tzinfo=timezone.utc))
    assert not target.exists()


def test_a_database_file_name_with_quotes_publishes(tmp_path):
    """The working file's name becomes an SQL identifier in COPY FROM DATABASE: quoted, never pasted."""
    c = db.connect(tmp_path / 'lager"; DROP TABLE x; --.duckdb')
    db.migrate(c)
    db.ensure_views(c)
    from indicator_catalog.catalog import load_catalog
    from warehouse.indicators.catalog_tables import load_catalog_tables
    load_catalog_tables(c, load_catalog())
    out = publish(c, tmp_path / "pub.duckdb", published_at=datetime(2026, 11, 27, tzinfo=timezone.utc))
    assert out["tables"] > 10


def test_a_failed_step_of_the_indicators_job_stops_the_publication(defs, tmp_path, monkeypatch, catalog_copy):
    # A catalog KPI unknown to Kolada fails raw/kolada_kpi: the run must not publish the
    # indicator as "ingen data" over the last good snapshot, and the message names the catalog
    # file and indicator.
    import json

    from pipelines.defs.resources import CatalogResource, KoladaResource
    from sources.http import DEFAULT_RECORDINGS_DIR
    from indicator_catalog.catalog import load_catalog

    monkeypatch.setenv("MALSTYRNING_DUCKDB", str(tmp_path / "wh.duckdb"))
    assert run(defs, "kolada_job", partition_key="2022").success
    assert run(defs, "indicators_job").success
    snapshot = sha(published_path())
    social = catalog_copy / "namnder" / "socialnamnden.yaml"
    social.write_text(social.read_text(encoding="utf-8").replace("kpi: N45850", "kpi: N99999"), encoding="utf-8")
    # Kolada answers an unknown id by leaving it out: the real KPI records without N45850.
    rec = tmp_path / "rec" / "kolada"
    rec.mkdir(parents=True)
    doc = json.loads(next((DEFAULT_RECORDINGS_DIR / "kolada").glob("kpi_*.json")).read_text(encoding="utf-8"))
    doc["request"]["url"] = f"https://api.kolada.se/v3/kpi/{','.join(load_catalog(catalog_copy).kolada_kpis())}?per_page=5000"
    doc["response"]["body"]["values"] = [v for v in doc["response"]["body"]["values"] if v["id"] != "N45850"]
    (rec / "kpi.json").write_text(json.dumps(doc), encoding="utf-8")
    broken = dg.Definitions(assets=defs.assets, asset_checks=defs.asset_checks, jobs=defs.jobs, resources={
        **defs.resources, "kolada": KoladaResource(recordings_dir=str(rec.parent)),
        "catalog": CatalogResource(directory=str(catalog_copy))})
    result = run(broken, "indicators_job")
    assert not result.success
    assert sha(published_path()) == snapshot  # the controllers' copy, byte for byte
    assert "pub__snapshot" not in {e.step_key for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_SUCCESS}
    failure = next(e for e in result.all_events if e.is_step_failure)
    text = failure.step_failure_data.error.to_string()
    assert failure.step_key == "raw__kolada_kpi" and "N99999" in text
    assert "socialnamnden.yaml" in text and "gastnatter" in text, text


def _killed_writer(path):
    """A controller's process that opened the snapshot for writing, changed it and was killed,
    leaving its write-ahead log beside the file."""
    import subprocess
    import sys

    code = ("import duckdb, os, signal, sys\n"
            "c = duckdb.connect(sys.argv[1])\n"
            "c.execute(\"UPDATE meta.publication SET run_id = 'ändrad'\")\n"
            "os.kill(os.getpid(), signal.SIGKILL)\n")
    subprocess.run([sys.executable, "-c", code, str(path)], check=False)


def test_the_snapshot_is_read_only_on_disk_and_a_stale_wal_or_tmp_is_cleared(conn, tmp_path):
    import os
    import stat

    target = tmp_path / "pub" / "lager.publicerad.duckdb"
    publish(conn, target, published_at=datetime(2026, 11, 27, tzinfo=timezone.utc), run_id="r1")
    assert stat.S_IMODE(target.stat().st_mode) & 0o222 == 0  # nobody may write it
    if os.geteuid() != 0:  # root writes anything; everyone else is refused by the file system
        with pytest.raises(duckdb.Error):
            duckdb.connect(str(target))
    # A controller with write access killed while writing leaves a .wal; a killed publication
    # leaves its temporary file (and WAL).
    target.chmod(0o644)
    _killed_writer(target)
    assert target.with_name(target.name + ".wal").exists()
    dead = target.with_name(f".{target.name}.{2**22 + 1}.tmp")  # above Linux's pid_max: never a live process
    alive = target.with_name(f".{target.name}.{os.getppid()}.tmp")  # a publication still running
    for leftover in (dead, dead.with_name(dead.name + ".wal"), alive):
        leftover.write_bytes(b"halv")
    publish(conn, target, published_at=datetime(2026, 11, 28, tzinfo=timezone.utc), run_id="r2")
    reader = connect_published(target)
    assert reader.execute("SELECT run_id FROM meta.publication").fetchone() == ("r2",)
    reader.close()
    left = sorted(p.name for p in target.parent.iterdir())
    assert left == sorted([target.name, alive.name]), left


@pytest.mark.parametrize("series, unit, value, publishes", [
    ("upparbetade_investeringar_andel", "%", 112.0, True),     # an overrun of the investment budget
    ("sjukfranvaro_korttid_andel", "%", 112.0, False),         # a share that cannot pass 100
])
def test_a_share_of_a_budget_may_pass_100_percent_but_other_shares_may_not(conn, tmp_path, series, unit, value, publishes):
    # 112 % of the investment budget is what KF must see; it used to fail the 0–100 rule twice
    # (the observations and the indicator table) and stop the whole publication.
    conn.execute("INSERT INTO stg.file_observations (source, series, breakdown, region, period, period_start, "
                 "period_end, value, status, is_deleted, vintage, first_seen, fetched_at, file_sha256) VALUES "
                 "(?, ?, 'T', '1882', '2026M03', DATE '2026-03-01', DATE '2026-03-31', ?, '', false, 1, now(), now(), 'x')",
                 ["ekonomi" if series.startswith("upparbetade") else "hr", series, value])
    if series != "upparbetade_investeringar_andel":  # an indicator for it, as the catalog has for the other
        conn.execute("UPDATE cfg.indicators SET source = 'hr', series = ?, breakdown = 'T', unit = ? "
                     "WHERE indicator_id = 'korttidssjukskrivningar'", [series, unit])
    target = tmp_path / "pub.duckdb"
    if publishes:
        publish(conn, target, published_at=datetime(2026, 4, 2, tzinfo=timezone.utc))
        reader = connect_published(target)
        assert reader.execute("SELECT aktuellt_varde FROM ind.indicator_status "
                              "WHERE indicator_id = 'upparbetade_investeringar'").fetchone() == (value,)
        reader.close()
    else:
        with pytest.raises(PublishRefused, match="andel_0_100"):
            publish(conn, target, published_at=datetime(2026, 4, 2, tzinfo=timezone.utc))


def test_the_snapshot_leaves_the_response_bodies_in_the_working_file(conn, tmp_path):
    conn.execute("INSERT INTO raw.kolada_responses (url, fetched_at, status_code, sha256, payload) "
                 "VALUES ('https://api.kolada.se/v3/data/x', now(), 200, 'abc', '{\"values\": []}')")
    target = tmp_path / "pub.duckdb"
    publish(conn, target, published_at=datetime(2026, 11, 27, tzinfo=timezone.utc))
    snap = duckdb.connect(str(target), read_only=True)
    assert snap.execute("SELECT url, sha256 FROM raw.kolada_responses").fetchall() == [
        ("https://api.kolada.se/v3/data/x", "abc")]
    columns = {r[0] for r in snap.execute("DESCRIBE raw.kolada_responses").fetchall()}
    assert "payload" not in columns and {"response_id", "url", "fetched_at", "sha256"} <= columns
    assert "payload" not in {r[0] for r in snap.execute("DESCRIBE raw.scb_responses").fetchall()}
    assert conn.execute("SELECT payload FROM raw.kolada_responses").fetchall() == [('{"values": []}',)]


@pytest.mark.parametrize("change", [
    "INSERT INTO stg.kolada_observations VALUES ('kolada', 'N03937', 'T', '1882', '2022', DATE '2022-12-31', 5, '', "
    "false, 1, TIMESTAMPTZ '2026-11-01 00:00:00+00', TIMESTAMPTZ '2026-11-01 00:00:00+00', NULL)",
    "UPDATE cfg.indicators SET name = name || ' ' WHERE indicator_id = 'oppen_arbetsloshet'",
    "CREATE OR REPLACE VIEW ind.ny_vy AS SELECT 1 AS a",
    "CREATE OR REPLACE MACRO ind.nytt_makro(x) AS x + 1",
])
def test_any_change_a_controller_could_see_publishes_anew(conn, tmp_path, change):
    from warehouse.publishing.snapshot import fingerprint

    before = fingerprint(conn)
    assert fingerprint(conn) == before  # the same database, the same fingerprint
    conn.execute(change)
    assert fingerprint(conn) != before


def test_a_body_alone_changes_nothing_published(conn):
    """The bodies are not published, so a body rewritten in place (never done, but) is no reason to copy."""
    from warehouse.publishing.snapshot import fingerprint

    conn.execute("INSERT INTO raw.kolada_responses (url, fetched_at, status_code, sha256, payload) "
                 "VALUES ('u', TIMESTAMPTZ '2026-11-01 00:00:00+00', 200, 'abc', '{}')")
    before = fingerprint(conn)
    conn.execute("UPDATE raw.kolada_responses SET payload = '[]'")
    assert fingerprint(conn) == before


def test_a_snapshot_without_a_fingerprint_or_touched_since_is_published_anew(conn, tmp_path):
    target = tmp_path / "pub.duckdb"
    publish(conn, target, published_at=datetime(2026, 11, 27, tzinfo=timezone.utc), run_id="r1")
    target.chmod(0o644)  # someone made it writable: it may have been changed
    assert not publish(conn, target, published_at=datetime(2026, 11, 28, tzinfo=timezone.utc), run_id="r2")["unchanged"]
    # A snapshot of an older version, without the fingerprint column.
    target.chmod(0o644)
    with duckdb.connect(str(target)) as c:
        c.execute("ALTER TABLE meta.publication DROP COLUMN fingerprint")
    target.chmod(0o444)
    out = publish(conn, target, published_at=datetime(2026, 11, 29, tzinfo=timezone.utc), run_id="r3")
    assert not out["unchanged"]
    with duckdb.connect(str(target), read_only=True) as c:
        assert c.execute("SELECT run_id FROM meta.publication").fetchall() == [("r3",)]


def test_a_small_change_rewrites_only_its_tables_and_reads_like_a_fresh_copy(conn, tmp_path):
    """The nightly case: a bookkeeping row or one changed target. The updated snapshot holds
    exactly what a fresh copy would, and the quality gate still refuses a bad change."""
    target = tmp_path / "pub.duckdb"
    assert publish(conn, target, published_at=datetime(2026, 11, 27, tzinfo=timezone.utc))["mode"] == "hel kopia"
    conn.execute("UPDATE cfg.indicators SET onskat_varde = 3.5 WHERE indicator_id = 'oppen_arbetsloshet'")
    conn.execute("INSERT INTO raw.kolada_responses (url, fetched_at, status_code, sha256, payload) "
                 "VALUES ('u', TIMESTAMPTZ '2026-11-01 00:00:00+00', 200, 'abc', '{}')")
    out = publish(conn, target, published_at=datetime(2026, 11, 28, tzinfo=timezone.utc), run_id="r2")
    assert out["mode"] == "ändrade tabeller"
    assert out["changed_tables"] == ["cfg.indicators", "raw.kolada_responses"]
    fresh = tmp_path / "fresh.duckdb"
    publish(conn, fresh, published_at=datetime(2026, 11, 28, tzinfo=timezone.utc), run_id="r2")
    a, b = duckdb.connect(str(target), read_only=True), duckdb.connect(str(fresh), read_only=True)
    for schema, table in a.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name <> 'meta'").fetchall():
        rows = f"SELECT * FROM {schema}.{table} ORDER BY ALL"
        assert a.execute(rows).fetchall() == b.execute(rows).fetchall(), f"{schema}.{table}"
    assert a.execute("SELECT onskat_varde FROM cfg.indicators WHERE indicator_id = 'oppen_arbetsloshet'").fetchall() == [(3.5,)]
    assert a.execute('SELECT * FROM ind.namnd_indikatorer ORDER BY ALL').fetchall() == \
        b.execute('SELECT * FROM ind.namnd_indikatorer ORDER BY ALL').fetchall()
    assert stat_mode(target) == 0o444 and not list(tmp_path.glob(".*.tmp*"))
    a.close()
    b.close()
    # A bad change is refused by the gate before anything is written.
    before = sha(target)
    conn.execute("INSERT INTO stg.kolada_observations VALUES ('kolada', 'N03937', 'T', '188', '2022', "
                 "DATE '2022-12-31', 5, '', false, 1, now(), now(), NULL)")
    with pytest.raises(PublishRefused, match="gx_kommunkod_format"):
        publish(conn, target, published_at=datetime(2026, 11, 29, tzinfo=timezone.utc))
    assert sha(target) == before


def test_a_new_column_or_most_rows_changed_is_a_fresh_copy(conn, tmp_path):
    target = tmp_path / "pub.duckdb"
    publish(conn, target, published_at=datetime(2026, 11, 27, tzinfo=timezone.utc))
    conn.execute("ALTER TABLE cfg.indicators ADD COLUMN extra INTEGER")
    out = publish(conn, target, published_at=datetime(2026, 11, 28, tzinfo=timezone.utc))
    assert out["mode"] == "hel kopia"
    with duckdb.connect(str(target), read_only=True) as c:
        assert "extra" in {r[0] for r in c.execute("DESCRIBE cfg.indicators").fetchall()}
    conn.execute("UPDATE cfg.indicators SET extra = 1")
    conn.execute("INSERT INTO stg.kolada_observations SELECT 'kolada', 'N0' || i, 'T', '1882', '2022', "
                 "DATE '2022-12-31', 5, '', false, 1, now(), now(), NULL FROM range(5000) t(i)")
    assert publish(conn, target, published_at=datetime(2026, 11, 29, tzinfo=timezone.utc))["mode"] == "hel kopia"


def stat_mode(path):
    import stat
    return stat.S_IMODE(path.stat().st_mode)


def test_the_gate_trusts_a_pass_on_the_same_data_only(conn, tmp_path):
    """The indicators_job's asset check records its pass with the data's fingerprint; the gate
    skips that suite for the same data and runs it again once anything changed."""
    from warehouse.publishing.snapshot import fingerprint, record_passed

    record_passed(conn, quality.indicator_suite().name, fingerprint(conn))
    target = tmp_path / "pub.duckdb"
    out = publish(conn, target, published_at=datetime(2026, 11, 27, tzinfo=timezone.utc))
    suites = quality.publication_suites()
    assert out["rules_passed"] == sum(len(s.rules) for s in suites) - len(quality.indicator_suite().rules)
    # Changed after the pass (a view dropping an indicator): the gate runs the suite and refuses.
    conn.execute("ALTER VIEW ind.indicator_status RENAME TO indicator_status_full")
    conn.execute("CREATE VIEW ind.indicator_status AS SELECT * FROM ind.indicator_status_full "
                 "WHERE indicator_id <> 'oppen_arbetsloshet'")
    with pytest.raises(PublishRefused, match="gx_alla_indikatorer_med"):
        publish(conn, target, published_at=datetime(2026, 11, 28, tzinfo=timezone.utc))


def test_a_changed_rule_checks_every_table_again(conn, tmp_path, monkeypatch):
    """Unchanged tables are vouched for by the rules they passed; a stricter rule must read them."""
    conn.execute("INSERT INTO stg.kolada_observations VALUES ('kolada', 'N03937', 'T', '9999', '2022', "
                 "DATE '2022-12-31', 5, '', false, 1, now(), now(), NULL)")
    target = tmp_path / "pub.duckdb"
    publish(conn, target, published_at=datetime(2026, 11, 27, tzinfo=timezone.utc))
    monkeypatch.setattr(quality, "REGION", r"^[0-8]\d{3}$")
    with pytest.raises(PublishRefused, match="stg.kolada_observations gx_kommunkod_format.*region 9999"):
        publish(conn, target, published_at=datetime(2026, 11, 28, tzinfo=timezone.utc))
