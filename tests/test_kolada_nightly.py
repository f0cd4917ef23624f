"""A nightly Kolada run with nothing new makes no data request (warehouse/kolada/nightly.py),
against a local Kolada that counts what it is asked."""

import json
from datetime import date

import dagster as dg
import pytest

from indicator_catalog.catalog import load_catalog
from pipelines.defs.kolada.assets import NIGHTLY_TAG, kolada_observations, kolada_values
from sources.http import DEFAULT_RECORDINGS_DIR
from warehouse.core import db
from warehouse.kolada import nightly as kolada_nightly

NIGHT = {NIGHTLY_TAG: "1"}


def _body(pattern):
    return json.loads(next((DEFAULT_RECORDINGS_DIR / "kolada").glob(pattern)).read_text(encoding="utf-8"))["response"]["body"]


@pytest.fixture
def kolada(httpserver, tmp_path, catalog_copy):
    from dagster_duckdb import DuckDBResource

    from pipelines.defs.resources import CatalogResource, KoladaResource

    cat = load_catalog(catalog_copy)
    kpis = ",".join(cat.kolada_kpis())
    meta = _body("kpi_*.json")
    httpserver.expect_request(f"/v3/kpi/{kpis}").respond_with_handler(lambda r: _json(meta))
    httpserver.expect_request("/v3/municipality_groups/G37333").respond_with_json(_body("group_*.json"))
    data = _body("data_2022_*.json")
    units = ",".join(sorted(cat.kolada_units({"0617", "0840", "1083", "1265", "1471", "2029", "2262"})))
    httpserver.expect_request(f"/v3/data/kpi/{kpis}/municipality/{units}/year/2022").respond_with_json(data)

    def resources(weekday=6):
        return {"duckdb": DuckDBResource(database=str(tmp_path / "wh.duckdb")),
                "kolada": KoladaResource(base_url=httpserver.url_for("/v3"), http_mode="live",
                                         full_refresh_weekday=weekday),
                "catalog": CatalogResource(directory=str(catalog_copy))}

    def requests_since(before):
        """Data and KPI-metadata requests since the server's log was `before` long."""
        paths = [req.path for req, _ in httpserver.log[before:]]
        return {"data": sum(p.startswith("/v3/data/") for p in paths), "kpi": sum(p.startswith("/v3/kpi/") for p in paths)}

    def run(tags=None, weekday=6):
        before = len(httpserver.log)
        result = dg.materialize([kolada_values, kolada_observations], partition_key="2022", resources=resources(weekday),
                                tags=tags or {}, raise_on_error=False)
        assert result.success
        return requests_since(before)

    # For tests that run other Kolada assets against the same server and warehouse.
    run.meta, run.resources, run.requests_since = meta, resources, requests_since
    return run


def _json(body):
    from werkzeug import Response

    return Response(json.dumps(body), content_type="application/json")


def test_a_night_with_nothing_new_makes_no_data_request(kolada, tmp_path):
    assert kolada(NIGHT) == {"data": 1, "kpi": 1}  # first night: never fetched
    conn = db.connect(tmp_path / "wh.duckdb", read_only=True)
    rows_before = conn.execute("SELECT count(*) FROM stg.kolada_observations").fetchall()
    conn.close()
    assert kolada(NIGHT) == {"data": 0, "kpi": 1}  # nothing released since: metadata only
    conn = db.connect(tmp_path / "wh.duckdb", read_only=True)
    assert conn.execute("SELECT count(*) FROM stg.kolada_observations").fetchall() == rows_before
    conn.close()


def test_a_new_release_or_the_weekly_refresh_fetches_again(kolada):
    assert kolada(NIGHT)["data"] == 1
    assert kolada(NIGHT, weekday=date(2026, 11, 25).weekday())["data"] == 1  # the fixed clock's weekday
    assert kolada(NIGHT)["data"] == 0
    record = next(r for r in kolada.meta["values"] if r["id"] == "N45850")
    record["publ_period"] = str(int(record["publ_period"]) + 1)  # Kolada moved on: a release happened
    assert kolada(NIGHT)["data"] == 1
    assert kolada(NIGHT)["data"] == 0


