"""Kolada v3 client against a local HTTP server, and against the repo's recordings."""

import json
from datetime import date
from urllib.parse import urlsplit

import pytest
from werkzeug import Response

from sources.errors import RecordingMissing, SourceError
from sources.http import HttpPolicy, build_session
from sources.kolada import KoladaClient, data_urls, decode_data_page, page_paging
from indicator_catalog.catalog import load_catalog
from tests.conftest import dump_value

FAST = HttpPolicy(read_timeout=2, retries=2, backoff_factor=0.01)


def row(kpi, muni, year, *values):
    return {"kpi": kpi, "municipality": muni, "period": year, "values": list(values)}


def val(gender, value, deleted=False):
    return {"gender": gender, "count": 1, "status": "", "value": value, "isdeleted": deleted}


@pytest.fixture
def client(httpserver):
    return KoladaClient(build_session(mode="live", policy=FAST), base_url=httpserver.url_for("/v3"))


def test_segments_hold_at_most_25_ids_and_cover_everything():
    kpis = [f"N{i:05d}" for i in range(30)]
    munis = [f"{i:04d}" for i in range(60)]
    urls = data_urls(kpis, munis, [2021, 2022], base_url="https://api.kolada.se/v3")
    assert len(urls) == 2 * 3 * 1
    seen_k, seen_m = set(), set()
    for url in urls:
        parts = urlsplit(url).path.split("/")
        k, m, y = parts[parts.index("kpi") + 1], parts[parts.index("municipality") + 1], parts[parts.index("year") + 1]
        assert len(k.split(",")) <= 25 and len(m.split(",")) <= 25
        assert y == "2021,2022"
        seen_k |= set(k.split(","))
        seen_m |= set(m.split(","))
        assert "per_page=5000" in url
    assert seen_k == set(kpis) and seen_m == set(munis)


def test_every_unit_leaves_the_municipality_segment_out():
    kpis = [f"N{i:05d}" for i in range(30)]
    urls = data_urls(kpis, None, range(1998, 2023), base_url="https://api.kolada.se/v3")
    # One URL per 25-KPI chunk: no unit chunks multiplying the requests and their part pages.
    assert [urlsplit(u).path for u in urls] == [
        f"/v3/data/kpi/{','.join(kpis[:25])}/year/{','.join(map(str, range(1998, 2023)))}",
        f"/v3/data/kpi/{','.join(kpis[25:])}/year/{','.join(map(str, range(1998, 2023)))}",
    ]


def test_from_date_is_sent_on_data_urls():
    (url,) = data_urls(["N01951"], ["1882"], [2022], from_date=date(2026, 11, 1))
    assert url.endswith("per_page=5000&from_date=2026-11-01")


def test_follows_next_url_until_empty(httpserver, client):
    base = httpserver.url_for("/v3/data/kpi/N01951/municipality/1882/year/2020,2021,2022")
    pages = [
        {"values": [row("N01951", "1882", 2020, val("T", 11400.0))], "next_url": base + "?per_page=5000&page=2"},
        {"values": [row("N01951", "1882", 2021, val("T", 11450.0))], "next_url": base + "?per_page=5000&page=3"},
        {"values": [row("N01951", "1882", 2022, val("T", 11500.0))], "next_url": ""},
    ]
    calls = []

    def handler(request):
        calls.append(request.args.get("page", "1"))
        return Response(json.dumps(pages[int(request.args.get("page", "1")) - 1]), content_type="application/json")

    httpserver.expect_request("/v3/data/kpi/N01951/municipality/1882/year/2020,2021,2022").respond_with_handler(handler)
    got = list(client.data_pages(["N01951"], ["1882"], [2020, 2021, 2022]))
    assert calls == ["1", "2", "3"]
    rows = [r for p in got for r in p.payload.records()]
    assert [r["value"] for r in rows] == [11400.0, 11450.0, 11500.0]
    assert all(len(p.sha256) == 64 and p.body for p in got)


def test_stops_on_empty_values_even_with_next_url(httpserver, client):
    url = "/v3/data/kpi/N01951/municipality/1882/year/2022"
    httpserver.expect_request(url).respond_with_json({"values": [], "next_url": httpserver.url_for(url) + "?page=2"})
    assert len(list(client.data_pages(["N01951"], ["1882"], [2022]))) == 1


