"""Record mode writes what the server said; replay mode answers it back byte for byte."""

import json

import pytest
from werkzeug import Response

from sources.errors import RecordingMissing
from sources.http import build_session

XLSX = b"PK\x03\x04" + bytes(range(256)) * 4  # a binary body like an AF workbook


@pytest.mark.parametrize("body, ctype", [(XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                                         (json.dumps({"values": [1, 2]}).encode(), "application/json"),
                                         ("<a href='x-2026-08.xlsx'>å</a>".encode(), "text/html")])
def test_recorded_responses_replay_byte_for_byte(httpserver, tmp_path, body, ctype):
    httpserver.expect_request("/f").respond_with_response(Response(body, content_type=ctype))
    url = httpserver.url_for("/f")
    recorded = build_session(mode="record", recordings=tmp_path).get(url)
    assert recorded.content == body
    replayed = build_session(mode="replay", recordings=tmp_path).get(url)
    assert replayed.status_code == 200
    if ctype == "application/json":
        assert json.loads(replayed.content) == json.loads(body)
    else:
        assert replayed.content == body
        streamed = build_session(mode="replay", recordings=tmp_path).get(url, stream=True)
        assert b"".join(streamed.iter_content(100)) == body  # AF downloads read in chunks


def test_replay_without_a_recording_is_a_clear_error(tmp_path):
    with pytest.raises(RecordingMissing, match="ingen inspelning för GET"):
        build_session(mode="replay", recordings=tmp_path).get("https://example.invalid/x")


def test_any_selection_of_recorded_kolada_years_is_answered_from_each_years_recording():
    from indicator_catalog.catalog import load_catalog
    from sources.http import DEFAULT_RECORDINGS_DIR
    from sources.kolada import KoladaClient
    from sources.replay import load_index

    client = KoladaClient(build_session(mode="replay"))
    kpis = load_catalog().kolada_kpis()
    units = ["0617", "0840", "1083", "1265", "1471", "1882", "2029", "2262"]

    def records(years):
        return sorted(tuple(sorted(r.items())) for p in client.data_pages(kpis, units, years) for r in p.payload.records())

    # 2019,2020 and 2015,2017,2022 were never recorded together; each year was.
    recorded = load_index(str(DEFAULT_RECORDINGS_DIR))
    assert not any("/year/2019,2020?" in k or "/year/2015,2017,2022?" in k for k in recorded)
    assert records([2019, 2020]) == sorted(records([2019]) + records([2020]))
    assert records([2015, 2017, 2022]) == sorted(records([2015]) + records([2017]) + records([2022]))
    assert len(records([2019, 2020])) > len(records([2019])) > 0
    with pytest.raises(RecordingMissing, match="inte heller för år 2030 var för sig"):
        records([2022, 2030])


def test_a_composed_kolada_answer_is_paged_like_kolada(tmp_path):
    # Two CONSTRUCTED one-year recordings of three values each, asked for together with per_page=4.
    base = "https://api.kolada.se/v3/data/kpi/N1/municipality/1882/year/"
    for year in (2021, 2022):
        doc = {"recording": {"constructed": True, "note": "test"},
               "request": {"method": "GET", "url": f"{base}{year}?per_page=4"},
               "response": {"status": 200, "body": {"values": [{"kpi": "N1", "municipality": "1882", "period": year,
                                                                 "values": [{"gender": g, "value": 1.0}]}
                                                                for g in "TKM"], "next_url": None}}}
        (tmp_path / f"{year}.json").write_text(json.dumps(doc), encoding="utf-8")
    session = build_session(mode="replay", recordings=tmp_path)
    first = session.get(f"{base}2021,2022?per_page=4").json()
    assert len(first["values"]) == 4 and first["next_url"].endswith("page=2")
    second = session.get(first["next_url"]).json()
    assert len(second["values"]) == 2 and second["next_url"] is None


def test_any_selection_of_recorded_scb_years_is_one_joined_cube():
    from sources.jsonstat import parse
    from sources.scb import ScbClient

    client = ScbClient(build_session(mode="replay"))
    selection = lambda years: {"Region": ["1882"], "ContentsCode": ["BE0101N1"], "Alder": ["tot"], "Tid": years}

    def cells(years):
        return [(r["Tid"], r["value"]) for p in client.data("TAB638", selection(years)) for r in parse(p.payload, p.url).rows]

    joined = cells(["2017", "2019", "2020"])
    assert joined == cells(["2017"]) + cells(["2019"]) + cells(["2020"]) and len(joined) == 3
    with pytest.raises(RecordingMissing, match="Tid 2031"):
        cells(["2020", "2031"])
