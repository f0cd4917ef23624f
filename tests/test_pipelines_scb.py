"""The SCB assets: replay into DuckDB, the incremental refresh (request counts against a
local server), and one series across SCB's 2025 table change."""

import json

import dagster as dg
from dagster_duckdb import DuckDBResource
from werkzeug import Response

from pipelines.defs.partitions import range_tags
from pipelines.defs.resources import CatalogResource, ScbResource
from pipelines.defs.scb.assets import scb_observations, scb_values
from tests.conftest import dump_value
from tests.test_sources_scb import fixture, real_regions
from warehouse.core import db
from warehouse.core.db import one


def materialize(resources, partition=None, tags=None):
    result = dg.materialize([scb_values, scb_observations], partition_key=partition, resources=resources,
                            tags=tags, raise_on_error=False)
    assert result.success, [e.step_failure_data.error.to_string() for e in result.all_events if e.is_step_failure]
    return result


def test_replay_loads_folkmangd_from_tab638_with_notes(tmp_path):
    path = tmp_path / "wh.duckdb"
    resources = {"duckdb": DuckDBResource(database=str(path)), "scb": ScbResource(), "catalog": CatalogResource()}
    materialize(resources, "2022")
    conn = db.connect(path, read_only=True)
    row = one(conn, "SELECT value, period_end, source_table, published_at, status FROM stg.scb_observations "
                    "WHERE series = 'folkmangd' AND region = '1882' AND period = '2022'")
    assert row[0] == dump_value("N01951", "1882", 2022)
    assert str(row[1]) == "2022-12-31" and row[2] == "TAB638" and row[4] == ""
    assert row[3].isoformat().startswith("2025-02-21")
    assert one(conn, "SELECT count(*) FILTER (WHERE mandatory) FROM stg.scb_notes WHERE table_id = 'TAB638'")[0] >= 3


class FakeScb:
    """A local PxWebApi 2.0: /config, /tables/{id} and POST data, counting every request."""

    def __init__(self, httpserver, tables: dict[str, dict], value, codes: dict[str, dict[str, set]] | None = None):
        self.requests: list[tuple[str, str]] = []
        self.cells: list[int] = []  # regions × periods of each data call
        self.tables = tables
        self.value = value  # (table, region, period) -> number
        self.codes = codes or {}  # table -> variable -> the codes SCB has; others answer 400
        self.dropped: set[str] = set()  # Region codes left out of data answers (a partial answer)
        httpserver.expect_request("/api/v2/config").respond_with_handler(self._config)
        for table in tables:
            httpserver.expect_request(f"/api/v2/tables/{table}", method="GET").respond_with_handler(self._table(table))
            httpserver.expect_request(f"/api/v2/tables/{table}/metadata", method="GET").respond_with_handler(self._metadata(table))
            httpserver.expect_request(f"/api/v2/tables/{table}/data", method="POST").respond_with_handler(self._data(table))

    def _config(self, request):
        self.requests.append(("GET", request.path))
        return Response(json.dumps(fixture("config.json") | {"maxDataCells": 150000}), content_type="application/json")

    def _table(self, table):
        def handler(request):
            self.requests.append(("GET", request.path))
            return Response(json.dumps({"id": table, "label": table, **self.tables[table]}), content_type="application/json")
        return handler

    def _metadata(self, table):
        # The Region codes the table has (default: the real TAB6471 list, every unit).
        def handler(request):
            self.requests.append(("GET", request.path))
            regions = self.codes.get(table, {}).get("Region") or real_regions()
            dims = {"Region": sorted(regions), "ContentsCode": ["c"], "Tid": ["2024"]}
            doc = {"version": "2.0", "class": "dataset", "label": table, "id": list(dims), "size": [len(v) for v in dims.values()],
                   "dimension": {d: {"label": d, "category": {"index": {c: i for i, c in enumerate(v)}}} for d, v in dims.items()},
                   "value": None}
            return Response(json.dumps(doc), content_type="application/json")
        return handler

    def _data(self, table):
        def handler(request):
            self.requests.append(("POST", request.path))
            sel = {s["variableCode"]: s["valueCodes"] for s in json.loads(request.data)["selection"]}
            self.cells.append(len(sel.get("Region", [])) * len(sel.get("Tid", [])))
            for var, known in self.codes.get(table, {}).items():
                wrong = [c for c in sel.get(var, []) if c not in known]
                if wrong or (var not in sel and var != "Kon"):
                    problem = {"title": "Non-existent value" if wrong else "Missing selection for mandantory variable",
                               "status": 400, "detail": f"{var}: {wrong}"}
                    return Response(json.dumps(problem), status=400, content_type="application/problem+json")
            sel["Region"] = [r for r in sel.get("Region", []) if r not in self.dropped]
            ids = list(sel)
            values = []
            import itertools
            for combo in itertools.product(*sel.values()):
                cell = dict(zip(ids, combo))
                values.append(self.value(table, cell["Region"], cell["Tid"]))
            doc = {"version": "2.0", "class": "dataset", "label": table, "source": "SCB",
                   "updated": self.tables[table]["updated"], "id": ids, "size": [len(sel[d]) for d in ids],
                   "role": {"time": ["Tid"], "metric": ["ContentsCode"]},
                   "note": [f"not för {table}"], "extension": {"noteMandatory": {"0": True}, "px": {"tableid": table}},
                   "dimension": {d: {"label": d, "category": {"index": {c: i for i, c in enumerate(v)}}} for d, v in sel.items()},
                   "value": values}
            return Response(json.dumps(doc), content_type="application/json")
        return handler

    def count(self, method, suffix=""):
        return sum(1 for m, p in self.requests if m == method and p.endswith(suffix))


