"""A local Kolada v3 replay server for the benchmarks (not run in CI).

Serves the answers built by benchmarks/kolada_pages.py by request path and query (query
parameters in any order), the comparison group from ../shared/fixtures/kolada, and counts
every request by kind (data, kpi, group, unknown) so the benchmark can compare a run's
requests with the minimum. Unknown URLs answer 404 with Kolada's empty envelope.

    python benchmarks/kolada_server.py [--dir data/bench/kolada] [--port 0]

prints `http://127.0.0.1:<port>/v3` when ready; `GET /_stats` returns the counts and
`POST /_reset` zeroes them.
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

from sources.replay import canonical_url  # noqa: E402


def canonical(path_query: str) -> str:
    """The replay adapter's request matching (query parameters sorted), for a path and query."""
    return canonical_url("http://local" + path_query).removeprefix("http://local")


class KoladaReplay(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, directory: Path, groups: Path | None, port: int = 0):
        super().__init__(("127.0.0.1", port), Handler)
        self.directory = directory
        manifest = json.loads((directory / "index.json").read_text(encoding="utf-8"))
        self.index = {canonical(k): directory / v for k, v in manifest["index"].items()}
        self.groups = {}
        if groups and groups.exists():
            self.groups = {g["id"]: g for g in json.loads(groups.read_text(encoding="utf-8"))}
        self.port_bytes = str(self.server_address[1]).encode()
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v3"

    def count(self, kind: str) -> None:
        with self.lock:
            self.counts[kind] += 1


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once, no delayed-ACK stalls
    server: KoladaReplay

    def log_message(self, *args) -> None:  # quiet: thousands of requests
        pass

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        if self.path == "/_reset":
            with self.server.lock:
                self.server.counts.clear()
            return self._send(200, b"{}")
        self._send(404, b"{}")

    def do_GET(self) -> None:
        srv = self.server
        if self.path == "/_stats":
            with srv.lock:
                return self._send(200, json.dumps(dict(srv.counts)).encode())
        path = urlsplit(self.path).path
        if path.startswith("/v3/municipality_groups/"):
            srv.count("group")
            group = srv.groups.get(path.rsplit("/", 1)[1])
            return self._send(200, json.dumps({"values": [group] if group else [], "next_url": None}).encode())
        file = srv.index.get(canonical(self.path))
        kind = "data" if path.startswith("/v3/data/") else "kpi" if path.startswith("/v3/kpi/") else "other"
        srv.count(kind if file else f"{kind}_unknown")
        if file is None:
            return self._send(404, b'{"values": [], "next_url": null}')
        self._send(200, file.read_bytes().replace(b"{port}", srv.port_bytes))


def start(directory: Path, groups: Path | None = None, port: int = 0) -> KoladaReplay:
    """Start the server on a background thread; stop it with .shutdown()."""
    server = KoladaReplay(directory, groups, port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", type=Path, default=ROOT / "data" / "bench" / "kolada")
    ap.add_argument("--groups", type=Path,
                    default=ROOT.parent / "shared" / "fixtures" / "kolada" / "municipality_groups_incl_1882_v3_2026-03-23.json")
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    serve(KoladaReplay(args.dir, args.groups, args.port))


def serve(server) -> None:
    """Print the base URL (the benchmark reads it from the first line) and serve until ^C."""
    print(server.base_url, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
