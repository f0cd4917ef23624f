from __future__ import annotations

import shutil
from functools import lru_cache
from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd
import pytest

from indicator_catalog.catalog import DEFAULT_DIR, load_catalog
from warehouse.core import db
from warehouse.indicators.catalog_tables import load_catalog_tables
from warehouse.core.observations import merge_observations

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
FIXED_NOW = "2026-11-25T10:00:00+01:00"  # after KF 23 Nov, before the 27 Nov deadline for KF 14 Dec


@lru_cache(maxsize=None)
def _dump_file(name: str) -> dict:
    import csv

    # The catalog folder first, then national_300 (the medborgarundersökning KPIs), as
    # tools/build_kolada_recordings.py reads them.
    path = next((p for p in (SHARED / "fixtures" / "kolada_dump" / sub / name for sub in ("catalog", "national_300"))
                 if p.exists()), None)
    if path is None:
        return {}
    out = {}
    for r in csv.DictReader(path.open(encoding="utf-8")):
        kpi = name.split("--")[2]
        out[(r["geo"], int(r["year"]), r.get("gender", "t"))] = float(r[kpi])
    return out


def dump_value(kpi: str, geo: str, year: int, gender: str = "T") -> float | None:
    """A value straight from ../shared/fixtures/kolada_dump, to check recordings against."""
    k = kpi.lower()
    name = f"ddf--datapoints--{k}--by--geo--year.csv" if gender == "T" else f"ddf--datapoints--{k}--by--geo--gender--year.csv"
    values = _dump_file(name)
    if not values and not (SHARED / "fixtures" / "kolada_dump").exists():
        pytest.skip("../shared/fixtures/kolada_dump saknas")
    return values.get((geo, year, gender.lower()))


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    """Every test: replay mode, its own DuckDB file, the bundled catalog, no env leaking in,
    a 100-column terminal and a fixed clock, so what is due at which meeting of the bundled calendar does not
    depend on the day the suite runs."""
    monkeypatch.setenv("MALSTYRNING_HTTP_MODE", "replay")
    monkeypatch.setenv("MALSTYRNING_NOW", FIXED_NOW)
    monkeypatch.setenv("MALSTYRNING_RATELIMIT_DIR", str(tmp_path / "ratelimit"))
    monkeypatch.setenv("MALSTYRNING_DUCKDB", str(tmp_path / "warehouse.duckdb"))
    # Text output is laid out for the terminal's width: the same width whatever window runs the suite.
    monkeypatch.setenv("COLUMNS", "100")
    for var in ("MALSTYRNING_CATALOG_DIR", "MALSTYRNING_KOMMUN", "MALSTYRNING_JAMFORELSEGRUPP", "MALSTYRNING_RECORDINGS_DIR",
                "MALSTYRNING_OMFATTNING"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def catalog_copy(tmp_path) -> Path:
    """A writable copy of the bundled catalog to break or edit."""
    target = tmp_path / "catalog"
    shutil.copytree(DEFAULT_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


@pytest.fixture
def conn(tmp_path):
    """A migrated warehouse with the nämnder's bundled catalog, KF's goals left out: the tests of
    the nämnd rules count and name the nämnd indicators (KF's mått share some of their series).
    `kf_conn` has the whole catalog."""
    c = db.connect(tmp_path / "unit.duckdb")
    db.migrate(c)
    db.ensure_views(c)
    load_catalog_tables(c, load_catalog().without_kf_goals())
    yield c
    c.close()


@pytest.fixture
def kf_conn(tmp_path):
    """A migrated warehouse with the whole bundled catalog, KF's goals and their mått included."""
    c = db.connect(tmp_path / "kf.duckdb")
    db.migrate(c)
    db.ensure_views(c)
    load_catalog_tables(c, load_catalog())
    yield c
    c.close()


def at(day: str, hour: int = 12) -> datetime:
    d = date.fromisoformat(day)
    return datetime(d.year, d.month, d.day, hour, tzinfo=timezone.utc)


def observe(conn, series: str, period: int, value, seen: str, *, region: str = "1882", breakdown: str = "T", deleted: bool = False):
    """Merge one Kolada observation as if a fetch on `seen` had returned it."""
    frame = pd.DataFrame(
        [
            {
                "series": series,
                "breakdown": breakdown,
                "region": region,
                "period": str(period),
                "period_end": date(period, 12, 31),
                "value": value,
                "status": "",
                "is_deleted": deleted,
                "fetched_at": at(seen),
                "response_id": 1,
            }
        ]
    ).astype({"value": "float64"})
    return merge_observations(conn, "stg.kolada_observations", "kolada", frame)


BUN, SOCIAL = "Barn- och utbildningsnämnden", "Socialnämnden"
# meeting, paper deadline, nämnder whose välfärd indicators are presented
ROLLING_MEETINGS = [("2026-03-30", "2026-03-13", [BUN]), ("2026-04-27", "2026-04-10", [SOCIAL]),
            ("2026-06-15", "2026-05-29", [BUN])]
VALFARD = ("oppen_arbetsloshet", "N03937")  # Välfärd, Barn- och utbildningsnämnden
PLAIN = ("gastnatter", "N45850")            # Attraktion, Socialnämnden


def use_rolling_calendar(conn):
    """Replace the calendar with ROLLING_MEETINGS, three meetings with välfärd turns."""
    conn.execute("DELETE FROM cfg.kf_meetings")
    conn.execute("DELETE FROM cfg.kf_valfard_turns")
    for meeting, deadline, turns in ROLLING_MEETINGS:
        conn.execute("INSERT INTO cfg.kf_meetings VALUES (CAST(? AS DATE), CAST(? AS DATE), NULL)", [meeting, deadline])
        for namnd in turns:
            conn.execute("INSERT INTO cfg.kf_valfard_turns VALUES (CAST(? AS DATE), ?)", [meeting, namnd])
    conn.execute("DELETE FROM cfg.kf_calendar")
    conn.execute("INSERT INTO cfg.kf_calendar VALUES (true)")
    return conn


@pytest.fixture
def rolling(conn):
    """Three meetings with välfärd turns (tests/test_kf_rolling.py, test_kf_forecast.py)."""
    return use_rolling_calendar(conn)
