"""Kolada raw landing to observations: provenance and first_seen of re-fetched bodies."""

import json

import pytest

from sources.http import Page
from tests.conftest import at
from sources.kolada import decode_data_page
from warehouse.kolada.landing import land, spool_pages
from warehouse.core.bodies import read_body
from warehouse.core.db import one
from warehouse.kolada.load import load_partitions

URL = "https://api.kolada.se/v3/data/kpi/N45850/municipality/1882/year/2022?per_page=5000"
ALL_UNITS_URL = "https://api.kolada.se/v3/data/kpi/N45850/year/2022?per_page=5000"  # national mode


def data_page(url: str, values_by_unit: dict, day: str, count: int = 1) -> Page:
    """One answer page of N45850 for 2022, a row per unit, as Kolada v3 sends it."""
    rows = [{"kpi": "N45850", "municipality": m, "period": 2022,
             "values": [{"gender": "T", "count": count, "status": "", "value": v, "isdeleted": False}]}
            for m, v in values_by_unit.items()]
    body = json.dumps({"values": rows, "next_url": None}).encode()
    return Page(url, at(day), 200, body, decode_data_page(body, url))


def page(value, day: str) -> Page:
    return data_page(URL, {"1882": value}, day)


def land_rows(conn, url, values_by_unit, municipalities, day="2026-03-01", count=1):
    """Land one fetch of 2022 (one page) for the given units of the catalog."""
    with spool_pages([data_page(url, values_by_unit, day, count)]) as spool:
        return land(conn, spool, partition_keys=["2022"], kpis=["N45850"], municipalities=municipalities)


def fetch(conn, value, day):
    land_rows(conn, URL, {"1882": value}, ["1882"], day)
    return load_partitions(conn, ["2022"])


def versions(conn):
    return conn.execute(
        "SELECT vintage, value, CAST(timezone('UTC', first_seen) AS DATE)::VARCHAR, response_id "
        "FROM stg.kolada_observations ORDER BY vintage"
    ).fetchall()


def test_a_value_that_returns_gets_the_time_of_the_fetch_that_brought_it_back(conn):
    fetch(conn, 8.0, "2026-03-01")
    fetch(conn, 9.0, "2026-04-01")  # Kolada revises
    fetch(conn, 8.0, "2026-05-01")  # and reverts: the body is byte-identical to March's
    rows = versions(conn)
    assert [(v, val, seen) for v, val, seen, _ in rows] == [
        (1, 8.0, "2026-03-01"), (2, 9.0, "2026-04-01"), (3, 8.0, "2026-05-01")]
    # The raw body is stored once and both vintages that carry it point at it.
    assert rows[0][3] == rows[2][3]
    assert one(conn, "SELECT count(*) FROM raw.kolada_responses")[0] == 2
    assert one(conn, "SELECT count(*) FROM raw.kolada_fetches")[0] == 3


def test_reloading_the_same_fetch_changes_nothing(conn):
    fetch(conn, 8.0, "2026-03-01")
    assert load_partitions(conn, ["2022"]).changed == 0
    assert len(versions(conn)) == 1


def test_an_all_units_answer_keeps_only_the_fetchs_units_as_observations(conn):
    # National mode asks without a municipality segment: Kolada answers for every unit it
    # has, which may include one the unit lists do not know yet.
    land_rows(conn, ALL_UNITS_URL, {"1882": 8.0, "0000": 5.0, "9999": 1.0}, ["0000", "1882"])
    assert load_partitions(conn, ["2022"]).inserted == 2
    assert conn.execute("SELECT region FROM stg.kolada_observations ORDER BY region").fetchall() == [("0000",), ("1882",)]
    # The answer itself is kept whole in raw.
    assert one(conn, "SELECT count(*) FROM raw.kolada_values")[0] == 3


def kpi_page(url, ids, day="2026-03-01"):
    payload = {"values": [{"id": k, "title": f"titel {k}", "is_divided_by_gender": False,
                           "publication_date": "2026-02-20"} for k in ids], "next_url": None}
    return Page(url, at(day), 200, json.dumps(payload).encode(), payload)


def test_kpi_metadata_from_every_page_points_at_its_page(conn):
    from warehouse.kolada.load import store_kpi_metadata

    pages = [kpi_page("https://api.kolada.se/v3/kpi/A?page=1", ["N1", "N2"]),
             kpi_page("https://api.kolada.se/v3/kpi/A?page=2", ["N3"])]
    assert store_kpi_metadata(conn, ["N1", "N2", "N3"], pages) == 3
    rows = conn.execute("SELECT k.kpi, r.url FROM raw.kolada_kpi k JOIN raw.kolada_responses r USING (response_id) ORDER BY kpi").fetchall()
    assert [(k, u[-6:]) for k, u in rows] == [("N1", "page=1"), ("N2", "page=1"), ("N3", "page=2")]


