"""json-stat2 parsing of every recorded PxWebApi 2.0 response, status symbols and notes kept."""

import json
from datetime import date
from pathlib import Path

import pytest

from sources.errors import SourceError
from sources.jsonstat import parse, period_bounds

FIXTURES = Path(__file__).parent / "fixtures" / "scb"


def load(name):
    doc = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return doc.get("response", doc) if "kind" in doc else doc


def test_tab638_codes_values_and_mandatory_notes():
    raw = json.loads((FIXTURES / "TAB638_data_wrapped.json").read_text(encoding="utf-8"))
    ds = parse(raw["response"])
    assert ds.table_id == "TAB638" and ds.time_dimension == "Tid" and ds.metric_dimension == "ContentsCode"
    assert ds.dimensions == ["Region", "Civilstand", "Alder", "Kon", "ContentsCode", "Tid"]
    assert len(ds.rows) == 128 == len(raw["response"]["value"])
    # The request's selection comes back as codes, in the selected order.
    for dim, codes in raw["selection"].items():
        assert ds.codes[dim] == codes
    # Row-major, last dimension fastest: the 5th cell is Knivsta, ogifta, tot, män, 2002.
    fifth = ds.rows[4]
    assert (fifth["Region"], fifth["Civilstand"], fifth["Kon"], fifth["Tid"]) == ("0330", "OG", "1", "2002")
    assert fifth["value"] == raw["response"]["value"][4] == 3464
    # Knivsta before it existed is 0, not missing (reference/scb.md §7).
    assert ds.rows[0]["value"] == 0 and ds.rows[0]["status"] == ""
    table_notes = [n for n in ds.notes if n.dimension is None]
    assert len(table_notes) == 3 and all(n.mandatory for n in table_notes)
    region_notes = [n for n in ds.notes if n.dimension == "Region"]
    assert [n.mandatory for n in region_notes] == [False, True]


def test_ssb_status_symbols_are_kept_not_turned_into_nan():
    doc = load("ssb_07221_data_with_status.json")
    ds = parse(doc, source="ssb")
    symbols = {i: r["status"] for i, r in enumerate(ds.rows) if r["status"]}
    assert symbols == {int(k): v for k, v in doc["status"].items()}
    assert all(ds.rows[i]["value"] is None and s == ".." for i, s in symbols.items())
    assert ds.codes["Tid"][0].endswith("K1")


@pytest.mark.parametrize("name", ["TAB6471_data.json", "TAB6471_metadata.json"])
def test_tab6471_data_and_metadata(name):
    doc = load(name)
    metadata = "metadata" in name
    ds = parse(doc, metadata=metadata)
    assert ds.table_id == "TAB6471" and ds.updated == doc["updated"]
    assert [len(ds.codes[d]) for d in ds.dimensions] == doc["size"]
    if not metadata:
        assert len(ds.rows) == len(doc["value"])
        assert [r["value"] for r in ds.rows[:5]] == [None if v is None else float(v) for v in doc["value"][:5]]
    else:
        assert ds.rows == [] and "1882" in ds.codes["Region"]
    assert any(n.mandatory and "Cell Key Method" in n.text for n in ds.notes if n.dimension is None)


@pytest.mark.parametrize("name", ["config.json", "tables_page1.json", "tables_search_befolkning.json", "codelist_agg_Alder10arJ.json"])
def test_non_dataset_responses_are_refused_clearly(name):
    with pytest.raises(SourceError, match="inte ett json-stat2-dataset"):
        parse(load(name), "https://example/x")


def test_value_count_mismatch_is_an_error():
    doc = load("TAB6471_data.json")
    doc["value"] = doc["value"][:-1]
    with pytest.raises(SourceError, match="värden men dimensionerna ger"):
        parse(doc)


@pytest.mark.parametrize(
    "code, start, end",
    [("2024", date(2024, 1, 1), date(2024, 12, 31)), ("2026M02", date(2026, 2, 1), date(2026, 2, 28)),
     ("2024K2", date(2024, 4, 1), date(2024, 6, 30)), ("1998-2002", date(1998, 1, 1), date(2002, 12, 31)),
     ("2020V53", date(2020, 12, 28), date(2021, 1, 3)),
     # the kommuner's tertials and half-years (SIE balances at a tertial's end, issue 17)
     ("2026T1", date(2026, 1, 1), date(2026, 4, 30)), ("2026T3", date(2026, 9, 1), date(2026, 12, 31)),
     ("2026H2", date(2026, 7, 1), date(2026, 12, 31))],
)
def test_period_bounds(code, start, end):
    assert period_bounds(code) == (start, end)


@pytest.mark.parametrize("code", ["2026M13", "24", "2024H3", "2024T4", "2024K5"])
def test_unknown_period_code(code):
    with pytest.raises(ValueError, match="okänd tidskod"):
        period_bounds(code)


def _small(status):
    return {"version": "2.0", "class": "dataset", "id": ["Tid"], "size": [3],
            "dimension": {"Tid": {"category": {"index": {"2022": 0, "2023": 1, "2024": 2}},
                                  "note": ["dim note"], "extension": {"noteMandatory": {"0": True},
                                  "categoryNoteMandatory": {"2024": {"1": True}}}}},
            "value": [1, None, 3], "status": status}


@pytest.mark.parametrize("status, expected", [
    ({"1": ".."}, ["", "..", ""]), ([None, "..", "p"], ["", "..", "p"]), (["p"], ["p", "p", "p"]), ("..", ["..", "..", ".."]),
])
def test_status_in_every_json_stat_form(status, expected):
    assert [r["status"] for r in parse(_small(status)).rows] == expected


@pytest.mark.parametrize("status, message", [([None, ".."], "status har 2 poster men 3 celler"), ({"7": ".."}, "status pekar på cell 7")])
def test_status_that_does_not_fit_the_cells_is_an_error(status, message):
    with pytest.raises(SourceError, match=message):
        parse(_small(status))


def test_category_notes_carry_their_mandatory_flag():
    doc = _small(None)
    doc["dimension"]["Tid"]["category"]["note"] = {"2024": ["frivillig", "preliminär uppgift"]}
    notes = [(n.dimension, n.category, n.text, n.mandatory) for n in parse(doc).notes]
    assert ("Tid", None, "dim note", True) in notes
    assert ("Tid", "2024", "frivillig", False) in notes and ("Tid", "2024", "preliminär uppgift", True) in notes
