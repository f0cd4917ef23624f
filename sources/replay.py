"""Recorded HTTP responses: replay them (the default mode) or record new ones.

A recording is one JSON file:

    {"recording": {"recorded_at": ..., "constructed": false, "note": ...},
     "request":   {"method": "GET", "url": "https://api.kolada.se/v3/...", "body_sha256": null},
     "response":  {"status": 200, "headers": {"Content-Type": "application/json"},
                   "body": <the JSON body> | "body_text": "<text body>"
                              | "body_base64": "<binary body, e.g. an xlsx>"}}

`recording.constructed` and `recording.note` say where the body came from (a live response,
or values rebuilt from a dump); the demo prints those notes so nobody takes a replayed figure
for a live one. Requests are matched on method, URL with its query parameters sorted, and
for POST the sha256 of the body.
"""

from __future__ import annotations

import base64
import io
import hashlib
import json
import threading
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from sources.errors import RecordingMissing


def canonical_url(url: str) -> str:
    parts = urlsplit(url)
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def request_key(method: str, url: str, body: bytes | None) -> str:
    body_hash = hashlib.sha256(body).hexdigest() if body else ""
    return f"{method.upper()} {canonical_url(url)} {body_hash}"


def _body_bytes(body) -> bytes | None:
    if body is None:
        return None
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


@lru_cache(maxsize=16)
def load_index(directory: str) -> dict[str, Path]:
    """Map request key -> recording file for every recording under `directory`."""
    index: dict[str, Path] = {}
    for path in sorted(Path(directory).rglob("*.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            req = doc["request"]
        except (ValueError, KeyError, TypeError):
            continue  # manifests and other JSON files in the tree are not recordings
        key = f"{req['method'].upper()} {canonical_url(req['url'])} {req.get('body_sha256') or ''}"
        index[key] = path
    return index


def recording_notes(directory: str | Path) -> list[str]:
    """The distinct notes of all recordings, for the demo's provenance line."""
    notes = []
    for path in load_index(str(directory)).values():
        note = json.loads(path.read_text(encoding="utf-8")).get("recording", {}).get("note")
        if note and note not in notes:
            notes.append(note)
    return notes


class ReplayAdapter(BaseAdapter):
    """Answers requests from recordings; a request without one is a clear error."""

    def __init__(self, directory: Path):
        super().__init__()
        self.directory = Path(directory)

    def send(self, request, **kwargs):
        key = request_key(request.method, request.url, _body_bytes(request.body))
        path = load_index(str(self.directory)).get(key)
        if path is None:
            raise RecordingMissing(
                "replay",
                request.url,
                f"ingen inspelning för {request.method} i {self.directory}. Kör i live-läge "
                "(MALSTYRNING_HTTP_MODE=live) eller spela in (MALSTYRNING_HTTP_MODE=record)",
            )
        doc = json.loads(path.read_text(encoding="utf-8"))
        rec = doc["response"]
        if "body" in rec:
            content = json.dumps(rec["body"], ensure_ascii=False).encode("utf-8")
        elif "body_base64" in rec:
            content = base64.b64decode(rec["body_base64"])
        else:
            content = rec.get("body_text", "").encode("utf-8")
        resp = requests.Response()
        resp.status_code = rec["status"]
        resp.reason = rec.get("reason", "")
        resp.headers = CaseInsensitiveDict(rec.get("headers") or {"Content-Type": "application/json"})
        resp._content = content
        # Streamed reads (AF's downloads use iter_content) then replay the same bytes.
        resp._content_consumed = True
        resp.raw = io.BytesIO(content)
        resp.url = request.url
        resp.request = request
        resp.encoding = "utf-8"
        return resp

    def close(self):
        pass


class RecordingAdapter(BaseAdapter):
    """Passes requests to a real adapter and saves each final response as a recording."""

    _lock = threading.Lock()

    def __init__(self, inner: BaseAdapter, directory: Path):
        super().__init__()
        self.inner = inner
        self.directory = Path(directory)

    def send(self, request, **kwargs):
        resp = self.inner.send(request, **kwargs)
        body = _body_bytes(request.body)
        response: dict = {
            "status": resp.status_code,
            "reason": resp.reason,
            "headers": {"Content-Type": resp.headers.get("Content-Type", "")},
        }
        try:
            response["body"] = json.loads(resp.content)
        except ValueError:
            try:
                response["body_text"] = resp.content.decode("utf-8")
            except UnicodeDecodeError:  # binary (AF's xlsx files): kept byte for byte
                response["body_base64"] = base64.b64encode(resp.content).decode("ascii")
        doc = {
            "recording": {
                "recorded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "constructed": False,
                "note": "Inspelat från live-API.",
            },
            "request": {
                "method": request.method,
                "url": request.url,
                "body_sha256": hashlib.sha256(body).hexdigest() if body else None,
            },
            "response": response,
        }
        key = request_key(request.method, request.url, body)
        name = hashlib.sha1(key.encode()).hexdigest()[:16] + ".json"
        host = urlsplit(request.url).netloc.replace(":", "_")
        target = self.directory / "recorded" / host / name
        with self._lock:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(".tmp")
            tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
            tmp.replace(target)
        load_index.cache_clear()
        return resp

    def close(self):
        self.inner.close()