def test_unknown_kpi_stores_nothing(conn):
    from warehouse.kolada.load import UnknownKpi, store_kpi_metadata

    with pytest.raises(UnknownKpi, match="N9"):
        store_kpi_metadata(conn, ["N1", "N9"], [kpi_page("https://api.kolada.se/v3/kpi/N1,N9", ["N1"])])
    assert one(conn, "SELECT count(*) FROM raw.kolada_kpi")[0] == 0


def test_pages_read_in_several_batches_land_completely(conn):
    from warehouse.kolada.landing import Spool

    pages = [page(float(v), "2026-03-01") for v in (1, 2, 3)]
    pages = [Page(f"{URL}&page={i}", p.fetched_at, 200, p.body, p.payload) for i, p in enumerate(pages, 1)]
    with Spool() as spool:
        for p in pages:  # every page read on its own: each row must keep its own page
            spool.add(p)
            spool.decode()
        assert spool.rows == 3
        _, ids = land(conn, spool, partition_keys=["2022"], kpis=["N45850"], municipalities=["1882"])
    assert len(ids) == 3
    assert conn.execute("SELECT response_id, value FROM raw.kolada_values ORDER BY value").fetchall() == [
        (ids[0], 1.0), (ids[1], 2.0), (ids[2], 3.0)]
    assert [json.loads(read_body(conn, "raw.kolada_responses", i))["values"][0]["values"][0]["value"]
            for i in ids] == [1.0, 2.0, 3.0]


def test_a_missing_value_lands_as_null_never_as_zero_or_nan(conn):
    land_rows(conn, ALL_UNITS_URL, {"1882": None, "1880": 0.0, "1881": 2.5}, ["1880", "1881", "1882"], count=0)
    assert conn.execute("SELECT municipality, value, isnan(value) FROM raw.kolada_values ORDER BY municipality").fetchall() == [
        ("1880", 0.0, False), ("1881", 2.5, False), ("1882", None, None)]


def test_prefetching_hands_on_the_producers_error_and_stops_when_the_consumer_does():
    import threading
    from warehouse.kolada.landing import prefetched

    def failing():
        yield 1
        raise RuntimeError("sida 2 misslyckades")

    got = []
    with pytest.raises(RuntimeError, match="sida 2"):
        for item in prefetched(failing(), 2):
            got.append(item)
    assert got == [1]

    produced = []

    def endless():
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    for item in prefetched(endless(), 2):
        if item == 3:
            break
    assert not any(t.name == "kolada-prefetch" and t.is_alive() for t in threading.enumerate())
    assert len(produced) <= 3 + 2 + 2  # at most `depth` ahead (plus the one in hand)


def test_which_years_a_run_landed_and_how_many_values_each_got(conn):
    from warehouse.kolada.load import fetched_counts, fetched_in_run

    conn.execute("INSERT INTO raw.kolada_fetches VALUES "
                 "('a', '2021', TIMESTAMPTZ '2026-03-01 03:00+00', ['N1'], ['1882'], [2021, 2022], [1], 'run-1'), "
                 "('b', '2022', TIMESTAMPTZ '2026-03-01 03:00+00', ['N1'], ['1882'], [2021, 2022], [1], 'run-1'), "
                 "('c', '2022', TIMESTAMPTZ '2026-03-02 03:00+00', ['N1'], ['1882'], [2022], [2], 'run-2')")
    conn.execute("INSERT INTO raw.kolada_values VALUES (1, 'N1', '1882', 2021, 'T', 1.0, '', false), "
                 "(1, 'N1', '1882', 2022, 'T', 2.0, '', false), (1, 'N1', '0617', 2022, 'T', 2.0, '', false)")
    # the latest fetch of 2022 (run-2, response 2) has no values; 2023 was never fetched
    assert fetched_counts(conn, ["2021", "2022", "2023"]) == {"2021": 1, "2022": 0, "2023": 0}
    assert fetched_in_run(conn, ["2021", "2022", "2023"], "run-1") == ["2021"]
    assert fetched_in_run(conn, ["2021", "2022"], "run-2") == ["2022"]


def test_a_year_with_values_that_answers_empty_is_refused_and_a_new_year_is_not(conn):
    from warehouse.kolada.load import EmptiedAnswer, refuse_emptied_years
    from tests.conftest import observe

    observe(conn, "N45850", 2022, 8.0, "2026-03-01")
    refuse_emptied_years(conn, ["2022", "2023"], {2022: 5}, "http://kolada/x")  # 2023 empty: not yet published
    with pytest.raises(EmptiedAnswer, match=r"utan värden för 2022, men lagret har 1 aktuella värden.*http://kolada/x"):
        refuse_emptied_years(conn, ["2022", "2023"], {2023: 5}, "http://kolada/x")
    observe(conn, "N45850", 2022, None, "2026-03-02", deleted=True)
    refuse_emptied_years(conn, ["2022"], {}, "http://kolada/x")  # nothing current left to protect
