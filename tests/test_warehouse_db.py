"""Connection settings: DuckDB's memory limit (docs/benchmarks.md)."""

from datetime import date

import pytest

from warehouse.core import db


def test_the_memory_limit_is_bounded_by_default_and_can_be_raised(tmp_path, monkeypatch):
    monkeypatch.delenv(db.MEMORY_ENV, raising=False)
    conn = db.connect(tmp_path / "a.duckdb")
    default = conn.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    conn.close()
    monkeypatch.setenv(db.MEMORY_ENV, "2GB")
    conn = db.connect(tmp_path / "a.duckdb")
    raised = conn.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    conn.close()
    # DuckDB reports the limit in its own units (e.g. "488.2 MiB" for 512MB).
    assert default.endswith("MiB") and float(default.split()[0]) < 512
    assert raised.endswith("GiB") and float(raised.split()[0]) > 1.5


@pytest.mark.parametrize("value", ["1GB; DROP TABLE x", "mycket", "512"])
def test_a_malformed_memory_limit_is_refused_by_name(tmp_path, monkeypatch, value):
    monkeypatch.setenv(db.MEMORY_ENV, value)
    with pytest.raises(ValueError, match="MALSTYRNING_DUCKDB_MINNE"):
        db.connect(tmp_path / "a.duckdb")


def test_migration_017_keeps_the_kf_report_log_and_adds_the_body(tmp_path):
    # A warehouse of before the nämnd meetings, with one KF report logged, migrated in place.
    import duckdb as ddb

    from warehouse.core.db import SCHEMA_DIR

    conn = ddb.connect(str(tmp_path / "old.duckdb"))
    conn.execute("CREATE SCHEMA meta")
    conn.execute("CREATE TABLE meta.schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
                 "applied_at TIMESTAMPTZ NOT NULL)")
    for path in sorted(SCHEMA_DIR.glob("[0-9][0-9][0-9]_*.sql")):
        if int(path.name[:3]) >= 17:
            break
        conn.execute(path.read_text(encoding="utf-8"))
        conn.execute("INSERT INTO meta.schema_migrations VALUES (?, ?, now())", [int(path.name[:3]), path.name])
    conn.execute("INSERT INTO rep.report_log (meeting_date, indicator_id, source, series, region, period, period_end, "
                 "value, vintage, first_seen, reported_at, reported_by, status) VALUES ('2026-12-14', 'gastnatter', "
                 "'kolada', 'N45850', '1882', '2022', '2022-12-31', 8.49, 1, now(), now(), 'test', 'uppnått')")
    assert db.migrate(conn) == ["017_uppdrag_and_namnd_meetings.sql", "018_view_definitions.sql", "019_rules_passed.sql",
                                  "020_body_files.sql", "021_public_import.sql"]
    db.ensure_views(conn)
    assert conn.execute("SELECT body, indicator_id, value, status, reported_by FROM rep.report_log").fetchall() == [
        ("KF", "gastnatter", 8.49, "uppnått", "test")]
    # The key now holds the body: the same meeting day and indicator may be logged for a nämnd.
    conn.execute("INSERT INTO rep.report_log (meeting_date, indicator_id, source, series, region, period, period_end, "
                 "value, vintage, first_seen, reported_at, body) SELECT meeting_date, indicator_id, source, series, "
                 "region, period, period_end, value, vintage, first_seen, reported_at, 'Socialnämnden' "
                 "FROM rep.report_log").fetchall()
    assert conn.execute("SELECT count(*) FROM ind.kf_revisions_asof('2026-12-15')").fetchall() == [(0,)]
    conn.close()


def test_views_are_created_once_and_again_when_their_sql_or_a_view_changes(tmp_path, monkeypatch):
    """Every step opens the warehouse: an unchanged set of views is not created again, but a
    changed view file, a view dropped by hand, another clock or a migration recreate them."""
    conn = db.connect(tmp_path / "w.duckdb")
    db.migrate(conn)
    assert db.ensure_views(conn) is True
    assert db.ensure_views(conn) is False
    conn.execute("DROP VIEW ind.namnd_indikatorer")
    assert db.ensure_views(conn) is True
    assert conn.execute("SELECT count(*) FROM ind.namnd_indikatorer").fetchall()
    assert db.ensure_views(conn, force=True) is True
    monkeypatch.setenv("MALSTYRNING_NOW", "2027-01-15T10:00:00+01:00")
    assert db.ensure_views(conn) is True
    assert conn.execute("SELECT ind.today()").fetchall() == [(date(2027, 1, 15),)]
    extra = tmp_path / "extra.sql"
    extra.write_text("CREATE OR REPLACE VIEW ind.extra AS SELECT 1 AS a;", encoding="utf-8")
    monkeypatch.setattr(db, "VIEW_FILES", db.VIEW_FILES + (str(extra),))
    assert db.ensure_views(conn) is True
    assert conn.execute("SELECT a FROM ind.extra").fetchall() == [(1,)]


def test_a_database_file_named_like_a_schema_is_refused_before_it_is_created(tmp_path, monkeypatch):
    import re

    from dagster_duckdb import DuckDBResource

    from pipelines.defs.resources import warehouse
    from warehouse.core.db import SCHEMA_DIR, SCHEMAS
    from warehouse.publishing.snapshot import published_path

    # Every schema the migrations create is guarded (a new one must join SCHEMAS).
    created = {m.lower() for path in SCHEMA_DIR.glob("*.sql")
               for m in re.findall(r"CREATE SCHEMA IF NOT EXISTS (\w+)", path.read_text(encoding="utf-8"))}
    assert created <= set(SCHEMAS) and "ind" in created
    # DuckDB itself cannot tell the file from the schema: every view would fail.
    with pytest.raises(ValueError, match=r"ind\.duckdb: en databasfil får inte heta som ett av lagrets scheman"):
        db.connect(tmp_path / "ind.duckdb")
    with pytest.raises(ValueError, match=r"STG\.duckdb"):
        with warehouse(DuckDBResource(database=str(tmp_path / "STG.duckdb"))):
            pass
    monkeypatch.setenv("MALSTYRNING_PUBLISHED", str(tmp_path / "rep.duckdb"))
    with pytest.raises(ValueError, match=r"rep\.duckdb"):
        published_path()
    assert not list(tmp_path.iterdir())  # nothing created
    db.connect(tmp_path / "indikatorer.duckdb").close()  # a name merely starting like one is fine
