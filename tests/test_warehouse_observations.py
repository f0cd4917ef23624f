"""Vintage-keeping, idempotent loading of observations."""

from datetime import date

import pandas as pd
import pytest

from tests.conftest import at, observe
from warehouse.core import db
from warehouse.core.db import one
from warehouse.core.observations import DuplicateObservations, RetireGuard, RetirementRefused, Scope, merge_observations


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


COLS = ["series", "breakdown", "region", "period", "period_end", "value", "status", "is_deleted", "fetched_at", "response_id"]


def answer(values: dict, seen: str, period: int = 2022, deleted=()) -> pd.DataFrame:
    """A Kolada answer for one year: {(series, breakdown, region): value}; keys in `deleted`
    come back flagged isdeleted."""
    rows = [{"series": s, "breakdown": b, "region": r, "period": str(period), "period_end": date(period, 12, 31),
             "value": None if (s, b, r) in deleted else v, "status": "", "is_deleted": (s, b, r) in deleted,
             "fetched_at": at(seen), "response_id": 1} for (s, b, r), v in values.items()]
    return pd.DataFrame(rows, columns=COLS).astype({"value": "float64", "is_deleted": "bool"})


def full_scope(seen: str, series=("N45850",), regions=("1882", "0617"), periods=("2022",)) -> Scope:
    return Scope(series=list(series), regions=list(regions), periods=list(periods), fetched_at=at(seen))


def current(conn) -> list:
    return conn.execute("SELECT series, breakdown, region, period, value FROM stg.current_observations "
                        "ORDER BY ALL").fetchall()


def test_value_missing_where_its_unit_answered_for_the_series_is_deleted(conn):
    # The unit answered for N45850 (T) in the fetch, so its missing K value is gone at the source.
    observe(conn, "N45850", 2021, 8.09, "2026-03-01")
    observe(conn, "N45850", 2022, 8.49, "2026-03-01")
    observe(conn, "N45850", 2022, 8.1, "2026-03-01", breakdown="K")
    incoming = answer({("N45850", "T", "1882"): 8.49}, "2026-06-01")
    scope = Scope(series=["N45850"], regions=["1882"], periods=["2022"], fetched_at=at("2026-06-01"))
    result = merge_observations(conn, "stg.kolada_observations", "kolada", incoming, scope)
    assert result.deleted == 1
    assert current(conn) == [("N45850", "T", "1882", "2021", 8.09), ("N45850", "T", "1882", "2022", 8.49)]


def test_an_answer_without_a_unit_keeps_that_units_values(conn):
    # Kolada answered a full fetch for two units with one: an incomplete answer, not a deletion.
    for region, value in (("1882", 8.49), ("0617", 5.2)):
        observe(conn, "N45850", 2022, value, "2026-03-01", region=region)
    before = current(conn)
    result = merge_observations(conn, "stg.kolada_observations", "kolada",
                                answer({("N45850", "T", "1882"): 8.49}, "2026-06-01"), full_scope("2026-06-01"))
    assert result.changed == 0 and current(conn) == before


def test_an_empty_answer_and_an_answer_without_a_series_retire_nothing(conn):
    observe(conn, "N45850", 2022, 8.49, "2026-03-01")
    observe(conn, "N01004", 2022, 3.0, "2026-03-01")
    before = current(conn)
    empty = pd.DataFrame(columns=COLS)
    assert merge_observations(conn, "stg.kolada_observations", "kolada", empty,
                              full_scope("2026-06-01", series=("N45850", "N01004"))).changed == 0
    only_one = answer({("N45850", "T", "1882"): 8.49}, "2026-06-02")
    assert merge_observations(conn, "stg.kolada_observations", "kolada", only_one,
                              full_scope("2026-06-02", series=("N45850", "N01004"))).changed == 0
    assert current(conn) == before


def _five_units(conn):
    units = ["0617", "0840", "1083", "1265", "1882"]
    for region in units:
        for b in ("T", "K", "M"):
            observe(conn, "N45850", 2022, 8.0, "2026-03-01", region=region, breakdown=b)
    return units


@pytest.mark.parametrize("retired, refused", [(3, False), (4, True)])
def test_an_answer_retiring_more_than_a_small_share_is_refused_whole(conn, retired, refused):
    # 15 current values: 3 may go without confirmation (RetireGuard.free), a fourth is 27 % > 5 %.
    units = _five_units(conn)
    values = {("N45850", b, r): 8.0 for r in units for b in ("T", "K", "M")}
    gone = [("N45850", b, r) for r in units[:2] for b in ("K", "M")][:retired]
    # two of them missing from the answer (their units answered T), the rest flagged deleted
    incoming = answer({k: v for k, v in values.items() if k not in gone[:2]}, "2026-06-01", deleted=gone[2:])
    scope = full_scope("2026-06-01", regions=units)
    before = conn.execute("SELECT * FROM stg.kolada_observations ORDER BY ALL").fetchall()
    if refused:
        with pytest.raises(RetirementRefused, match=r"ta bort 4 av 15 aktuella värden \(27 %.*bekrafta_borttagning"):
            merge_observations(conn, "stg.kolada_observations", "kolada", incoming, scope, guard=RetireGuard())
        assert conn.execute("SELECT * FROM stg.kolada_observations ORDER BY ALL").fetchall() == before
        # confirmed (no guard), the same answer retires them
        assert merge_observations(conn, "stg.kolada_observations", "kolada", incoming, scope).deleted == 4
    else:
        assert merge_observations(conn, "stg.kolada_observations", "kolada", incoming, scope,
                                  guard=RetireGuard()).deleted == 3


