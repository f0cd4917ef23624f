"""Build the Kolada replay recordings for the demo and the tests from the real data in
../shared/fixtures (see its SOURCES.md):

- KPI metadata and the municipality group: the real v3 records recorded 2026-03-23 by
  rKolada, put back into the v3 envelope {"values": [...], "next_url": null};
- values: open-numbers/ddf--kolada--dump (real Kolada values, scraped autumn 2024, years up
  to 2022), re-nested into v3 data rows with count 1, status "" and isdeleted false, since
  the dump keeps none of those.

Every recording says so in its "recording" block (constructed: true, with a note), and the
demo prints the notes. The URLs are produced by the client's own `data_urls`, so replay
matches exactly what the pipeline requests.

    python tools/build_kolada_recordings.py [--shared ../shared] [--years 2010-2022]
        [--ranges 2010-2022,2021-2022] [--riket-years 2020-2022] [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import shutil
from pathlib import Path

from indicator_catalog.catalog import load_catalog, national_units
from sources.kolada import BASE_URL, PER_PAGE, data_urls
from sources.replay import request_key

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "sources" / "recordings" / "kolada"
DUMP_NOTE = (
    "Kolada-värden återskapade ur open-numbers/ddf--kolada--dump (verkliga värden, hämtade "
    "hösten 2024, år t.o.m. 2022) i API v3:s format; inte ett live-svar. count/status/isdeleted "
    "är satta till 1/\"\"/false eftersom dumpen inte har dem. KPI:er som saknas i dumpen "
    "(t.ex. N03937) ger inga värden i replay-läge."
)
META_NOTE = (
    "Verkliga Kolada v3-poster inspelade 2026-03-23 (rKolada R/sysdata.rda), åter lagda i "
    "v3-kuvertet {values, next_url}."
)


def dump_geo(geo: str) -> str:
    """Dump geo code -> Kolada id: kommun as is, region '18' -> '0018', Riket '0' -> '0000'."""
    return geo.zfill(4)


def read_dump(catalog_dir: Path, kpi: str) -> dict[tuple[str, int], dict[str, float | None]]:
    """(municipality, year) -> {gender: value} for one KPI from the dump's CSV files."""
    out: dict[tuple[str, int], dict[str, float | None]] = {}
    k = kpi.lower()
    total = catalog_dir / f"ddf--datapoints--{k}--by--geo--year.csv"
    split = catalog_dir / f"ddf--datapoints--{k}--by--geo--gender--year.csv"
    if total.exists():
        for row in csv.DictReader(total.open(encoding="utf-8")):
            value = float(row[k]) if row[k] != "" else None
            out.setdefault((dump_geo(row["geo"]), int(row["year"])), {})["T"] = value
    if split.exists():
        for row in csv.DictReader(split.open(encoding="utf-8")):
            value = float(row[k]) if row[k] != "" else None
            out.setdefault((dump_geo(row["geo"]), int(row["year"])), {})[row["gender"].upper()] = value
    return out


def read_dump_any(dump_dir: Path, kpi: str) -> dict[tuple[str, int], dict[str, float | None]]:
    """The KPI from the dump's catalog folder, else from national_300 (where the
    medborgarundersökning KPIs N00528–N00670 are), else empty (e.g. U07453, newer than the dump)."""
    for sub in ("catalog", "national_300"):
        found = read_dump(dump_dir / sub, kpi)
        if found:
            return found
    return {}


def write(out: Path, url: str, body: dict, note: str, name: str, indent: int | None = 1) -> None:
    doc = {
        "recording": {"recorded_at": None, "constructed": True, "note": note},
        "request": {"method": "GET", "url": url, "body_sha256": None},
        "response": {"status": 200, "headers": {"Content-Type": "application/json"}, "body": body},
    }
    digest = hashlib.sha1(request_key("GET", url, None).encode()).hexdigest()[:10]
    (out / f"{name}_{digest}.json").write_text(json.dumps(doc, ensure_ascii=False, indent=indent) + "\n", encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--years", default="2010-2022")
    # National mode (settings omfattning: riket) for a few years: every kommun, region and Riket.
    ap.add_argument("--riket-years", default="2020-2022")
    # A backfill of several years is one run asking for all of them per request
    # (BackfillPolicy.single_run): the demo's range and the range the UI test backfills.
    ap.add_argument("--ranges", default="2010-2022,2021-2022")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    first, last = (int(x) for x in args.years.split("-"))
    fixtures = args.shared / "fixtures"
    catalog = load_catalog()
    kpis = catalog.kolada_kpis()

    out = args.out
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)

    groups = json.loads((fixtures / "kolada" / "municipality_groups_incl_1882_v3_2026-03-23.json").read_text())
    group_id = catalog.settings.jamforelsegrupp
    group = next(g for g in groups if g["id"] == group_id)
    write(out, f"{BASE_URL}/municipality_groups/{group_id}", {"values": [group], "next_url": None}, META_NOTE, f"group_{group_id}")

    kpi_meta = json.loads((fixtures / "kolada" / "kpi_selected_v3_2026-03-23.json").read_text())
    records = [r for r in kpi_meta if r["id"] in kpis]
    write(out, f"{BASE_URL}/kpi/{','.join(kpis)}?per_page={PER_PAGE}", {"values": records, "next_url": None}, META_NOTE, "kpi")

    municipalities = sorted({catalog.settings.kommun, *(m["member_id"] for m in group["members"])})
    dump = {k: read_dump_any(fixtures / "kolada_dump", k) for k in kpis}
    for year in range(first, last + 1):
        (url,) = data_urls(kpis, municipalities, [year])
        values = _rows(dump, kpis, municipalities, year)
        write(out, url, {"values": values, "next_url": None}, DUMP_NOTE, f"data_{year}")
        print(f"{year}: {len(values)} värden -> {url}")

    for text in args.ranges.split(","):
        lo, hi = (int(x) for x in text.split("-"))
        years = list(range(lo, hi + 1))
        (url,) = data_urls(kpis, municipalities, years)
        values = [v for y in years for v in _rows(dump, kpis, municipalities, y)]
        values.sort(key=lambda v: (v["kpi"], v["municipality"], v["period"]))
        write(out, url, {"values": values, "next_url": None}, DUMP_NOTE, f"data_{lo}-{hi}")
        print(f"{lo}-{hi}: {len(values)} värden -> {url}")

    first, last = (int(x) for x in args.riket_years.split("-"))
    units = national_units()
    for year in range(first, last + 1):
        # National mode asks for every unit at once (no municipality segment); the catalog's
        # few KPIs × 312 units fit one page a year.
        (url,) = data_urls(kpis, None, [year])
        values = _rows(dump, kpis, units, year)
        if len(values) > PER_PAGE:
            raise SystemExit(f"riket {year}: {len(values)} rader ryms inte på en sida; bygg sidor med next_url")
        write(out, url, {"values": values, "next_url": None}, DUMP_NOTE, f"riket_{year}", indent=None)
        print(f"riket {year}: {len(values)} värden -> {url}")


def _rows(dump: dict, kpis: list[str], municipalities: list[str], year: int) -> list[dict]:
    """Kolada v3 data rows for kpis × municipalities in one year, from the dump."""
    values = []
    for kpi in kpis:
        for m in municipalities:
            genders = dump[kpi].get((m, year))
            if not genders:
                continue
            inner = [{"gender": g, "count": 1, "status": "", "value": genders[g], "isdeleted": False}
                     for g in ("T", "K", "M") if g in genders]
            values.append({"kpi": kpi, "municipality": m, "period": year, "values": inner})
    return values


if __name__ == "__main__":
    main()