def test_repeating_next_url_is_an_error(httpserver, client):
    url = "/v3/data/kpi/N01951/municipality/1882/year/2022"
    first = httpserver.url_for(url) + "?per_page=5000"
    httpserver.expect_request(url).respond_with_json({"values": [row("N01951", "1882", 2022, val("T", 1.0))], "next_url": first})
    with pytest.raises(SourceError, match="next_url upprepas"):
        list(client.data_pages(["N01951"], ["1882"], [2022]))


def decode(payload: dict) -> list[dict]:
    return decode_data_page(json.dumps(payload).encode()).records()


def test_gender_null_and_deleted_values():
    payload = {
        "values": [
            row("N01963", "1882", 2022, val("T", -0.32), val("K", None), val("M", 0.1, deleted=True)),
        ],
        "next_url": None,
    }
    rows = decode(payload)
    assert [(r["gender"], r["value"], r["isdeleted"]) for r in rows] == [("T", -0.32, False), ("K", None, False), ("M", 0.1, True)]


def test_isdeleted_absent_means_not_deleted():
    payload = {"values": [row("N01963", "1882", 2022, {"gender": "T", "value": 1.5})]}
    assert decode(payload)[0]["isdeleted"] is False


@pytest.mark.parametrize(
    "payload, message",
    [
        ({"data": []}, r"\$: fältet 'values' saknas"),
        ({"values": [{"kpi": "N1", "period": 2022, "values": []}]}, r"\$\.values\[0\]: fältet 'municipality' saknas"),
        ({"values": [row("N01963", "1882", 2022, val("T", "12,5"))]},
         r"\$\.values\[0\]\.values\[0\]\.value: väntade float \| null, fick str"),
        ({"values": [row("N01963", "1882", 2022, val("T", True))]}, r"value: väntade float \| null, fick bool"),
        ({"values": [row("N01963", "1882", 2022, val("F", 1.0))]}, r"gender: okänt värde 'F'"),
        (b'{"values": [', "ogiltig eller avkortad JSON"),
    ],
)
def test_malformed_rows_name_the_problem(payload, message):
    payload = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    with pytest.raises(SourceError, match=message):
        decode_data_page(payload, "https://api.kolada.se/v3/data/x")


def test_the_garbage_collector_runs_again_after_a_page_good_or_bad():
    import gc

    decode_data_page(json.dumps({"values": [row("N01963", "1882", 2022, val("T", 1.0))]}).encode())
    assert gc.isenabled()
    with pytest.raises(SourceError):
        decode_data_page(b'{"values": [', "https://api.kolada.se/v3/data/x")
    assert gc.isenabled()
    gc.disable()  # a caller that had paused it keeps it paused
    try:
        decode_data_page(json.dumps({"values": []}).encode())
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_paging_alone_counts_items_and_refuses_what_is_no_envelope():
    body = json.dumps({"values": [row("N01963", "1882", 2022, val("T", "12,5"))] * 3,
                       "next_url": "https://api.kolada.se/v3/x?page=2"}).encode()
    # The items are only counted here; decode_data_page checks them.
    assert page_paging(body) == (3, "https://api.kolada.se/v3/x?page=2")
    with pytest.raises(SourceError, match=r"\$: fältet 'values' saknas"):
        page_paging(b'{"data": []}', "https://api.kolada.se/v3/data/x")
    with pytest.raises(SourceError, match="ogiltig eller avkortad JSON"):
        page_paging(b'{"values": [', "https://api.kolada.se/v3/data/x")


def test_retries_then_reads_page(httpserver, client):
    url = "/v3/data/kpi/N01951/municipality/1882/year/2022"
    answers = [Response("", status=503), Response(json.dumps({"values": [row("N01951", "1882", 2022, val("T", 5.0))], "next_url": None}), content_type="application/json")]
    httpserver.expect_request(url).respond_with_handler(lambda r: answers.pop(0))
    (page,) = client.data_pages(["N01951"], ["1882"], [2022])
    assert page.payload.records()[0]["value"] == 5.0


def test_unknown_group_is_an_error(httpserver, client):
    httpserver.expect_request("/v3/municipality_groups/G1").respond_with_json({"values": [], "next_url": None})
    with pytest.raises(SourceError, match="kommungruppen G1 finns inte"):
        client.municipality_group("G1")


