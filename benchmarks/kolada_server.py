"""A local Kolada v3 replay server for the benchmarks (not run in CI).

Serves the answers built by benchmarks/kolada_pages.py by request path and query (query
parameters in any order), the comparison group from ../shared/fixtures/kolada, and counts
every request by kind so the benchmark can compare a run's requests with the minimum:
`group`, and `data`, `kpi` or `other` for a recorded URL, `<kind>_unknown` (e.g.
`data_unknown`) for one with no recorded answer, which is answered 404 with Kolada's
empty envelope.

    python benchmarks/kolada_server.py [--dir data/bench/kolada] [--port 0]

prints `http://127.0.0.1:<port>/v3` when ready; `GET /_stats` returns the counts and
`POST /_reset` zeroes them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.local_server import CountingServer, QuietHandler, serve  # noqa: E402
from sources.replay import canonical_url  # noqa: E402


def canonical(path_query: str) -> str:
    """The replay adapter's request matching (query parameters sorted), for a path and query."""
    return canonical_url("http://local" + path_query).removeprefix("http://local")


class KoladaReplay(CountingServer):
    api_path = "/v3"

    def __init__(self, directory: Path, groups: Path | None, port: int = 0):
        super().__init__(Handler, port)
        manifest = json.loads((directory / "index.json").read_text(encoding="utf-8"))
        self.index = {canonical(k): directory / v for k, v in manifest["index"].items()}
        self.groups = {}
        if groups and groups.exists():
            self.groups = {g["id"]: g for g in json.loads(groups.read_text(encoding="utf-8"))}
        self.port_bytes = str(self.server_address[1]).encode()


class Handler(QuietHandler):
    server: KoladaReplay

    def get(self, path: str) -> None:
        srv = self.server
        if path.startswith("/v3/municipality_groups/"):
            srv.count("group")
            group = srv.groups.get(path.rsplit("/", 1)[1])
            return self._send(200, json.dumps({"values": [group] if group else [], "next_url": None}).encode())
        file = srv.index.get(canonical(self.path))
        kind = "data" if path.startswith("/v3/data/") else "kpi" if path.startswith("/v3/kpi/") else "other"
        srv.count(kind if file else f"{kind}_unknown")
        if file is None:
            return self._send(404, b'{"values": [], "next_url": null}')
        # The pages' next_url name the server as 127.0.0.1:{port} (built before the port is known).
        self._send(200, file.read_bytes().replace(b"{port}", srv.port_bytes))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", type=Path, default=ROOT / "data" / "bench" / "kolada")
    ap.add_argument("--groups", type=Path,
                    default=ROOT.parent / "shared" / "fixtures" / "kolada" / "municipality_groups_incl_1882_v3_2026-03-23.json")
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    serve(KoladaReplay(args.dir, args.groups, args.port))


if __name__ == "__main__":
    main()