def live(httpserver, tmp_path):
    return {"duckdb": DuckDBResource(database=str(tmp_path / "live.duckdb")),
            "scb": ScbResource(base_url=httpserver.url_for("/api/v2"), http_mode="live"),
            "catalog": CatalogResource()}


TAB638 = {"updated": "2025-02-21T07:00:00Z", "firstPeriod": "1968", "lastPeriod": "2024"}


def materialize_range(resources, first, last):
    """A run over the partitions first..last, as the UI's single-run backfill launches it."""
    return materialize(resources, tags=range_tags(first, last))


def test_a_backfill_asks_each_table_for_all_its_years_at_once(httpserver, tmp_path):
    scb = FakeScb(httpserver, {"TAB638": dict(TAB638)}, lambda t, r, p: 11000 + int(p))
    resources = live(httpserver, tmp_path)
    materialize_range(resources, "2015", "2024")
    # TAB5557 and TAB6471 start in 2025: not asked. TAB638: one check, one call for 10 years.
    assert scb.requests == [("GET", "/api/v2/tables/TAB638"), ("GET", "/api/v2/config"), ("POST", "/api/v2/tables/TAB638/data")]
    assert scb.cells == [10]
    conn = db.connect(tmp_path / "live.duckdb", read_only=True)
    rows = conn.execute("SELECT period, value FROM stg.current_observations WHERE series = 'folkmangd' ORDER BY period").fetchall()
    assert rows == [(str(y), 11000.0 + y) for y in range(2015, 2025)]
    # Each year remembers its own fetch: a nightly run of one year finds it unchanged.
    assert one(conn, "SELECT count(DISTINCT partition_key), count(DISTINCT response_ids[1]) FROM raw.scb_fetches") == (10, 1)
    conn.close()
    materialize(resources, "2023")
    assert scb.count("POST") == 1
    # SCB revises: one year is fetched again, on its own; the other years keep their values.
    scb.tables["TAB638"]["updated"] = "2026-02-20T07:00:00Z"
    scb.value = lambda t, r, p: 1
    materialize(resources, "2023")
    assert scb.count("POST") == 2 and scb.cells[-1] == 1
    conn = db.connect(tmp_path / "live.duckdb", read_only=True)
    assert dict(conn.execute("SELECT period, value FROM stg.current_observations WHERE series = 'folkmangd' "
                             "AND period IN ('2022', '2023', '2024')").fetchall()) == {"2022": 11000.0 + 2022, "2023": 1.0, "2024": 11000.0 + 2024}