def test_replay_mode_answers_from_recordings_with_the_same_client():
    client = KoladaClient(build_session(mode="replay"))
    group, _ = client.municipality_group("G37333")
    assert group["title"].startswith("Liknande kommuner, övergripande, Askersund")
    munis = ["1882"] + [m["member_id"] for m in group["members"]]
    pages = list(client.data_pages(load_catalog().kolada_kpis(), munis, [2022]))
    rows = [r for p in pages for r in p.payload.records()]
    gastnatter = [r for r in rows if r["kpi"] == "N45850" and r["municipality"] == "1882"]
    assert len(gastnatter) == 1
    assert gastnatter[0]["value"] == pytest.approx(dump_value("N45850", "1882", 2022))


def test_replay_mode_without_recording_is_a_clear_error():
    client = KoladaClient(build_session(mode="replay"))
    with pytest.raises(RecordingMissing, match="ingen inspelning"):
        list(client.data_pages(["N01951"], ["1882"], [1999]))


def test_more_than_25_kpis_are_split_over_requests(httpserver, client):
    kpis = [f"N{i:05d}" for i in range(30)]
    paths = []

    def handler(request):
        paths.append(request.path)
        ids = request.path.split("/kpi/")[1].split("/")[0].split(",")
        return Response(json.dumps({"values": [row(k, "1882", 2022, val("T", 1.0)) for k in ids], "next_url": None}), content_type="application/json")

    for path in {urlsplit(u).path for u in data_urls(kpis, ["1882"], [2022], base_url=httpserver.url_for("/v3"))}:
        httpserver.expect_request(path).respond_with_handler(handler)
    rows = [r for p in client.data_pages(kpis, ["1882"], [2022]) for r in p.payload.records()]
    assert len(paths) == 2
    assert all(len(p.split("/kpi/")[1].split("/")[0].split(",")) <= 25 for p in paths)
    assert sorted(r["kpi"] for r in rows) == kpis


def test_relative_next_url_is_followed(httpserver, client):
    path = "/v3/data/kpi/N01951/municipality/1882/year/2021,2022"
    pages = {"1": {"values": [row("N01951", "1882", 2022, val("T", 1.0))], "next_url": path + "?per_page=5000&page=2"},
             "2": {"values": [row("N01951", "1882", 2021, val("T", 2.0))], "next_url": None}}
    httpserver.expect_request(path).respond_with_handler(
        lambda r: Response(json.dumps(pages[r.args.get("page", "1")]), content_type="application/json"))
    assert len(list(client.data_pages(["N01951"], ["1882"], [2021, 2022]))) == 2


def test_a_next_url_that_changes_on_every_page_stops_at_what_the_request_can_hold(httpserver, client):
    # 2 KPIs × 1 unit × 1 year: at most 2 items. A server whose next_url never ends (a new page
    # number each time) used to be followed for 10,000 pages.
    path = "/v3/data/kpi/N01951,N01963/municipality/1882/year/2022"
    served = []

    def endless(request):
        page = int(request.args.get("page", "1"))
        served.append(page)
        return Response(json.dumps({"values": [row("N01951", "1882", 2022, val("T", float(page)))],
                                    "next_url": httpserver.url_for(path) + f"?per_page=5000&page={page + 1}"}),
                        content_type="application/json")

    httpserver.expect_request(path).respond_with_handler(endless)
    with pytest.raises(SourceError, match=r"3 sidor har gett 3 poster, fler än frågan kan rymma \(2 = KPI:er × enheter "
                                          r"× år .*next_url ändras på varje sida"):
        list(client.data_pages(["N01951", "N01963"], ["1882"], [2022]))
    assert served == [1, 2, 3]


def test_html_outage_page_from_kolada_is_refused(httpserver, client):
    httpserver.expect_request("/v3/kpi/N01951").respond_with_data("<html><h1>503 Service Unavailable</h1></html>", content_type="text/html")
    with pytest.raises(SourceError, match=r"kolada: svaret är HTML.*\[URL: http://localhost:\d+/v3/kpi/N01951\?per_page=5000\]"):
        client.kpi_metadata(["N01951"])
