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
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.kolada_server import serve  # noqa: E402
from tools.build_scb_recordings import data_body, folkmangd  # noqa: E402

TABLE = "TAB638"
RECORDINGS = ROOT / "sources" / "recordings" / "scb"
FIRST, LAST = 1998, 2022


def _recorded(name: str) -> dict:
    return json.loads((RECORDINGS / name).read_text(encoding="utf-8"))["response"]["body"]


class ScbLocal(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, shared: Path, port: int = 0):
        super().__init__(("127.0.0.1", port), Handler)
        self.config = json.loads((shared / "fixtures" / "scb" / "config.json").read_text(encoding="utf-8"))
        self.template = json.loads((shared / "fixtures" / "scb" / "TAB638_data_wrapped.json")
                                   .read_text(encoding="utf-8"))["response"]
        self.table = _recorded(f"table_{TABLE}.json") | {"firstPeriod": str(FIRST), "lastPeriod": str(LAST)}
        self.metadata = _recorded(f"metadata_{TABLE}.json")
        region = self.metadata["dimension"]["Region"]["category"]
        self.regions, self.names = set(region["index"]), region["label"]
        # Kolada ids (0000, 0018) -> SCB codes (00, 18), as the dump's units are keyed.
        self.values = {(unit[2:] if unit.startswith("00") else unit, year): v
                       for (unit, year), v in folkmangd(shared).items()}
        self.counts: Counter[str] = Counter()
        self.cells: list[int] = []
        self.lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api/v2"

    def count(self, kind: str, cells: int | None = None) -> None:
        with self.lock:
            self.counts[kind] += 1
            if cells is not None:
                self.cells.append(cells)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: ScbLocal

    def log_message(self, *args) -> None:
        pass

    def _send(self, status: int, doc, content_type: str = "application/json; charset=utf-8") -> None:
        body = json.dumps(doc, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _problem(self, title: str, detail: str) -> None:
        self._send(400, {"type": "https://tools.ietf.org/html/rfc7231#section-6.5.1", "title": title,
                         "status": 400, "detail": detail}, "application/problem+json; charset=utf-8")

    def do_GET(self) -> None:
        srv, path = self.server, urlsplit(self.path).path
        if path == "/_stats":
            with srv.lock:
                return self._send(200, {"counts": dict(srv.counts), "cells": list(srv.cells)})
        if path == "/api/v2/config":
            srv.count("config")
            return self._send(200, srv.config)
        if path == f"/api/v2/tables/{TABLE}":
            srv.count("table")
            return self._send(200, srv.table)
        if path == f"/api/v2/tables/{TABLE}/metadata":
            srv.count("metadata")
            return self._send(200, srv.metadata)
        srv.count("unknown")
        self._send(404, {"title": "Non-existent table", "status": 404})

    def do_POST(self) -> None:
        srv, path = self.server, urlsplit(self.path).path
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if path == "/_reset":
            with srv.lock:
                srv.counts.clear()
                srv.cells.clear()
            return self._send(200, {})
        if path != f"/api/v2/tables/{TABLE}/data":
            srv.count("unknown")
            return self._send(404, {"title": "Non-existent table", "status": 404})
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
        self._send(200, data_body(srv.template, regions, srv.names, years_int,
                                  {k: srv.values.get(k) for k in ((r, y) for r in regions for y in years_int)}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    serve(ScbLocal(args.shared, args.port))


if __name__ == "__main__":
    main()
