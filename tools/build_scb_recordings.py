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
  open-numbers/ddf--kolada--dump, years up to 2022. One recording per year (a nightly run)
  and one per range in --ranges (a backfill asks for all its years in one selection).
  Whether SCB lists eliminated variables (Kon, Civilstand) in such a response is
  unverified; they are left out, and the parser accepts both.
- GET /tables/TAB638/metadata (national mode): CONSTRUCTED from the dimensions of the real
  TAB638 response and the Region list (codes and names of Riket, län and kommuner) of the
  real TAB6471 metadata (fixtures TAB6471_metadata.json), Tid 1968-2024.
- POST /tables/TAB638/data for every kommun, län and Riket (national mode, omfattning:
  riket), one per year in --riket-years (default 2022): CONSTRUCTED as above, with the real
  folkmängd of every unit from the same dump.

The selection and the POST body come from the pipeline's own code (catalog, build_selection,
query_body), so replay matches exactly what the pipeline sends.

    python tools/build_scb_recordings.py [--shared ../shared] [--years 2010-2022]
        [--ranges 2010-2022,2021-2022] [--riket-years 2022] [--out DIR]
"""

from __future__ import annotations

import argparse
import copy
import csv
import hashlib
import json
import shutil
from pathlib import Path

from indicator_catalog.catalog import load_catalog, national_units
from sources.scb import BASE_URL, LANGUAGE, build_selection, query_body, scb_region

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
METADATA_NOTE = ("KONSTRUERAT: GET /tables/TAB638/metadata: dimensionerna från ett riktigt TAB638-svar, "
                 "Region med alla koder och namn ur ett riktigt TAB6471-metadatasvar, år 1968-2024. Inte ett live-svar.")
RIKET_NOTE = ("KONSTRUERAT: SCB TAB638 (folkmängd) för alla 290 kommuner, 21 län och riket, i json-stat2 med "
              "formen från ett riktigt svar och verkliga värden (SCB via Kolada N01951, open-numbers-dumpen).")


def fixture_regions(fixtures: Path) -> dict[str, str]:
    """SCB's Region codes and names from the real TAB6471 metadata (Riket, län, kommuner)."""
    region = json.loads((fixtures / "TAB6471_metadata.json").read_text(encoding="utf-8"))["dimension"]["Region"]["category"]
    return {c: region["label"][c] for c in region["index"]}


def recording(method, url, body, response, note, constructed):
    req = {"method": method, "url": url,
           "body_sha256": hashlib.sha256(body).hexdigest() if body else None}
    return {"recording": {"recorded_at": None, "constructed": constructed, "note": note},
            "request": req, "response": {"status": 200, "headers": {"Content-Type": "application/json"}, "body": response}}


def folkmangd(shared: Path) -> dict[tuple[str, int], int]:
    """(Kolada unit id, year) -> folkmängd 31 December, every unit in the dump."""
    path = shared / "fixtures" / "kolada_dump" / "catalog" / "ddf--datapoints--n01951--by--geo--year.csv"
    return {(r["geo"].zfill(4), int(r["year"])): int(float(r["n01951"]))
            for r in csv.DictReader(path.open(encoding="utf-8")) if r["n01951"]}


def data_body(template: dict, regions: list[str], names: dict[str, str], years: list[int], values: dict) -> dict:
    """json-stat2 for regions × years (SCB codes; values keyed by (code, year)), row-major
    with the last dimension (Tid) fastest, as json-stat2 orders `value`."""
    doc = copy.deepcopy(template)
    dims = doc["dimension"]
    doc["id"] = ["Region", "Alder", "ContentsCode", "Tid"]
    doc["size"] = [len(regions), 1, 1, len(years)]
    doc["dimension"] = {
        "Region": {"label": dims["Region"]["label"],
                   "category": {"index": {r: i for i, r in enumerate(regions)}, "label": {r: names.get(r, r) for r in regions}},
                   "extension": dims["Region"]["extension"] | {"noteMandatory": {}}},
        "Alder": dims["Alder"],
        "ContentsCode": dims["ContentsCode"],
        "Tid": {"label": "år", "category": {"index": {str(y): i for i, y in enumerate(years)},
                                             "label": {str(y): str(y) for y in years}},
                "extension": dims["Tid"]["extension"]},
    }
    doc["extension"]["px"]["stub"] = ["Region", "Alder"]
    doc["value"] = [values.get((r, y)) for r in regions for y in years]
    return doc


