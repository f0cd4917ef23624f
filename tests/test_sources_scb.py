"""SCB PxWebApi 2.0 client against a local HTTP server: metadata, cell-limit splitting,
400 "too many cells", 429 with Retry-After, and the period planning of the refresh."""

import json
import time
from pathlib import Path

import pytest
from werkzeug import Response

from sources.errors import SourceError
from sources.http import HttpPolicy, build_session
from sources.jsonstat import parse
from sources.scb import ScbClient, time_codes, year_overlaps

FIXTURES = Path(__file__).parent / "fixtures" / "scb"
FAST = HttpPolicy(connect_timeout=2, read_timeout=2, retries=3, backoff_factor=0.01, max_retry_after=5)


def fixture(name):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def real_regions() -> list[str]:
    """Every Region code of the real TAB6471 metadata: Riket, the 21 län and the 290 kommuner."""
    return list(fixture("TAB6471_metadata.json")["dimension"]["Region"]["category"]["index"])


def client(httpserver, max_cells=150_000, calls=None):
    config = fixture("config.json") | {"maxDataCells": max_cells}
    httpserver.expect_request("/api/v2/config").respond_with_json(config)
    hook = (lambda: calls.append(time.monotonic())) if calls is not None else None
    return ScbClient(build_session(mode="live", policy=FAST), httpserver.url_for("/api/v2"), before_call=hook)


def jsonstat_for(selection: dict[str, list[str]]) -> dict:
    """A json-stat2 answer for exactly the codes asked (value = running number)."""
    ids = list(selection)
    n = 1
    for codes in selection.values():
        n *= len(codes)
    return {
        "version": "2.0", "class": "dataset", "label": "test", "source": "SCB", "updated": "2026-02-24T07:00:00Z",
        "id": ids, "size": [len(selection[d]) for d in ids], "role": {"time": ["Tid"], "metric": ["ContentsCode"]},
        "dimension": {d: {"label": d, "category": {"index": {c: i for i, c in enumerate(codes)}}} for d, codes in selection.items()},
        "value": list(range(n)),
    }


def data_handler(posts, max_cells_server=None):
    def handler(request):
        body = json.loads(request.data)
        selection = {s["variableCode"]: s["valueCodes"] for s in body["selection"]}
        cells = 1
        for codes in selection.values():
            cells *= len(codes)
        posts.append(cells)
        if max_cells_server and cells > max_cells_server:
            problem = {"type": "https://tools.ietf.org/html/rfc9110#section-15.5.1", "title": "Too many cells selected",
                       "status": 400, "detail": f"{cells} > {max_cells_server}"}
            return Response(json.dumps(problem), status=400, content_type="application/problem+json")
        assert request.args["outputFormat"] == "json-stat2" and request.args["lang"] == "sv"
        return Response(json.dumps(jsonstat_for(selection)), content_type="application/json")
    return handler


SELECTION = {"Region": ["0114", "0115", "0117", "0120", "1882"], "ContentsCode": ["000007SF"],
             "Alder": ["TotSA"], "Tid": ["2026M01", "2026M02", "2026M03", "2026M04"]}


def test_table_entry_gives_updated_and_period_range(httpserver):
    entry = fixture("tables_search_befolkning.json")["tables"][-1]  # a real /tables entry (TAB6473)
    httpserver.expect_request("/api/v2/tables/TAB6473", query_string="lang=sv").respond_with_json(entry)
    info = client(httpserver).table("TAB6473")
    assert (info.id, info.updated, info.first_period, info.last_period) == ("TAB6473", entry["updated"], "2025M01", "2026M04")


def test_table_without_updated_is_a_clear_error(httpserver):
    httpserver.expect_request("/api/v2/tables/TAB1").respond_with_json({"id": "TAB1"})
    with pytest.raises(SourceError, match="tabellen TAB1: fältet 'updated' saknas"):
        client(httpserver).table("TAB1")


def test_metadata_is_parsed_with_codes_and_notes(httpserver):
    httpserver.expect_request("/api/v2/tables/TAB6471/metadata").respond_with_json(fixture("TAB6471_metadata.json"))
    ds, page = client(httpserver).table_metadata("TAB6471")
    assert "1882" in ds.codes["Region"] and "TotSA" in ds.codes["Alder"] and ds.rows == []
    assert any(n.mandatory for n in ds.notes) and "lang=sv" in page.url