def test_national_mode_asks_for_every_unit_the_table_has_under_the_warehouse_ids(httpserver, tmp_path, monkeypatch):
    monkeypatch.setenv("MALSTYRNING_OMFATTNING", "riket")
    without_lan = [c for c in real_regions() if len(c) != 2 or c == "00"]  # a table with Riket and kommuner only
    scb = FakeScb(httpserver, {"TAB638": dict(TAB638)}, lambda t, r, p: int(r) + int(p), {"TAB638": {"Region": set(without_lan)}})
    resources = live(httpserver, tmp_path)
    materialize_range(resources, "2023", "2024")
    assert scb.count("GET", "/tables/TAB638/metadata") == 1 and scb.count("POST") == 1
    assert scb.cells == [291 * 2]
    conn = db.connect(tmp_path / "live.duckdb", read_only=True)
    units = dict(conn.execute("SELECT region, value FROM stg.current_observations WHERE series = 'folkmangd' AND period = '2024'").fetchall())
    # 290 kommuner and Riket under the ids Kolada uses (0000), so both sources meet per unit.
    assert len(units) == 291 and units["0000"] == 2024.0 and units["1882"] == 1882.0 + 2024
    assert "00" not in units and not any(len(u) != 4 for u in units)
    conn.close()
    # A night with nothing new: the table's check only, no metadata and no data call.
    materialize(resources, "2024")
    assert scb.count("GET", "/tables/TAB638/metadata") == 1 and scb.count("POST") == 1
    assert scb.count("GET", "/tables/TAB638") == 2


