"""Vintage-keeping, idempotent loading of observations."""

from datetime import date

import pandas as pd
import pytest

from tests.conftest import at, observe
from warehouse import db
from warehouse.db import one
from warehouse.observations import DuplicateObservations, Scope, merge_observations


def rows(conn):
    return conn.execute(
        "SELECT series, region, period, vintage, value, is_deleted FROM stg.kolada_observations ORDER BY ALL"
    ).fetchall()


def test_migrations_are_recorded_and_not_reapplied(conn):
    assert db.migrate(conn) == []
    names = [n for (n,) in conn.execute("SELECT name FROM meta.schema_migrations ORDER BY version").fetchall()]
    assert names == sorted(p.name for p in db.SCHEMA_DIR.glob("[0-9][0-9][0-9]_*.sql")) and names[0] == "001_init.sql"


def test_same_value_twice_changes_nothing(conn):
    first = observe(conn, "N45850", 2022, 8.49, "2026-03-01")
    before = rows(conn)
    second = observe(conn, "N45850", 2022, 8.49, "2026-03-02")
    assert (first.inserted, second.changed) == (1, 0)
    assert rows(conn) == before


def test_revision_adds_a_vintage_and_keeps_the_old_one(conn):
    observe(conn, "N45850", 2022, 8.49, "2026-03-01")
    result = observe(conn, "N45850", 2022, 8.61, "2026-04-01")
    assert result.revised == 1
    assert rows(conn) == [("N45850", "1882", "2022", 1, 8.49, False), ("N45850", "1882", "2022", 2, 8.61, False)]
    current = conn.execute("SELECT value, vintage, first_seen FROM stg.current_observations").fetchall()
    assert current[0][:2] == (8.61, 2)
    assert current[0][2] == at("2026-04-01")


def test_null_value_is_stored_as_null_not_zero(conn):
    observe(conn, "N45850", 2022, None, "2026-03-01")
    assert rows(conn) == [("N45850", "1882", "2022", 1, None, False)]


def test_deleted_value_gets_a_tombstone(conn):
    observe(conn, "N45850", 2022, 8.49, "2026-03-01")
    result = observe(conn, "N45850", 2022, None, "2026-05-01", deleted=True)
    assert result.deleted == 1
    assert rows(conn)[-1] == ("N45850", "1882", "2022", 2, None, True)
    assert one(conn, "SELECT count(*) FROM stg.current_observations")[0] == 0
    # A deletion of something never seen, or seen deleted already, adds nothing.
    assert observe(conn, "N45850", 2022, None, "2026-05-02", deleted=True).changed == 0
    assert observe(conn, "N01004", 2022, None, "2026-05-02", deleted=True).changed == 0


def test_value_missing_from_a_full_fetch_is_deleted(conn):
    observe(conn, "N45850", 2021, 8.09, "2026-03-01")
    observe(conn, "N45850", 2022, 8.49, "2026-03-01")
    empty = pd.DataFrame(columns=["series", "breakdown", "region", "period", "period_end", "value", "status", "is_deleted", "fetched_at", "response_id"])
    scope = Scope(series=["N45850"], regions=["1882"], periods=["2022"], fetched_at=at("2026-06-01"))
    result = merge_observations(conn, "stg.kolada_observations", "kolada", empty, scope)
    assert result.deleted == 1
    current = conn.execute("SELECT period FROM stg.current_observations").fetchall()
    assert current == [("2021",)]  # outside the fetch's scope: untouched


def test_duplicate_keys_in_one_fetch_are_refused(conn):
    frame = pd.DataFrame(
        [
            {"series": "N45850", "breakdown": "T", "region": "1882", "period": "2022", "period_end": date(2022, 12, 31),
             "value": v, "status": "", "is_deleted": False, "fetched_at": at("2026-03-01"), "response_id": 1}
            for v in (8.49, 8.5)
        ]
    )
    with pytest.raises(DuplicateObservations, match="dubblerade nycklar"):
        merge_observations(conn, "stg.kolada_observations", "kolada", frame)
    assert rows(conn) == []
