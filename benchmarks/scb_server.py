"""A local SCB PxWebApi 2.0 server for the national benchmark (not run in CI).

Answers what the pipeline asks of TAB638 (folkmängd) for any selection of units and years,
as SCB would, and counts the requests by kind and the cells of each data call:
- GET /api/v2/config: the real /config of ../shared/fixtures/scb (maxDataCells 150,000);
- GET /api/v2/tables/TAB638: the constructed entry of the bundled recordings, its period
  range cut to the values at hand (firstPeriod 1998, lastPeriod 2022);
- GET /api/v2/tables/TAB638/metadata: the bundled recording (every Region code of the real
  TAB6471 metadata: Riket, 21 län, 290 kommuner);
- POST /api/v2/tables/TAB638/data: json-stat2 for the selection (the layout of the real
  TAB638 response, tools/build_scb_recordings.data_body), values from the real folkmängd in
  ../shared/fixtures/kolada_dump (SCB's BE0101N1 via Kolada N01951). A selection over
  maxDataCells, or with a code the table lacks, is answered 400 with SCB's problem+json.
Constructed, as the recordings: real values and layout, not a live SCB answer.

    python benchmarks/scb_server.py [--shared ../shared] [--port 0]

prints `http://127.0.0.1:<port>/api/v2` when ready; `GET /_stats` returns the counts and
the cells per data call, `POST /_reset` zeroes them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.local_server import CountingServer, QuietHandler, serve  # noqa: E402
from sources.scb import scb_region  # noqa: E402
from tools.build_scb_recordings import data_body, folkmangd  # noqa: E402

TABLE = "TAB638"
RECORDINGS = ROOT / "sources" / "recordings" / "scb"
FIRST, LAST = 1998, 2022
PROBLEM = "application/problem+json; charset=utf-8"
NOT_FOUND = {"title": "Non-existent table", "status": 404}


def _recorded(name: str) -> dict:
    return json.loads((RECORDINGS / name).read_text(encoding="utf-8"))["response"]["body"]


class ScbLocal(CountingServer):
    api_path = "/api/v2"

    def __init__(self, shared: Path, port: int = 0):
        super().__init__(Handler, port)
        self.config = json.loads((shared / "fixtures" / "scb" / "config.json").read_text(encoding="utf-8"))
        self.template = json.loads((shared / "fixtures" / "scb" / "TAB638_data_wrapped.json")
                                   .read_text(encoding="utf-8"))["response"]
        self.table = _recorded(f"table_{TABLE}.json") | {"firstPeriod": str(FIRST), "lastPeriod": str(LAST)}
        self.metadata = _recorded(f"metadata_{TABLE}.json")
        region = self.metadata["dimension"]["Region"]["category"]
        self.regions, self.names = set(region["index"]), region["label"]
        # The dump's units are keyed by Kolada id (0000, 0018); SCB's codes are 00, 18.
        self.values = {(scb_region(unit), year): v for (unit, year), v in folkmangd(shared).items()}
        self.cells: list[int] = []  # regions × years of each data call

    def count(self, kind: str, cells: int | None = None) -> None:
        with self.lock:
            self.counts[kind] += 1
            if cells is not None:
                self.cells.append(cells)

    def stats(self) -> dict:
        return {"counts": dict(self.counts), "cells": list(self.cells)}

    def reset(self) -> None:
        super().reset()
        self.cells.clear()


class Handler(QuietHandler):
    server: ScbLocal

    def _problem(self, title: str, detail: str) -> None:
        self._send_json(400, {"type": "https://tools.ietf.org/html/rfc7231#section-6.5.1", "title": title,
                              "status": 400, "detail": detail}, PROBLEM)

    def get(self, path: str) -> None:
        srv = self.server
        if path == "/api/v2/config":
            srv.count("config")
            return self._send_json(200, srv.config)
        if path == f"/api/v2/tables/{TABLE}":
            srv.count("table")
            return self._send_json(200, srv.table)
        if path == f"/api/v2/tables/{TABLE}/metadata":
            srv.count("metadata")
            return self._send_json(200, srv.metadata)
        srv.count("unknown")
        self._send_json(404, NOT_FOUND)

    def post(self, path: str, body: bytes) -> None:
        srv = self.server
        if path != f"/api/v2/tables/{TABLE}/data":
            srv.count("unknown")
            return self._send_json(404, NOT_FOUND)
        sel = {s["variableCode"]: s["valueCodes"] for s in json.loads(body)["selection"]}
        regions, years = sel.get("Region", []), sel.get("Tid", [])
        cells = len(regions) * len(years)
        srv.count("data", cells)
        if cells > srv.config.get("maxDataCells", 150_000):
            return self._problem("Too many cells selected", f"{cells} cells")
        wrong = [r for r in regions if r not in srv.regions] + [y for y in years if not (FIRST <= int(y) <= LAST)]
        if wrong:
            return self._problem("Non-existent value", ", ".join(wrong[:10]))
        years_int = [int(y) for y in years]
        self._send_json(200, data_body(srv.template, regions, srv.names, years_int,
                                       {k: srv.values.get(k) for k in ((r, y) for r in regions for y in years_int)}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    serve(ScbLocal(args.shared, args.port))


if __name__ == "__main__":
    main()