def test_a_night_with_nothing_new_records_no_materialization_and_skips_the_next_step(kolada):
    from pipelines.defs.kolada.checks import kolada_values_not_empty

    def night():
        return dg.materialize([kolada_values, kolada_observations, kolada_values_not_empty], partition_key="2022",
                              resources=kolada.resources(), tags=NIGHT, raise_on_error=False)

    first = night()
    assert first.success
    assert [m.partition for m in first.asset_materializations_for_node("raw__kolada_values")] == ["2022"]
    assert [e.passed for e in first.get_asset_check_evaluations()] == [True]
    quiet = night()
    assert quiet.success
    assert quiet.asset_materializations_for_node("raw__kolada_values") == []
    skipped = {e.step_key for e in quiet.all_events if e.event_type_value == "STEP_SKIPPED"}
    assert {"stg__kolada_observations", "raw__kolada_values_raw_not_empty"} <= skipped, skipped


def test_years_to_fetch_adds_the_weekly_refresh_to_the_release_rule(conn):
    conn.execute("INSERT INTO raw.kolada_fetches VALUES ('f1', '2022', TIMESTAMPTZ '2026-03-01 03:00+00', "
                 "['N45850'], ['1882'], [2022], [], NULL)")
    record = {"id": "N45850", "publ_period": "2025", "publication_date": "2026-04-02", "prel_publication_date": None}
    kolada_nightly.store_snapshot(conn, ["f1"], [record])
    scope = (["N45850"], {"1882"})
    friday = date(2026, 3, 20)
    assert kolada_nightly.years_to_fetch(conn, ["2022", "2023"], [record], friday, *scope, full_refresh_weekday=6) == {
        "2022": None, "2023": "ingen tidigare hämtning av året"}
    assert kolada_nightly.years_to_fetch(conn, ["2022"], [record], friday, *scope, full_refresh_weekday=4) == {
        "2022": kolada_nightly.WEEKLY_REFRESH}


def test_backfills_and_manual_runs_always_fetch(kolada):
    assert kolada() == {"data": 1, "kpi": 1}
    assert kolada() == {"data": 1, "kpi": 1}
    # Every fetch keeps the release information it read first, so the night after a
    # backfill has nothing new either.
    assert kolada(NIGHT) == {"data": 0, "kpi": 1}


def test_a_publication_date_passed_since_the_last_fetch_means_fetch(conn):
    conn.execute("INSERT INTO raw.kolada_fetches VALUES ('f1', '2022', TIMESTAMPTZ '2026-03-01 03:00+00', "
                 "['N45850'], ['1882'], [2022], [], NULL)")
    record = {"id": "N45850", "publ_period": "2025", "publication_date": "2026-04-02", "prel_publication_date": None}
    kolada_nightly.store_snapshot(conn, ["f1"], [record])
    scope = (["N45850"], {"1882"})
    assert kolada_nightly.why_fetch(conn, "2022", [record], date(2026, 3, 20), *scope) is None
    reason = kolada_nightly.why_fetch(conn, "2022", [record], date(2026, 4, 2), *scope)
    assert reason == "N45850: publicering 2026-04-02 efter förra hämtningen 2026-03-01"
    assert kolada_nightly.why_fetch(conn, "2023", [record], date(2026, 3, 20), *scope) == "ingen tidigare hämtning av året"


def test_a_changed_scope_or_missing_metadata_is_no_reason_to_skip(conn):
    conn.execute("INSERT INTO raw.kolada_fetches VALUES ('f1', '2022', TIMESTAMPTZ '2026-04-02 00:30+00', "
                 "['N45850'], ['1882'], [2022], [], NULL)")
    record = {"id": "N45850", "publ_period": "2025", "publication_date": "2026-04-02", "prel_publication_date": None}
    kolada_nightly.store_snapshot(conn, ["f1"], [record])
    why = kolada_nightly.why_fetch
    # Fetched at 02:30 on the publication day, before Kolada published: the next night fetches.
    assert why(conn, "2022", [record], date(2026, 4, 3), ["N45850"], {"1882"}) is not None
    assert why(conn, "2022", [record], date(2026, 4, 3), ["N45850"], {"1882", "0617"}).startswith("katalogens")
    assert why(conn, "2022", [], date(2026, 4, 3), ["N45850"], {"1882"}) == "Koladas metadata saknar N45850"


def test_the_mornings_metadata_asset_reuses_what_the_night_read(kolada, httpserver, monkeypatch):
    from pipelines.defs.kolada.assets import kolada_kpi

    def metadata_asset():
        before = len(httpserver.log)
        assert dg.materialize([kolada_kpi], resources=kolada.resources()).success
        return kolada.requests_since(before)["kpi"]

    assert kolada(NIGHT)["kpi"] == 1
    assert metadata_asset() == 0  # read at 10:00 today by the Kolada run: one request a day
    monkeypatch.setenv("MALSTYRNING_NOW", "2026-11-26T04:30:00+01:00")  # the next morning, no Kolada run
    assert metadata_asset() == 1
    assert metadata_asset() == 0
