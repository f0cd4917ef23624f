"""Build the SCB replay recordings for the demo and the tests.

- GET /config: ../shared/fixtures/scb/config.json, a real PxWebApi 2.0 /config recorded in
  pxwebpy's tests, unchanged (its rate-limit fields were edited there to 3 calls / 1 s; the
  client only reads maxDataCells, 150000, from it; live mode reads SCB's own /config).
- GET /tables/TAB638: CONSTRUCTED. No recorded /tables/{id} answer exists here; the entry has
  the fields of the real /tables list entries (fixtures tables_*.json) with TAB638's values:
  `updated` from the real TAB638 data response (2025-02-21T07:00:00Z), periods 1968-2024.
- POST /tables/TAB638/data: CONSTRUCTED json-stat2 in the shape of the real TAB638 response
  (fixtures TAB638_data_wrapped.json: notes, extension, dimension layout) with the real
  folkmängd of the kommun: SCB's BE0101N1 as published in Kolada (N01951) in
  open-numbers/ddf--kolada--dump, years up to 2022. Whether SCB lists eliminated variables
  (Kon, Civilstand) in such a response is unverified; they are left out, and the parser
  accepts both.

The selection and the POST body come from the pipeline's own code (catalog, build_selection,
build_query), so replay matches exactly what the pipeline sends.

    python tools/build_scb_recordings.py [--shared ../shared] [--years 2010-2022] [--out DIR]
"""

from __future__ import annotations

import argparse
import copy
import csv
import hashlib
import json
import shutil
from pathlib import Path

from pxweb._internal.functions import build_query

from indicator_catalog.catalog import load_catalog
from sources.scb import BASE_URL, LANGUAGE, build_selection

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "sources" / "recordings" / "scb"
TABLE = "TAB638"
UPDATED = "2025-02-21T07:00:00Z"  # `updated` of the real TAB638 data response in the fixtures
CONFIG_NOTE = ("Verkligt PxWebApi 2.0 /config-svar ur pxwebpy:s tester (oförändrat; dess gräns för anrop "
               "är ändrad där till 3 per sekund, SCB:s egen är 30 per 10 s).")
TABLE_NOTE = ("KONSTRUERAT: GET /tables/TAB638 byggt med fälten från riktiga /tables-poster; updated "
              "(2025-02-21) från ett riktigt TAB638-svar. Inte ett live-svar.")
DATA_NOTE = ("KONSTRUERAT: SCB TAB638 (folkmängd) i json-stat2 med formen från ett riktigt svar och "
             "kommunens verkliga folkmängd (SCB via Kolada N01951, open-numbers-dumpen, år t.o.m. 2022). "
             "Inte ett live-svar; senare år finns inte i replay-läge.")


def recording(method, url, body, response, note, constructed):
    req = {"method": method, "url": url,
           "body_sha256": hashlib.sha256(body).hexdigest() if body else None}
    return {"recording": {"recorded_at": None, "constructed": constructed, "note": note},
            "request": req, "response": {"status": 200, "headers": {"Content-Type": "application/json"}, "body": response}}


def folkmangd(shared: Path, region: str) -> dict[int, int]:
    path = shared / "fixtures" / "kolada_dump" / "catalog" / "ddf--datapoints--n01951--by--geo--year.csv"
    return {int(r["year"]): int(float(r["n01951"])) for r in csv.DictReader(path.open(encoding="utf-8"))
            if r["geo"].zfill(4) == region and r["n01951"]}


def data_body(template: dict, region: str, name: str, year: int, value: int) -> dict:
    doc = copy.deepcopy(template)
    dims = doc["dimension"]
    doc["id"] = ["Region", "Alder", "ContentsCode", "Tid"]
    doc["size"] = [1, 1, 1, 1]
    doc["dimension"] = {
        "Region": {"label": dims["Region"]["label"], "category": {"index": {region: 0}, "label": {region: name}},
                   "extension": dims["Region"]["extension"] | {"noteMandatory": {}}},
        "Alder": dims["Alder"],
        "ContentsCode": dims["ContentsCode"],
        "Tid": {"label": "år", "category": {"index": {str(year): 0}, "label": {str(year): str(year)}},
                "extension": dims["Tid"]["extension"]},
    }
    doc["extension"]["px"]["stub"] = ["Region", "Alder"]
    doc["value"] = [value]
    return doc


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--years", default="2010-2022")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    first, last = (int(y) for y in args.years.split("-"))
    cat = load_catalog()
    spec = next(t for q in cat.scb_series().values() for t in q.tables if t.table == TABLE)
    series = next(s for s, q in cat.scb_series().items() if spec in q.tables)
    regions = cat.scb_regions(series)
    fixtures = args.shared / "fixtures" / "scb"
    template = json.loads((fixtures / "TAB638_data_wrapped.json").read_text(encoding="utf-8"))["response"]
    base = f"{BASE_URL}"
    docs = {
        "config.json": recording("GET", f"{base}/config?lang={LANGUAGE}", None,
                                 json.loads((fixtures / "config.json").read_text(encoding="utf-8")), CONFIG_NOTE, False),
        f"table_{TABLE}.json": recording("GET", f"{base}/tables/{TABLE}?lang={LANGUAGE}", None, {
            "id": TABLE, "label": template["label"] + ". År 1968-2024", "description": "", "updated": UPDATED,
            "firstPeriod": "1968", "lastPeriod": "2024", "category": "public",
            "variableNames": [template["dimension"][d]["label"] for d in template["id"]],
            "source": "SCB", "subjectCode": "BE", "timeUnit": "Annual",
            "links": [{"rel": "self", "hreflang": "sv", "href": f"{base}/tables/{TABLE}?lang=sv"}],
        }, TABLE_NOTE, True),
    }
    for region in regions:
        values = folkmangd(args.shared, region)
        name = cat.settings.kommun_namn if region == cat.settings.kommun else region
        for year in range(first, last + 1):
            if year not in values:
                continue
            selection = build_selection(spec.region_variable, [region], spec.contents_variable, spec.contents,
                                        spec.selection, spec.time_variable, [str(year)])
            body = json.dumps(build_query(selection, spec.codelists or None), ensure_ascii=False,
                              separators=(",", ":")).encode("utf-8")
            url = f"{base}/tables/{TABLE}/data?lang={LANGUAGE}&outputFormat=json-stat2"
            docs[f"data_{TABLE}_{region}_{year}.json"] = recording(
                "POST", url, body, data_body(template, region, name, year, values[year]), DATA_NOTE, True)
    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    for name, doc in docs.items():
        (args.out / name).write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(docs)} inspelningar i {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
