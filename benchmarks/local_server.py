"""What the benchmarks' local HTTP servers share (benchmarks/kolada_server.py, scb_server.py):
a threaded server on 127.0.0.1 that counts requests by kind, a quiet handler that answers
`GET /_stats` (the counts) and `POST /_reset` (zeroes them), and serve(), which prints the
base URL on the first line (benchmarks/bench_national.py reads it) and serves until ^C.
"""

from __future__ import annotations

import json
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

JSON = "application/json; charset=utf-8"


class CountingServer(ThreadingHTTPServer):
    daemon_threads = True  # a client's kept-alive connection must not hold up the exit
    api_path = ""  # the API's root path, e.g. "/v3"

    def __init__(self, handler: type[BaseHTTPRequestHandler], port: int = 0):
        super().__init__(("127.0.0.1", port), handler)
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()  # the handler threads count concurrently

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{self.api_path}"

    def count(self, kind: str) -> None:
        with self.lock:
            self.counts[kind] += 1

    def stats(self) -> dict:
        """The `/_stats` answer; called under the lock."""
        return dict(self.counts)

    def reset(self) -> None:
        """What `/_reset` zeroes; called under the lock."""
        self.counts.clear()


class QuietHandler(BaseHTTPRequestHandler):
    """Subclasses answer get(path) and post(path, body); path without the query."""

    protocol_version = "HTTP/1.1"  # keep-alive, as the real APIs: no new connection per request
    disable_nagle_algorithm = True  # headers and body go out at once, no delayed-ACK stalls
    server: CountingServer

    def log_message(self, *args) -> None:  # quiet: thousands of requests
        pass

    def _send(self, status: int, body: bytes, content_type: str = JSON) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_json(self, status: int, doc, content_type: str = JSON) -> None:
        self._send(status, json.dumps(doc, ensure_ascii=False).encode("utf-8"), content_type)

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/_stats":
            with self.server.lock:
                doc = self.server.stats()
            return self._send_json(200, doc)
        self.get(path)

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        # Read the body whatever the answer: on a kept-alive connection it would otherwise be
        # taken for the next request.
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if path == "/_reset":
            with self.server.lock:
                self.server.reset()
            return self._send(200, b"{}")
        self.post(path, body)

    def get(self, path: str) -> None:
        self._send(404, b"{}")

    def post(self, path: str, body: bytes) -> None:
        self._send(404, b"{}")


def serve(server: CountingServer) -> None:
    """Print the base URL (the benchmark reads it from the first line) and serve until ^C."""
    print(server.base_url, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)
