"""The replay recordings are what the builder makes from the real fixtures, value for value."""

import json
import subprocess
import sys

import pytest

from sources.http import DEFAULT_RECORDINGS_DIR
from tests.conftest import REPO, SHARED, dump_value

KOLADA = DEFAULT_RECORDINGS_DIR / "kolada"
SCB = DEFAULT_RECORDINGS_DIR / "scb"
AF = DEFAULT_RECORDINGS_DIR / "af"


@pytest.mark.parametrize("tool, committed_dir", [("build_kolada_recordings.py", KOLADA), ("build_scb_recordings.py", SCB),
                                                     ("build_af_recordings.py", AF)])
def test_builder_reproduces_the_committed_recordings(tmp_path, tool, committed_dir):
    if not (SHARED / "fixtures" / "kolada_dump").exists():
        pytest.skip("../shared/fixtures saknas")
    out = tmp_path / committed_dir.name
    subprocess.run([sys.executable, f"tools/{tool}", "--out", str(out)], cwd=REPO, check=True, capture_output=True)
    committed = {p.name: p.read_text(encoding="utf-8") for p in committed_dir.glob("*.json")}
    rebuilt = {p.name: p.read_text(encoding="utf-8") for p in out.glob("*.json")}
    assert rebuilt == committed


def test_every_recorded_value_is_the_dump_value():
    checked = 0
    for path in KOLADA.glob("data_*.json"):
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert doc["recording"]["constructed"] is True and "ddf--kolada--dump" in doc["recording"]["note"]
        for item in doc["response"]["body"]["values"]:
            for v in item["values"]:
                expected = dump_value(item["kpi"], item["municipality"], item["period"], v["gender"])
                assert v["value"] == pytest.approx(expected), (path.name, item["kpi"], item["municipality"], v)
                checked += 1
    assert checked > 200


def test_scb_recordings_hold_the_real_folkmangd_and_say_they_are_constructed():
    checked = 0
    for path in SCB.glob("data_*.json"):
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert doc["recording"]["constructed"] is True and "KONSTRUERAT" in doc["recording"]["note"]
        body = doc["response"]["body"]
        regions = list(body["dimension"]["Region"]["category"]["index"])
        years = [int(y) for y in body["dimension"]["Tid"]["category"]["index"]]
        # Region codes are SCB's (Riket 00, län 18); the dump writes Riket as 0.
        geo = ["0" if r == "00" else r for r in regions]
        assert body["value"] == [dump_value("N01951", g, y) for g in geo for y in years], path.name
        checked += 1
    assert checked >= 16  # a year each, the backfill ranges, every unit for a year (national mode)
    table = json.loads((SCB / "table_TAB638.json").read_text(encoding="utf-8"))
    assert table["recording"]["constructed"] is True and table["response"]["body"]["updated"]


def test_af_recordings_say_they_are_constructed_and_hold_the_five_files():
    from sources.af import FILES

    docs = [json.loads(p.read_text(encoding="utf-8")) for p in AF.glob("*.json")]
    assert docs and all(d["recording"]["constructed"] and "KONSTRUERAD" in d["recording"]["note"] for d in docs)
    names = {d["request"]["url"].rsplit("/", 1)[-1] for d in docs if "body_base64" in d["response"]}
    assert names == {f"{f.prefix}-2026-10.xlsx" for f in FILES.values()}