def test_selection_over_the_cell_limit_is_split_and_every_cell_arrives(httpserver):
    posts = []
    httpserver.expect_request("/api/v2/tables/TAB6471/data", method="POST").respond_with_handler(data_handler(posts))
    pages = client(httpserver, max_cells=6).data("TAB6471", SELECTION)
    assert len(pages) == len(posts) > 1 and max(posts) <= 6 and sum(posts) == 20
    cells = {(r["Region"], r["Tid"]) for p in pages for r in parse(p.payload).rows}
    assert len(cells) == 20
    # Each page keeps the selection it answers (codes only), for provenance.
    assert all(json.loads(p.request_body)["selection"][0]["variableCode"] == "Region" for p in pages)


def test_server_refusing_too_many_cells_is_split_further_not_shown(httpserver):
    posts = []
    httpserver.expect_request("/api/v2/tables/TAB6471/data", method="POST").respond_with_handler(data_handler(posts, max_cells_server=4))
    pages = client(httpserver).data("TAB6471", SELECTION)  # /config claims 150000
    answered = [c for c in posts if c <= 4]
    assert posts[0] == 20 and len(answered) == len(pages) and sum(answered) == 20
    assert sum(len(p.payload["value"]) for p in pages) == 20


def test_other_400_is_reported_with_scbs_explanation(httpserver):
    problem = {"title": "Non-existent value", "status": 400, "detail": "Tid: 2031"}
    httpserver.expect_request("/api/v2/tables/TAB638/data", method="POST").respond_with_response(
        Response(json.dumps(problem), status=400, content_type="application/problem+json"))
    with pytest.raises(SourceError, match="HTTP 400.*Non-existent value") as err:
        client(httpserver).data("TAB638", {"Region": ["1882"], "Tid": ["2031"]})
    assert err.value.status == 400 and "/tables/TAB638/data" in err.value.url


def test_429_waits_for_retry_after_and_retries_the_post(httpserver):
    answers = [Response("", status=429, headers={"Retry-After": "1"})]
    posts = []

    def handler(request):
        posts.append(time.monotonic())
        if len(posts) == 1:
            return answers[0]
        return data_handler([])(request)

    httpserver.expect_request("/api/v2/tables/TAB6471/data", method="POST").respond_with_handler(handler)
    pages = client(httpserver).data("TAB6471", SELECTION)
    assert len(posts) == 2 and posts[1] - posts[0] >= 0.9 and len(pages) == 1


def test_every_call_passes_the_rate_limit_hook(httpserver):
    calls, posts = [], []
    httpserver.expect_request("/api/v2/tables/TAB6471/data", method="POST").respond_with_handler(data_handler(posts))
    client(httpserver, max_cells=6, calls=calls).data("TAB6471", SELECTION)
    assert len(posts) > 1 and len(calls) == 1 + len(posts)  # /config, then every part


@pytest.mark.parametrize(
    "year, first, last, frm, to, expected",
    [(2024, "1968", "2024", None, "2024", ["2024"]),
     (2025, "1968", "2024", None, "2024", []),
     (2026, "2025M01", "2026M04", "2025M01", None, ["2026M01", "2026M02", "2026M03", "2026M04"]),
     (2025, "2000K1", "2025K3", "2025K2", None, ["2025K2", "2025K3"])],
)
def test_time_codes_of_a_year(year, first, last, frm, to, expected):
    assert time_codes(year, first, last, frm, to) == expected


def test_year_overlaps_decides_whether_a_table_is_asked_at_all():
    assert year_overlaps(2024, None, "2024") and not year_overlaps(2025, None, "2024")
    assert not year_overlaps(2024, "2025M01", None) and year_overlaps(2025, "2025M01", None)


def test_a_code_the_table_does_not_have_is_named_from_its_metadata(httpserver):
    problem = {"title": "Non-existent value", "status": 400, "detail": None}
    httpserver.expect_request("/api/v2/tables/TAB6471/data", method="POST").respond_with_response(
        Response(json.dumps(problem), status=400, content_type="application/problem+json"))
    httpserver.expect_request("/api/v2/tables/TAB6471/metadata").respond_with_json(fixture("TAB6471_metadata.json"))
    selection = {"Region": ["1882"], "ContentsCode": ["000007SF"], "Alder": ["tot"], "Tid": ["2026M01"]}
    with pytest.raises(SourceError, match=r"tabellen TAB6471: urvalet stämmer inte med tabellen: Alder: tot finns inte \(t.ex. 0, TotSA"):
        client(httpserver).data("TAB6471", selection)


def test_the_national_units_are_exactly_the_regions_of_a_real_scb_table():
    from indicator_catalog.catalog import national_units
    from sources.scb import scb_region, unit_id

    codes = real_regions()
    assert sorted(scb_region(u) for u in national_units()) == sorted(codes)
    assert [unit_id(c) for c in ("00", "18", "1882", "0114")] == ["0000", "0018", "1882", "0114"]
    assert all(unit_id(scb_region(u)) == u for u in national_units())