def test_the_share_is_of_the_current_values_in_scope():
    guard = RetireGuard(max_share=0.05, free=3)
    assert guard.allows(3, 3) and guard.allows(50, 1000) and not guard.allows(51, 1000) and not guard.allows(4, 0)


def test_a_dry_run_writes_nothing_and_still_refuses(conn):
    units = _five_units(conn)
    before = conn.execute("SELECT * FROM stg.kolada_observations ORDER BY ALL").fetchall()
    incoming = answer({("N45850", "T", r): 9.0 for r in units}, "2026-06-01")  # K and M gone for all five
    with pytest.raises(RetirementRefused):
        merge_observations(conn, "stg.kolada_observations", "kolada", incoming, full_scope("2026-06-01", regions=units),
                           guard=RetireGuard(), dry_run=True)
    result = merge_observations(conn, "stg.kolada_observations", "kolada", incoming,
                                full_scope("2026-06-01", regions=units), dry_run=True)
    assert (result.revised, result.deleted) == (5, 10)
    assert conn.execute("SELECT * FROM stg.kolada_observations ORDER BY ALL").fetchall() == before


def test_a_value_that_returns_unchanged_keeps_its_first_seen_and_history_stays_true(conn):
    observe(conn, "N45850", 2022, 8.49, "2026-03-01")
    observe(conn, "N45850", 2022, None, "2026-05-01", deleted=True)
    observe(conn, "N45850", 2022, 8.49, "2026-06-01")
    assert conn.execute("SELECT vintage, first_seen, fetched_at FROM stg.kolada_observations ORDER BY vintage").fetchall() \
        == [(1, at("2026-03-01"), at("2026-03-01")), (2, at("2026-05-01"), at("2026-05-01")),
            (3, at("2026-03-01"), at("2026-06-01"))]
    # What the warehouse said in May (deleted) is still what it says about May.
    asof = "SELECT count(*) FROM stg.observations_asof(CAST(? AS TIMESTAMPTZ)) WHERE series = 'N45850'"
    assert [one(conn, asof, [at(d)])[0] for d in ("2026-04-01", "2026-05-15", "2026-06-15")] == [1, 0, 1]
    # A value that comes back changed is new: first seen now.
    observe(conn, "N45850", 2022, None, "2026-07-01", deleted=True)
    observe(conn, "N45850", 2022, 8.6, "2026-08-01")
    assert one(conn, "SELECT first_seen FROM stg.kolada_observations WHERE vintage = 5")[0] == at("2026-08-01")


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


SCB_EXTRA = {"period_start": date(2022, 1, 1), "published_at": at("2026-05-20"), "source_table": "TAB638",
             "contents": "BE0101N1"}


@pytest.mark.parametrize("table, source", [("stg.kolada_observations", "kolada"), ("stg.scb_observations", "scb")])
def test_a_first_load_is_stored_as_the_whole_way_stores_it(tmp_path, monkeypatch, table, source):
    """The short way of a first load (nothing current in its periods) against the whole merge:
    the same rows, vintages, first_seen and extra columns, and the same result; a deleted
    and a null value in the answer included, and another period's current value left alone."""
    from warehouse.core import db, observations

    extra = SCB_EXTRA if source == "scb" else {}

    def frame(values, seen, period=2022, deleted=()):
        f = answer(values, seen, period, deleted)
        return f.assign(**extra) if extra else f

    stored = {}
    for shortcut in (True, False):
        monkeypatch.setattr(observations, "FIRST_LOAD_SHORTCUT", shortcut)
        c = db.connect(tmp_path / f"{shortcut}.duckdb")
        db.migrate(c)
        merge_observations(c, table, source, frame({("N45850", "T", "1882"): 8.0}, "2026-03-01", 2021),
                           full_scope("2026-03-01", regions=["1882"], periods=("2021",)), extra=list(extra))
        incoming = frame({("N45850", "T", "1882"): 9.0, ("N45850", "K", "1882"): None, ("N45850", "M", "1882"): 7.0,
                          ("N45851", "T", "1880"): 0.0}, "2026-06-01", deleted={("N45850", "M", "1882")})
        result = merge_observations(c, table, source, incoming, full_scope("2026-06-01", regions=["1880", "1882"]),
                                    extra=list(extra), guard=RetireGuard())
        stored[shortcut] = (result, c.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall())
        c.close()
    assert stored[True] == stored[False]
    assert stored[True][0].inserted == 3 and len(stored[True][1]) == 4


def test_a_dry_run_into_empty_periods_says_what_the_merge_then_does(conn):
    """A first load takes the dry run's short way (nothing current to revise or retire): its
    result must still be the merge's own, a deletion flag and a duplicate included."""
    observe(conn, "N45850", 2021, 8.0, "2026-03-01")  # another period: not current for 2022
    incoming = answer({("N45850", "T", "1882"): 9.0, ("N45850", "K", "1882"): 8.0, ("N45850", "M", "1882"): 7.0},
                      "2026-06-01", deleted={("N45850", "M", "1882")})
    scope = full_scope("2026-06-01", regions=["1882"])
    dry = merge_observations(conn, "stg.kolada_observations", "kolada", incoming, scope, guard=RetireGuard(), dry_run=True)
    assert one(conn, "SELECT count(*) FROM stg.kolada_observations WHERE period = '2022'")[0] == 0
    real = merge_observations(conn, "stg.kolada_observations", "kolada", incoming, scope, guard=RetireGuard())
    assert dry == real and (real.inserted, real.revised, real.deleted) == (2, 0, 0)
    with pytest.raises(DuplicateObservations):
        merge_observations(conn, "stg.kolada_observations", "kolada", pd.concat([incoming, incoming]),
                           full_scope("2026-06-01", regions=["1882"], periods=("2023",)), dry_run=True)
