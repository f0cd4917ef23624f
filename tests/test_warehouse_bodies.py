"""warehouse/core/bodies.py: Kolada's data pages stored as files beside the warehouse."""

import os
import time

import duckdb
import pytest

from tests.test_warehouse_kolada import URL, data_page
from warehouse.core import bodies, db
from warehouse.core.bodies import read_body
from warehouse.kolada.landing import Spool, land, spool_pages


def files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.json")) if root.exists() else []


def land_pages(conn, pages, check=None, directory=None):
    with Spool(directory) as spool:
        for p in pages:
            spool.add(p)
        return land(conn, spool, partition_keys=["2022"], kpis=["N45850"], municipalities=["1880", "1882"],
                    check=check)


def test_a_landed_page_is_a_file_beside_the_warehouse_with_the_bytes_received(conn, tmp_path):
    pages = [data_page(URL, {"1882": 1.5}, "2026-03-01"), data_page(URL + "&page=2", {"1880": None}, "2026-03-01")]
    _, ids = land_pages(conn, pages, directory=bodies.spool_folder(tmp_path / "unit.duckdb"))
    root = tmp_path / "unit.bodies"
    assert bodies.folder(conn) == root
    assert files(root) == sorted(bodies.name("kolada", p.sha256) for p in pages)
    rows = conn.execute("SELECT payload, body_file, sha256 FROM raw.kolada_responses ORDER BY response_id").fetchall()
    assert [(payload, name) for payload, name, _ in rows] == [(None, bodies.name("kolada", p.sha256)) for p in pages]
    assert [read_body(conn, "raw.kolada_responses", i) for i in ids] == [p.body for p in pages]
    assert list((root / bodies.SPOOL).iterdir()) == []  # the spool is gone, its files moved
    # The values came from the same files.
    assert conn.execute("SELECT municipality, value FROM raw.kolada_values ORDER BY 1").fetchall() == [
        ("1880", None), ("1882", 1.5)]


def test_one_body_from_two_urls_is_one_file_and_landing_it_again_adds_nothing(conn, tmp_path):
    a = data_page(URL, {"1882": 2.0}, "2026-03-01")
    b = data_page(URL.replace("1882", "1880"), {"1882": 2.0}, "2026-03-01")  # the same bytes
    assert a.sha256 == b.sha256
    land_pages(conn, [a, b])
    root = tmp_path / "unit.bodies"
    assert files(root) == [bodies.name("kolada", a.sha256)]
    before = (root / bodies.name("kolada", a.sha256)).stat().st_mtime_ns
    land_pages(conn, [a, b])
    assert db.one(conn, "SELECT count(*) FROM raw.kolada_responses")[0] == 2
    assert (root / bodies.name("kolada", a.sha256)).stat().st_mtime_ns == before


def test_a_landing_that_fails_leaves_no_row_and_no_new_file(conn, tmp_path):
    kept = data_page(URL, {"1882": 1.0}, "2026-03-01")
    land_pages(conn, [kept])
    root = tmp_path / "unit.bodies"
    before = files(root)

    def refuse(c):
        raise RuntimeError("kontrollen säger nej")

    with pytest.raises(RuntimeError, match="säger nej"):
        land_pages(conn, [data_page(URL, {"1882": 7.0}, "2026-04-01"), kept], check=refuse)
    assert files(root) == before
    assert db.one(conn, "SELECT count(*) FROM raw.kolada_responses")[0] == 1


def test_a_warehouse_in_memory_keeps_the_bodies_in_the_table():
    conn = duckdb.connect()
    db.migrate(conn)
    page = data_page(URL, {"1882": 3.0}, "2026-03-01")
    with spool_pages([page]) as spool:
        _, ids = land(conn, spool, partition_keys=["2022"], kpis=["N45850"], municipalities=["1882"])
    assert bodies.folder(conn) is None
    assert db.one(conn, "SELECT body_file IS NULL AND payload IS NOT NULL FROM raw.kolada_responses")[0]
    assert read_body(conn, "raw.kolada_responses", ids[0]) == page.body


def test_a_spool_on_another_file_system_is_copied_durably(conn, tmp_path, monkeypatch):
    real = os.replace
    calls = []

    def cross_device(src, dst):
        calls.append(str(dst))
        if str(dst).endswith(".json") and len(calls) == 1:
            raise OSError(18, "Invalid cross-device link")
        return real(src, dst)

    monkeypatch.setattr(bodies.os, "replace", cross_device)
    page = data_page(URL, {"1882": 4.0}, "2026-03-01")
    _, ids = land_pages(conn, [page])
    assert read_body(conn, "raw.kolada_responses", ids[0]) == page.body
    assert files(tmp_path / "unit.bodies") == [bodies.name("kolada", page.sha256)]
    assert not list((tmp_path / "unit.bodies").rglob("*.part"))


def test_a_spool_left_by_a_killed_fetch_is_removed_after_a_day_and_a_fresh_one_kept(tmp_path):
    spools = bodies.spool_folder(tmp_path / "wh.duckdb")
    old, fresh = spools / "kolada_spool_old", spools / "kolada_spool_fresh"
    for d in (old, fresh):
        (d / "pages").mkdir(parents=True)
    day_ago = time.time() - bodies.STALE_SPOOL_SECONDS - 60
    os.utime(old, (day_ago, day_ago))
    bodies.spool_folder(tmp_path / "wh.duckdb")
    assert sorted(p.name for p in spools.iterdir()) == ["kolada_spool_fresh"]
    assert bodies.spool_folder(":memory:") is None


def test_a_landing_with_every_body_already_stored_in_the_table_needs_no_body_folder(conn, tmp_path):
    """A warehouse from before body files (every body in `payload`, no `.bodies/kolada` folder)
    whose night brings only pages it already has: nothing to place, nothing to sync."""
    page = data_page(URL, {"1882": 2.0}, "2026-03-01")
    land_pages(conn, [page])
    root = tmp_path / "unit.bodies"
    conn.execute("UPDATE raw.kolada_responses SET payload = ?, body_file = NULL", [page.body.decode("utf-8")])
    for path in sorted(root.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    land_pages(conn, [page])
    assert db.one(conn, "SELECT count(*) FROM raw.kolada_responses WHERE body_file IS NULL")[0] == 1
    assert not (root / "kolada").exists()
