"""Connection settings: DuckDB's memory limit (docs/benchmarks.md)."""

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