def test_second_refresh_with_nothing_new_makes_no_data_request(httpserver, tmp_path):
    scb = FakeScb(httpserver, {"TAB638": dict(TAB638)}, lambda t, r, p: 11000 + int(p[:4]) - 2000)
    resources = live(httpserver, tmp_path)
    materialize(resources, "2024")
    assert (scb.count("GET", "/tables/TAB638"), scb.count("POST")) == (1, 1)
    second = materialize(resources, "2024")
    # Only the table's metadata was read; no data call, not even /config.
    assert (scb.count("GET", "/tables/TAB638"), scb.count("POST"), scb.count("GET", "/config")) == (2, 1, 1)
    # Nothing to land: no materialization, and the observations step and its checks are skipped.
    assert second.success and not second.asset_materializations_for_node("raw__scb_values")
    assert not second.asset_materializations_for_node("stg__scb_observations")
    assert not [e for e in second.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    # SCB publishes an update: the next refresh fetches again, and a revised value is a new vintage.
    scb.tables["TAB638"]["updated"] = "2026-02-20T07:00:00Z"
    scb.value = lambda t, r, p: 11111
    materialize(resources, "2024")
    assert scb.count("POST") == 2
    conn = db.connect(tmp_path / "live.duckdb", read_only=True)
    rows = conn.execute("SELECT vintage, value, published_at FROM stg.scb_observations WHERE period = '2024' ORDER BY vintage").fetchall()
    assert [(v, x) for v, x, _ in rows] == [(1, 11024.0), (2, 11111.0)]
    assert rows[1][2].isoformat().startswith("2026-02-20")
    checks = conn.execute("SELECT data_fetched FROM raw.scb_table_checks ORDER BY checked_at").fetchall()
    assert [c for (c,) in checks] == [True, False, True]


def test_folkmangd_is_one_series_across_the_2025_table_change(httpserver, tmp_path):
    tables = {
        "TAB638": dict(TAB638),
        "TAB5557": {"updated": "2026-02-24T07:00:00Z", "firstPeriod": "2025", "lastPeriod": "2025"},
        "TAB6471": {"updated": "2026-06-08T06:00:00Z", "firstPeriod": "2025M01", "lastPeriod": "2026M04"},
    }
    numbers = {"TAB638": 11500, "TAB5557": 11520, "TAB6471": 11530}
    # The codes each table really has: TAB638 from a real response (tests/fixtures/scb), TAB5557
    # as in reference/scb.md §8 (new total codes, Alder and Civilstand not eliminable), TAB6471
    # from its real metadata. A code from the wrong table answers 400, as SCB does.
    tab638 = fixture("TAB638_data_wrapped.json")["response"]["dimension"]
    tab6471 = fixture("TAB6471_metadata.json")["dimension"]
    codes = {
        "TAB638": {"ContentsCode": set(tab638["ContentsCode"]["category"]["index"]), "Alder": {"tot"}},
        "TAB5557": {"ContentsCode": {"000007ME", "000007MG"}, "Alder": {"TotSA", "TOT1", "TOT5", "TOT10"},
                    "Civilstand": {"SC"}, "Kon": {"TotSa"}},
        "TAB6471": {v: set(tab6471[v]["category"]["index"]) for v in ("Region", "Alder", "Kon", "ContentsCode")},
    }
    scb = FakeScb(httpserver, tables, lambda t, r, p: numbers[t] + (int(p[5:]) if "M" in p else 0), codes)
    resources = live(httpserver, tmp_path)
    for year in ("2024", "2025", "2026"):
        materialize(resources, year)
    # TAB638 is asked for 2024 only; TAB5557 is checked for 2025 and 2026 (it may gain 2026)
    # but has data for 2025 only, so 2026 costs no data call.
    assert scb.count("GET", "/tables/TAB638") == 1 and scb.count("POST", "/tables/TAB638/data") == 1
    assert scb.count("GET", "/tables/TAB5557") == 2 and scb.count("POST", "/tables/TAB5557/data") == 1
    conn = db.connect(tmp_path / "live.duckdb")
    db.ensure_views(conn)
    series = conn.execute("SELECT period, source_table, value FROM stg.current_observations "
                          "WHERE series = 'folkmangd' ORDER BY period_end, period_start DESC").fetchall()
    assert series[0] == ("2024", "TAB638", 11500.0)
    assert ("2025", "TAB5557", 11520.0) in series and ("2025M12", "TAB6471", 11542.0) in series
    assert series[-1] == ("2026M04", "TAB6471", 11534.0)
    assert len(series) == 1 + 1 + 12 + 4
    # Status reads the freshest value; at the same end date the yearly figure beats December's.
    from indicator_catalog.catalog import load_catalog
    from warehouse.indicators.catalog_tables import load_catalog_tables
    load_catalog_tables(conn, load_catalog())
    row = one(conn, "SELECT period, aktuellt_varde, source_table, prev_period FROM ind.indicator_status WHERE indicator_id = 'befolkningsutveckling'")
    assert row == ("2026M04", 11534.0, "TAB6471", "2026M03")
    conn.execute("DELETE FROM stg.scb_observations WHERE year(period_end) = 2026")
    assert one(conn, "SELECT period, source_table FROM ind.indicator_status WHERE indicator_id = 'befolkningsutveckling'") == ("2025", "TAB5557")


def test_two_tables_supplying_the_same_period_is_refused_at_load(httpserver, tmp_path, catalog_copy):
    bou = catalog_copy / "namnder" / "barn_och_utbildningsnamnden.yaml"
    text = bou.read_text(encoding="utf-8")
    assert 'from_period: "2025"\n' in text
    bou.write_text(text.replace('from_period: "2025"\n', 'from_period: "2024"\n', 1), encoding="utf-8")
    tables = {"TAB638": dict(TAB638),
              "TAB5557": {"updated": "2026-02-24T07:00:00Z", "firstPeriod": "2024", "lastPeriod": "2025"}}
    FakeScb(httpserver, tables, lambda t, r, p: 1)
    resources = live(httpserver, tmp_path) | {"catalog": CatalogResource(directory=str(catalog_copy))}
    result = dg.materialize([scb_values, scb_observations], partition_key="2024", resources=resources, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    # Tried while landing (a dry run of the load): the answer is not stored as fetched.
    assert failure.step_key == "raw__scb_values"
    error, messages = failure.step_failure_data.error, []
    while error is not None:
        messages.append(error.message)
        error = error.cause
    assert "både TAB638 och TAB5557 ger 2024 för 1882" in " ".join(messages)
    conn = db.connect(tmp_path / "live.duckdb", read_only=True)
    assert one(conn, "SELECT count(*) FROM stg.scb_observations")[0] == 0  # nothing half-loaded
    assert one(conn, "SELECT count(*) FROM raw.scb_fetches")[0] == 0


def test_every_real_tables_entry_reads_as_table_info(httpserver):
    # The entries come from real /tables list answers, served here as /tables/{id} answers:
    # whether SCB wraps the single entry is unverified (sources/scb.py), so this checks the
    # fields, not the wrapping.
    from sources.http import build_session
    from sources.scb import ScbClient

    entries = fixture("tables_page1.json")["tables"] + fixture("tables_search_befolkning.json")["tables"]
    for e in entries:
        httpserver.expect_request(f"/api/v2/tables/{e['id']}").respond_with_json(e)
    client = ScbClient(build_session(mode="live"), httpserver.url_for("/api/v2"))
    infos = [client.table(e["id"]) for e in entries]
    assert [(i.id, i.updated, i.first_period, i.last_period) for i in infos] == [
        (e["id"], e["updated"], e["firstPeriod"], e["lastPeriod"]) for e in entries]


def test_a_selection_changed_and_changed_back_is_fetched_again(httpserver, tmp_path, catalog_copy):
    bou = catalog_copy / "namnder" / "barn_och_utbildningsnamnden.yaml"
    original = bou.read_text(encoding="utf-8")
    scb = FakeScb(httpserver, {"TAB638": dict(TAB638)}, lambda t, r, p: 11000)
    resources = live(httpserver, tmp_path) | {"catalog": CatalogResource(directory=str(catalog_copy))}
    materialize(resources, "2024")
    bou.write_text(original.replace("selection: {Alder: [tot]}", 'selection: {Alder: ["20"]}'), encoding="utf-8")
    scb.value = lambda t, r, p: 150
    materialize(resources, "2024")
    bou.write_text(original, encoding="utf-8")
    scb.value = lambda t, r, p: 11000
    materialize(resources, "2024")
    # The table never changed, but the stored data was for another selection: fetched again.
    assert scb.count("POST") == 3
    conn = db.connect(tmp_path / "live.duckdb", read_only=True)
    assert one(conn, "SELECT value FROM stg.current_observations WHERE series = 'folkmangd' AND period = '2024'") == (11000.0,)


def test_an_answer_that_cannot_be_read_is_not_taken_for_fetched(httpserver, tmp_path):
    # A non-numeric cell: the run fails naming the cell and the URL, nothing is stored, and the
    # next run (the table's `updated` unchanged) asks SCB again instead of skipping the table.
    scb = FakeScb(httpserver, {"TAB638": dict(TAB638)}, lambda t, r, p: "12 345")
    resources = live(httpserver, tmp_path)
    result = dg.materialize([scb_values, scb_observations], partition_key="2024", resources=resources,
                            raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    text = failure.step_failure_data.error.to_string()
    conn = db.connect(tmp_path / "live.duckdb", read_only=True)
    assert one(conn, "SELECT count(*) FROM raw.scb_fetches")[0] == 0
    assert one(conn, "SELECT count(*) FROM raw.scb_responses WHERE url LIKE '%/data%'")[0] == 0
    conn.close()
    assert failure.step_key == "raw__scb_values" and "inte numerisk" in text and "/tables/TAB638/data" in text, text
    assert "inget sparades" in text
    scb.value = lambda t, r, p: 11000
    materialize(resources, "2024")
    assert scb.count("POST") == 2
    conn = db.connect(tmp_path / "live.duckdb", read_only=True)
    assert one(conn, "SELECT value FROM stg.current_observations WHERE series = 'folkmangd' AND period = '2024'") == (11000.0,)


def test_a_smaller_or_empty_dataset_keeps_the_values_of_the_units_it_lacks(httpserver, tmp_path, monkeypatch):
    monkeypatch.setenv("MALSTYRNING_OMFATTNING", "riket")
    scb = FakeScb(httpserver, {"TAB638": dict(TAB638)}, lambda t, r, p: 1000 + int(p))
    resources = live(httpserver, tmp_path)
    materialize(resources, "2024")

    def current():
        conn = db.connect(tmp_path / "live.duckdb", read_only=True)
        try:
            return conn.execute("SELECT region, period, value, first_seen FROM stg.current_observations "
                                "WHERE series = 'folkmangd' ORDER BY ALL").fetchall()
        finally:
            conn.close()

    before = current()
    assert len(before) == 312
    # SCB republishes and answers without Askersund and Riket, then with no regions at all.
    for n, dropped in enumerate(({"1882", "00"}, set(real_regions())), start=1):
        scb.tables["TAB638"]["updated"] = f"2026-0{n}-20T07:00:00Z"
        scb.dropped = dropped
        materialize(resources, "2024")
        assert current() == before, dropped
    assert scb.count("POST") == 3
