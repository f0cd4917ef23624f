"""sources/kolada_sql.py against sources.kolada.decode_data_page: the same rows from every page
msgspec accepts, a refusal of every page msgspec refuses. The pages are constructed to the v3
format (reference/kolada.md §4), each at one edge of a rule."""

from __future__ import annotations

import json
import math

import duckdb
import pytest

from sources.errors import SourceError
from sources.kolada import COLUMNS, decode_data_page
from sources.kolada_sql import VALUES_SQL, refused

URL = "https://api.kolada.se/v3/data/kpi/N01963/year/2022?per_page=5000"


def item(*values, kpi="N01963", municipality="1882", period=2022, **extra):
    return {"kpi": kpi, "municipality": municipality, "period": period, "values": list(values), **extra}


def val(gender="T", value=1.0, **extra):
    return {"gender": gender, "value": value, "count": 1, "status": "", **extra}


def envelope(*items):
    return {"values": list(items), "next_url": None}


ACCEPTED = {
    "plain": envelope(item(val("T", 12.5), val("K", -0.32), val("M", 0.0))),
    "null and missing value": envelope(item(val("T", None), {"gender": "K", "count": 0})),
    "integers and large numbers": envelope(item(val("T", 7), val("K", 1e300), val("M", -9007199254740993))),
    "status null, missing or text": envelope(item(val("T", 1.0, status=None), {"gender": "K", "value": 2.0},
                                                  val("M", 3.0, status="B"))),
    "isdeleted on the value, the item or both": envelope(
        item(val("T", 1.0, isdeleted=True), val("K", 2.0)),
        item(val("T", 1.0), val("K", 2.0, isdeleted=False), municipality="1880", isdeleted=True)),
    "an item with no values": envelope(item(), item(val("T", 4.0), municipality="0000")),
    "no items": envelope(),
    "unicode and unknown fields": envelope(item(val("T", 1.0, extra={"a": [1]}), municipality="Åre-ö", note="x")),
    "extra envelope fields, next_url set": {"values": [item(val("T", 1.0))], "count": 1,
                                            "next_url": URL + "&page=2"},
}

REFUSED = {
    "value as a string with a point": envelope(item(val("T", "12.5"))),
    "value with a decimal comma": envelope(item(val("T", "12,5"))),
    "value true": envelope(item(val("T", True))),
    "kpi as a number": envelope(item(val("T", 1.0), kpi=123)),
    "kpi null": envelope(item(val("T", 1.0), kpi=None)),
    "municipality missing": envelope({"kpi": "N1", "period": 2022, "values": [val()]}),
    "period as a string": envelope(item(val("T", 1.0), period="2022")),
    "period as a fraction": envelope(item(val("T", 1.0), period=2022.5)),
    "gender unknown": envelope(item(val("F", 1.0))),
    "gender null": envelope(item(val(None, 1.0))),
    "gender missing": envelope(item({"value": 1.0})),
    "status as a number": envelope(item(val("T", 1.0, status=5))),
    "isdeleted as text": envelope(item(val("T", 1.0, isdeleted="false"))),
    "item isdeleted as a number": envelope(item(val("T", 1.0), isdeleted=0)),
    "item without values": envelope({"kpi": "N1", "municipality": "1882", "period": 2022}),
    "item values null": envelope(item(val(), **{"values": None})),
    "item null": envelope(None),
}


def sql_rows(tmp_path, payloads: list[dict]) -> list[tuple]:
    paths = []
    for seq, payload in enumerate(payloads):
        path = tmp_path / f"{seq:05d}.json"
        path.write_text(json.dumps(payload), encoding="utf-8")
        paths.append(str(path))
    return duckdb.connect().execute(VALUES_SQL, [paths]).fetchall()


def msgspec_rows(payload: dict, seq: int = 0) -> list[tuple]:
    rows = decode_data_page(json.dumps(payload).encode(), URL)
    return [(seq, *r) for r in zip(*(rows.columns[c] for c in COLUMNS))]


def same(a: list[tuple], b: list[tuple]) -> bool:
    def key(row):  # NaN never occurs (JSON has none); None sorts first
        return tuple((x is not None, x) for x in row)
    return sorted(a, key=key) == sorted(b, key=key)


@pytest.mark.parametrize("name", ACCEPTED)
def test_every_page_msgspec_accepts_gives_the_same_rows(tmp_path, name):
    payload = ACCEPTED[name]
    got = sql_rows(tmp_path, [payload])
    assert same(got, msgspec_rows(payload)), (got, msgspec_rows(payload))
    assert all(not (isinstance(r[5], float) and math.isnan(r[5])) for r in got)


def test_rows_keep_their_page_across_files(tmp_path):
    pages = list(ACCEPTED.values())
    expected = [row for seq, p in enumerate(pages) for row in msgspec_rows(p, seq)]
    assert same(sql_rows(tmp_path, pages), expected)


@pytest.mark.parametrize("name", REFUSED)
def test_every_page_msgspec_refuses_is_refused(tmp_path, name):
    payload = REFUSED[name]
    with pytest.raises(SourceError):
        decode_data_page(json.dumps(payload).encode(), URL)
    good = ACCEPTED["plain"]
    with pytest.raises(duckdb.Error) as caught:  # among good pages: the whole statement stops
        sql_rows(tmp_path, [good, payload, good])
    # The error raised to the user is msgspec's, with the page's URL and the JSON path.
    paths = [str(tmp_path / f"{i:05d}.json") for i in range(3)]
    urls = [URL + f"&page={i}" for i in range(3)]
    error = refused(paths, urls, caught.value)
    assert error.url == urls[1] and "$.values[0]" in str(error)


def test_a_refusal_msgspec_does_not_share_names_the_file_duckdb_named(tmp_path):
    # A page larger than the reader's buffer (sources/kolada_sql.py): msgspec reads it, DuckDB
    # does not; the error names that page's URL and DuckDB's reason.
    big = envelope(*[item(val("T", 1.0), municipality=f"{i:04d}", kpi="N" + "0" * 2000) for i in range(9000)])
    with pytest.raises(duckdb.Error) as caught:
        sql_rows(tmp_path, [ACCEPTED["plain"], big])
    error = refused([str(tmp_path / "00000.json"), str(tmp_path / "00001.json")], [URL, URL + "&page=2"], caught.value)
    assert error.url == URL + "&page=2" and "kunde inte läsas" in str(error)