def metadata_body(template: dict, regions: dict[str, str]) -> dict:
    """GET /tables/TAB638/metadata: the dimensions of the data template, Region with every
    code of the real TAB6471 metadata (Riket, län, kommuner), Tid 1968–2024, no values."""
    doc = copy.deepcopy(template)
    dims = doc["dimension"]
    years = [str(y) for y in range(1968, 2025)]
    dims["Region"]["category"] = {"index": {c: i for i, c in enumerate(regions)}, "label": dict(regions)}
    dims["Tid"] = {"label": "år", "category": {"index": {y: i for i, y in enumerate(years)}, "label": {y: y for y in years}},
                   "extension": dims["Tid"]["extension"]}
    doc["size"] = [len(dims[d]["category"]["index"]) for d in doc["id"]]
    doc["value"] = None
    return doc


def riket_years(text: str) -> list[int]:
    """'2022', '2020-2022' or '2020,2022' (ranges and single years, comma-separated)."""
    years = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        years += range(int(lo), int(hi or lo) + 1)
    return years


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--years", default="2010-2022")
    # The demo's range and the CLI test's range (one run per range, as a backfill).
    ap.add_argument("--ranges", default="2010-2022,2021-2022")
    # "2022", "2020-2022" or "2020,2022" (the Kolada builder takes a range).
    ap.add_argument("--riket-years", default="2022")
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
    url = f"{base}/tables/{TABLE}/data?lang={LANGUAGE}&outputFormat=json-stat2"
    population = folkmangd(args.shared)

    def add(name: str, units: list[str], years: list[int], names: dict[str, str], note: str) -> None:
        codes = [scb_region(u) for u in units]
        selection = build_selection(spec.region_variable, codes, spec.contents_variable, spec.contents,
                                    spec.selection, spec.time_variable, [str(y) for y in years])
        body = query_body(selection, spec.codelists or None)
        values = {(scb_region(u), y): population.get((u, y)) for u in units for y in years}
        docs[name] = recording("POST", url, body, data_body(template, codes, names, years, values), note, True)

    # One call per year (a nightly run) and one per range (a backfill, BackfillPolicy.single_run).
    names = {cat.settings.kommun: cat.settings.kommun_namn}
    for year in range(first, last + 1):
        if (regions[0], year) in population:
            add(f"data_{TABLE}_{'_'.join(regions)}_{year}.json", regions, [year], names, DATA_NOTE)
    for text in args.ranges.split(","):
        lo, hi = (int(y) for y in text.split("-"))
        add(f"data_{TABLE}_{'_'.join(regions)}_{lo}-{hi}.json", regions, list(range(lo, hi + 1)), names, DATA_NOTE)

    # National mode (omfattning: riket): the table's metadata, and every unit for a year.
    scb_names = fixture_regions(fixtures)
    docs[f"metadata_{TABLE}.json"] = recording("GET", f"{base}/tables/{TABLE}/metadata?lang={LANGUAGE}", None,
                                              metadata_body(template, scb_names), METADATA_NOTE, True)
    units = national_units()
    for year in riket_years(args.riket_years):
        add(f"data_{TABLE}_riket_{year}.json", units, [year], scb_names, RIKET_NOTE)
    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    for name, doc in docs.items():
        (args.out / name).write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(docs)} inspelningar i {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
