"""The published snapshot opens with the DuckDB CLI controllers install from the package index
(duckdb-cli 1.5.6, reads storage versions up to 1.5): every view and the controllers' macros."""

import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from tests.test_cli import built  # noqa: F401 - the module-scoped replay warehouse
from warehouse.core import db
from warehouse.publishing.snapshot import publish

CLI = Path(sys.executable).with_name("duckdb")


def _cli(path: Path, sql: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(CLI), "-readonly", "-csv", "-noheader", str(path), "-c", sql],
                          capture_output=True, text=True, timeout=60)


def test_the_duckdb_cli_of_the_package_index_reads_every_view(built, tmp_path):  # noqa: F811
    assert CLI.exists(), f"{CLI} saknas: installera dev-beroendena (make install)"
    assert "v1.5" in subprocess.run([str(CLI), "--version"], capture_output=True, text=True).stdout
    work = tmp_path / "wh.duckdb"
    shutil.copy(built, work)
    conn = db.connect(work)
    target = tmp_path / "snapshot.duckdb"
    publish(conn, target, published_at=datetime.now(timezone.utc))
    views = [f"{s}.{v}" for s, v in conn.execute(
        "SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal AND database_name = current_database()"
    ).fetchall()]
    expected = {v: conn.execute(f"SELECT count(*) FROM {v}").fetchall()[0][0] for v in views}
    conn.close()
    assert len(views) >= 10
    for view in views:
        out = _cli(target, f"SELECT count(*) FROM {view}")
        assert out.returncode == 0, (view, out.stderr)
        assert int(out.stdout.strip()) == expected[view], view
    for macro in ("ind.kf_due_asof(DATE '2026-12-01')", "ind.kf_maluppfyllelse_asof(DATE '2026-12-01', ar := 2022)",
                  "ind.kf_revisions_asof(DATE '2026-12-01')"):
        out = _cli(target, f"SELECT count(*) FROM {macro}")
        assert out.returncode == 0, (macro, out.stderr)
