"""Build format-true Kolada v3 answers for the national benchmark (not run in CI).

    python benchmarks/kolada_pages.py [--out data/bench/kolada] [--years 1998-2022]

From ../shared/fixtures/kolada_dump/national_300 (real values: the first 300 KPIs of the
dump, every kommun, region and Riket, totals) this writes what a full backfill of those
KPIs × 312 units × 25 years would receive from api.kolada.se/v3:
- `pages/NNNNN.json`: one file per answered page, the exact bytes the server sends
  (`{"values": [...], "next_url": ...}`, rows as in reference/kolada.md §4, ≤5000 rows a
  page, `next_url` = the same URL with `&page=N`);
- `kpi_NN.json`: the `/v3/kpi/...` metadata answers, one per 25-KPI chunk (v3 field names,
  dates from the dump's concepts file), which every run asks (backfill and nightly);
- `index.json`: request path+query -> page file, for benchmarks/kolada_server.py.
The first-page URLs are those the project's client asks (`sources.kolada.data_urls`) for a
backfill of the whole range; other URLs are answered 404 by the server, so a client that
asks more than it needs is seen, not served. Constructed from the dump, as the recordings.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indicator_catalog.catalog import national_units  # noqa: E402
from sources.kolada import PER_PAGE, chunks, data_urls  # noqa: E402
from tools.build_kolada_recordings import read_dump  # noqa: E402

BASE = "http://127.0.0.1:{port}/v3"  # the server fills in its port in next_url


def path_query(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def read_national(dump_dir: Path, first: int, last: int) -> tuple[list[str], dict]:
    """KPI ids and {(kpi, unit, year): value} from the national_300 files (totals only)."""
    values: dict[tuple[str, str, int], float] = {}
    kpis = [path.name.split("--")[2].upper()
            for path in sorted(dump_dir.glob("ddf--datapoints--*--by--geo--year.csv"))]
    for kpi in kpis:
        for (unit, year), by_gender in read_dump(dump_dir, kpi).items():
            value = by_gender.get("T")
            if first <= year <= last and value is not None:
                values[(kpi, unit, year)] = value
    return kpis, values


def kpi_records(concepts: Path, kpis: list[str]) -> list[dict]:
    """v3 KPI metadata from the dump's concepts file (v2 names mapped to v3's)."""
    wanted, out = {k.lower() for k in kpis}, []
    with concepts.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["concept"] in wanted:
                out.append({
                    "id": row["concept"].upper(), "title": row["name"], "description": row["description"],
                    "is_divided_by_gender": row["is_divided_by_gender"] == "True",
                    "municipality_type": row["municipality_type"], "operating_area": row["operating_area"],
                    "perspective": row["perspective"], "auspice": row["auspices"],
                    "has_ou_data": row["has_ou_data"] == "True",
                    "publication_date": row["publication_date"] or None,
                    "prel_publication_date": row["prel_publication_date"] or None,
                    "publ_period": None,
                })
    return out


def build(out: Path, dump: Path, first: int, last: int) -> dict:
    kpis, values = read_national(dump / "national_300", first, last)
    units, years = national_units(), list(range(first, last + 1))
    shutil.rmtree(out, ignore_errors=True)
    (out / "pages").mkdir(parents=True)
    index, n_pages, n_values = {}, 0, 0
    # National mode asks for every unit (no municipality segment), as the pipeline does.
    for url in data_urls(kpis, None, years, base_url=BASE):
        # The url's own segments, in the order Kolada would list them.
        path = urlsplit(url).path.split("/")
        segments = dict(zip(path[3::2], (seg.split(",") for seg in path[4::2])))
        k_ids, m_ids, y_ids = segments["kpi"], segments.get("municipality", units), segments["year"]
        rows = [
            {"kpi": k, "municipality": m, "period": y,
             "values": [{"gender": "T", "count": 1, "status": "", "value": values[(k, m, y)], "isdeleted": False}]}
            for k in k_ids for m in m_ids for y in map(int, y_ids) if (k, m, y) in values
        ]
        pages = [rows[i:i + PER_PAGE] for i in range(0, len(rows), PER_PAGE)] or [[]]
        for p, page_rows in enumerate(pages, start=1):
            page_url = url if p == 1 else f"{url}&page={p}"
            next_url = f"{url}&page={p + 1}" if p < len(pages) else None
            name = f"pages/{n_pages:05d}.json"
            body = json.dumps({"values": page_rows, "next_url": next_url}, ensure_ascii=False, separators=(",", ":"))
            (out / name).write_text(body, encoding="utf-8")
            index[path_query(page_url)] = name
            n_pages += 1
            n_values += len(page_rows)
    records = kpi_records(dump / "ddf--concepts.csv", kpis)
    for i, chunk in enumerate(chunks(kpis)):
        url = f"{BASE}/kpi/{','.join(chunk)}?per_page={PER_PAGE}"
        name = f"kpi_{i:02d}.json"
        body = {"values": [r for r in records if r["id"] in chunk], "next_url": None}
        (out / name).write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
        index[path_query(url)] = name
    manifest = {"kpis": kpis, "units": units, "years": years, "pages": n_pages, "values": n_values,
                "bytes": sum(p.stat().st_size for p in (out / "pages").iterdir()), "index": index,
                "note": "Konstruerad från kolada_dump/national_300 (verkliga värden, v3-kuvertet)."}
    (out / "index.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return manifest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--out", type=Path, default=ROOT / "data" / "bench" / "kolada")
    ap.add_argument("--years", default="1998-2022")
    args = ap.parse_args()
    first, last = (int(x) for x in args.years.split("-"))
    m = build(args.out, args.shared / "fixtures" / "kolada_dump", first, last)
    print(f"{len(m['kpis'])} KPI × {len(m['units'])} enheter × {len(m['years'])} år: "
          f"{m['values']} värden på {m['pages']} sidor, {m['bytes'] / 1e6:.1f} MB -> {args.out}")


if __name__ == "__main__":
    main()
