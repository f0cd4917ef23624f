"""warehouse/core/backup.py: a backup restored gives the same report log, vintages and bodies;
a damaged backup or an existing warehouse is refused before anything is replaced."""

import json
import shutil

import pytest

from tests.test_warehouse_kolada import URL, data_page
from warehouse.core import bodies, db
from warehouse.core.backup import MANIFEST, BackupError, backup, restore
from warehouse.core.bodies import read_body
from warehouse.kolada.landing import land, spool_pages

REPORT_LOG = "SELECT * FROM rep.report_log ORDER BY ALL"


def stocked(conn, tmp_path):
    """The test warehouse with a landed Kolada page (a body file), a report-log row and an AF file."""
    page = data_page(URL, {"1882": 8.5}, "2026-03-01")
    with spool_pages([page]) as spool:
        _, ids = land(conn, spool, partition_keys=["2022"], kpis=["N45850"], municipalities=["1882"])
    conn.execute("INSERT INTO rep.report_log (meeting_date, indicator_id, source, series, region, period, period_end, "
                 "value, vintage, first_seen, reported_at, reported_by, status) VALUES ('2026-12-14', 'gastnatter', "
                 "'kolada', 'N45850', '1882', '2022', '2022-12-31', 8.49, 1, now(), now(), 'test', 'uppnått')")
    af = tmp_path / "af"
    af.mkdir()
    (af / "tid_utan_arbete.xlsx").write_bytes(b"PK\x03\x04 en arbetsbok")
    return ids[0], page.body, af


def test_a_restored_backup_has_the_same_report_log_bodies_and_files(conn, tmp_path):
    database = tmp_path / "unit.duckdb"
    response_id, body, af = stocked(conn, tmp_path)
    log, tables = conn.execute(REPORT_LOG).fetchall(), conn.execute("SELECT count(*) FROM duckdb_tables()").fetchone()
    copy = backup(conn, database, tmp_path / "backups", {"af": af})
    conn.close()
    assert not list((tmp_path / "backups").glob("*.part"))
    manifest = json.loads((copy / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["tables"]["rep.report_log"] == 1 and max(manifest["migrations"]) >= 20

    with pytest.raises(BackupError, match="finns redan"):  # never over a warehouse unasked
        restore(copy, database, {"af": af})
    # The machine is lost: the warehouse, its bodies and AF's files.
    for path in (database, bodies.folder_for(database), af):
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    restore(copy, database, {"af": af})
    again = db.connect(database)
    assert again.execute(REPORT_LOG).fetchall() == log
    assert again.execute("SELECT count(*) FROM duckdb_tables()").fetchone() == tables
    assert read_body(again, "raw.kolada_responses", response_id) == body
    assert (af / "tid_utan_arbete.xlsx").read_bytes() == b"PK\x03\x04 en arbetsbok"
    again.close()


def test_a_damaged_backup_is_refused_and_the_warehouse_left_as_it_is(conn, tmp_path):
    database = tmp_path / "unit.duckdb"
    stocked(conn, tmp_path)
    copy = backup(conn, database, tmp_path / "backups")
    log = conn.execute(REPORT_LOG).fetchall()
    conn.close()
    (body,) = list((copy / bodies.folder_for(database).name).rglob("*.json"))
    body.write_bytes(body.read_bytes().replace(b"8.5", b"9.5"))
    with pytest.raises(BackupError, match=f"{body.name}: innehållet skiljer sig"):
        restore(copy, database, overwrite=True)
    assert db.connect(database, read_only=True).execute(REPORT_LOG).fetchall() == log


def test_a_restore_that_fails_after_moving_the_warehouse_aside_puts_it_back(conn, tmp_path, monkeypatch):
    database = tmp_path / "unit.duckdb"
    stocked(conn, tmp_path)
    copy = backup(conn, database, tmp_path / "backups")
    conn.execute("DELETE FROM rep.report_log")  # the state now differs from the backup
    conn.close()
    manifest = json.loads((copy / MANIFEST).read_text(encoding="utf-8"))
    manifest["tables"]["rep.report_log"] = 7  # what the copy does not hold: checked after copying
    (copy / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(BackupError, match="stämmer inte"):
        restore(copy, database, overwrite=True)
    now = db.connect(database, read_only=True)
    assert now.execute("SELECT count(*) FROM rep.report_log").fetchone() == (0,)  # as before the restore
    assert not list(tmp_path.glob("*.fore-aterstallning"))


def test_the_command_line_backs_up_and_restores_the_working_file(conn, tmp_path, monkeypatch, capsys):
    from pipelines.cli import main

    database = tmp_path / "unit.duckdb"
    stocked(conn, tmp_path)  # its AF file in tmp_path/af: where the command looks beside the warehouse
    log = conn.execute(REPORT_LOG).fetchall()
    conn.close()
    monkeypatch.setenv("MALSTYRNING_DUCKDB", str(database))
    monkeypatch.delenv("MALSTYRNING_AF_DIR", raising=False)
    monkeypatch.delenv("MALSTYRNING_INBOX", raising=False)
    assert main(["backup", "--till", str(tmp_path / "kopior")]) == 0
    (copy,) = (tmp_path / "kopior").iterdir()
    assert str(copy) in capsys.readouterr().out.split()  # the path whole, to copy
    assert main(["restore", str(copy)]) == 1
    assert "finns redan" in capsys.readouterr().err
    database.unlink()
    shutil.rmtree(tmp_path / "af")
    monkeypatch.setenv("MALSTYRNING_DUCKDB", str(tmp_path / "ind.duckdb"))  # named like a schema
    assert main(["restore", str(copy)]) == 1 and "får inte heta som" in capsys.readouterr().err
    assert not (tmp_path / "ind.duckdb").exists()
    monkeypatch.setenv("MALSTYRNING_DUCKDB", str(database))
    assert main(["restore", str(copy)]) == 0
    assert "kopian gjord 20" in capsys.readouterr().out
    assert db.connect(database, read_only=True).execute(REPORT_LOG).fetchall() == log
    assert (tmp_path / "af" / "tid_utan_arbete.xlsx").exists()
