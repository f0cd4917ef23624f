"""Build the Arbetsförmedlingen replay recordings for the demo and the tests.

No real AF file or page is available here (reference/arbetsformedlingen.md), so these are
CONSTRUCTED, and every recording says so:

- the statistics page: a minimal HTML page linking the five files of one month under
  download URLs of AF's documented shape (`/download/18.<id>/<timestamp>/<name>`);
- the five workbooks: written by tools/af_workbook.write_month in the documented layout, for
  the configured kommun and its Kolada comparison group (the same kommuner as the Kolada
  recordings). The figures are made up, but in a realistic range: arbetskraft = half the
  real 2022 population (Kolada N01951), inskrivna arbetslösa = the real 2022 share of
  arbetslösa (Kolada N03920, % of 18-65) of 55 % of that population. They are not AF's
  figures.

    python tools/build_af_recordings.py [--shared ../shared] [--month 2026-10] [--out DIR]
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indicator_catalog.catalog import load_catalog  # noqa: E402
from sources.af import FILES  # noqa: E402
from sources.af_web import STATISTICS_PAGE  # noqa: E402
from sources.replay import request_key  # noqa: E402
from tools.af_workbook import write_month  # noqa: E402

OUT = ROOT / "sources" / "recordings" / "af"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOTE = (
    "KONSTRUERAD: Arbetsförmedlingens statistiksida och månadsfiler i den dokumenterade layouten "
    "(ECMA-376-pivotcache, fältnamn enligt reference/arbetsformedlingen.md); siffrorna är påhittade i "
    "rimlig storlek (arbetskraft = halva folkmängden 2022, inskrivna = Koladas N03920 2022 av 55 % av "
    "folkmängden), inte AF:s siffror."
)


def _dump(path: Path, column: str) -> dict[str, float]:
    with path.open(encoding="utf-8") as f:
        return {r["geo"]: float(r[column]) for r in csv.DictReader(f) if r["year"] == "2022" and r[column]}


def units(shared: Path, kommuner: list[str]) -> list[dict]:
    dump = shared / "fixtures" / "kolada_dump"
    pop = _dump(dump / "catalog" / "ddf--datapoints--n01951--by--geo--year.csv", "n01951")
    share = _dump(dump / "catalog" / "ddf--datapoints--n03920--by--geo--year.csv", "n03920")
    with (dump / "ddf--entities--geo--kommun.csv").open(encoding="utf-8") as f:
        geo = {r["kommun"]: r for r in csv.DictReader(f)}
    with (dump / "ddf--entities--geo--region.csv").open(encoding="utf-8") as f:
        regions = {r["region"]: r["name"] for r in csv.DictReader(f)}
    out = [{"lan": regions[geo[k]["region"]], "kommun": geo[k]["name"], "arbetskraft": round(pop[k] * 0.5, 2) + 1 / 3,
            "inskrivna": round(share[k] / 100 * pop[k] * 0.55)} for k in kommuner]
    return out + [{"lan": "Uppgift saknas", "kommun": "Uppgift saknas", "arbetskraft": 0.0, "inskrivna": 3}]


def record(out: Path, name: str, url: str, content_type: str, body: dict) -> None:
    doc = {"recording": {"recorded_at": None, "constructed": True, "note": NOTE},
           "request": {"method": "GET", "url": url, "body_sha256": None},
           "response": {"status": 200, "headers": {"Content-Type": content_type}, **body}}
    digest = hashlib.sha1(request_key("GET", url, None).encode()).hexdigest()[:10]
    (out / f"{name}_{digest}.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--month", default="2026-10")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    catalog = load_catalog()
    groups = json.loads((args.shared / "fixtures" / "kolada" / "municipality_groups_incl_1882_v3_2026-03-23.json").read_text())
    group = next(g for g in groups if g["id"] == catalog.settings.jamforelsegrupp)
    kommuner = sorted({catalog.settings.kommun, *(m["member_id"] for m in group["members"])})

    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    links = []
    with tempfile.TemporaryDirectory() as tmp:
        files = write_month(Path(tmp), args.month, units(args.shared, kommuner))
        for i, (kind, path) in enumerate(files.items()):
            url = f"https://arbetsformedlingen.se/download/18.{4711 + i:x}/1763100000{i:03d}/{path.name}"
            links.append(f'<li><a href="{url.removeprefix("https://arbetsformedlingen.se")}">{FILES[kind].description}</a></li>')
            record(args.out, path.name.removesuffix(".xlsx"), url, XLSX,
                   {"body_base64": base64.b64encode(path.read_bytes()).decode("ascii")})
            print(f"{path.name}: {path.stat().st_size} bytes -> {url}")
    page = ("<!DOCTYPE html><html lang=\"sv\"><head><title>Tidigare statistik – tidsserier</title></head><body>"
            "<h1>Tidigare statistik – tidsserier</h1><ul>" + "".join(links) + "</ul></body></html>")
    record(args.out, "page", STATISTICS_PAGE, "text/html; charset=utf-8", {"body_text": page})


if __name__ == "__main__":
    main()
