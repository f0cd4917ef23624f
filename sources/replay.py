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

A backfill asks for several years at once, and any range can be asked for. A request for
several years that has no recording of its own is answered from the recordings of each year,
as the source would answer it (`compose`): Kolada's `/year/2019,2020` from the answers for
2019 and 2020 (their values together, paged by `per_page`), and an SCB data POST whose
selection lists several codes of one variable from the answers for each code (the json-stat2
cubes joined along that variable). A year without a recording still fails, naming the year.
"""

from __future__ import annotations

import base64
import copy
import io
import re
import hashlib
import json
import threading
from datetime import datetime, timezone
from functools import lru_cache
from itertools import product
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
        body = _body_bytes(request.body)
        index = load_index(str(self.directory))
        path = index.get(request_key(request.method, request.url, body))
        if path is not None:
            doc = _load(path)
        else:
            doc, missing = compose(request.method, request.url, body, index)
            if doc is None:
                raise RecordingMissing(
                    "replay",
                    request.url,
                    f"ingen inspelning för {request.method} i {self.directory}"
                    + (f" (inte heller för {missing} var för sig)" if missing else "")
                    + ". Kör i live-läge (MALSTYRNING_HTTP_MODE=live) eller spela in (MALSTYRNING_HTTP_MODE=record)",
                )
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


_KOLADA_YEARS = re.compile(r"^(?P<head>.*/data/kpi/[^/]+(?:/municipality/[^/]+)?/year/)(?P<years>[^/]+)$")


def compose(method: str, url: str, body: bytes | None, index: dict[str, Path]) -> tuple[dict | None, str]:
    """A several-year answer built from the recordings of each year (module docstring), or
    (None, what is missing) when a part has no recording or the request is of another kind."""
    if method.upper() == "GET":
        return _compose_kolada(url, index)
    if method.upper() == "POST" and body:
        return _compose_scb(url, body, index)
    return None, ""


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _with_body(doc: dict, body) -> dict:
    """A recording like `doc` (its notes and headers) answering with `body`."""
    return {**doc, "response": {**doc["response"], "body": body}}


def _compose_kolada(url: str, index: dict[str, Path]) -> tuple[dict | None, str]:
    parts = urlsplit(url)
    m = _KOLADA_YEARS.match(parts.path)
    if not m or "," not in m["years"]:
        return None, ""
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    page = int(query.pop("page", "1"))
    per_page = int(query.get("per_page", "5000"))
    years = m["years"].split(",")
    docs, missing = [], []
    for year in years:
        one = urlunsplit((parts.scheme, parts.netloc, m["head"] + year, urlencode(query), ""))
        path = index.get(request_key("GET", one, None))
        if path is None:
            missing.append(year)
            continue
        docs.append(_load(path))
    if missing:
        return None, f"år {', '.join(missing)}"
    if any(d["response"]["body"].get("next_url") for d in docs):
        return None, "år som spelats in på flera sidor"
    values = [v for d in docs for v in d["response"]["body"]["values"]]
    more = page * per_page < len(values)
    next_url = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode({**query, "page": page + 1}), "")) \
        if more else None
    return _with_body(docs[0], {"values": values[(page - 1) * per_page: page * per_page], "next_url": next_url}), ""


def _compose_scb(url: str, body: bytes, index: dict[str, Path]) -> tuple[dict | None, str]:
    try:
        query = json.loads(body)
        selection = query["selection"]
    except (ValueError, KeyError, TypeError):
        return None, ""
    for pos, variable in enumerate(selection):
        codes = variable.get("valueCodes") or []
        if len(codes) < 2:
            continue
        docs, missing = [], []
        for code in codes:
            single = copy.deepcopy(query)
            single["selection"][pos]["valueCodes"] = [code]
            # The bytes the client sends (sources.scb.query_body): compact, UTF-8.
            raw = json.dumps(single, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            path = index.get(request_key("POST", url, raw))
            if path is None:
                missing.append(code)
            else:
                docs.append(_load(path))
        if missing and len(missing) < len(codes):
            return None, f"{variable.get('variableCode')} {', '.join(missing)}"
        if not missing:
            return _with_body(docs[0], _join_cubes([d["response"]["body"] for d in docs], variable["variableCode"],
                                                   codes)), ""
    return None, ""


def _join_cubes(cubes: list[dict], dim: str, codes: list[str]) -> dict:
    """json-stat2 datasets that differ only in one category of `dim`, joined along `dim`."""
    out = copy.deepcopy(cubes[0])
    pos = out["id"].index(dim)
    sizes = list(out["size"])
    sizes[pos] = len(cubes)
    category = out["dimension"][dim]["category"]
    labels = {k: v for c in cubes for k, v in ((c["dimension"][dim]["category"].get("label")) or {}).items()}
    category["index"] = {code: i for i, code in enumerate(codes)}
    if labels:
        category["label"] = {code: labels.get(code, code) for code in codes}
    values, status = [], {}
    for i, idx in enumerate(product(*(range(n) for n in sizes))):
        cube = cubes[idx[pos]]
        flat = 0
        for d, n in enumerate(sizes):  # row-major, `dim` of size 1 in each part
            flat = flat * (1 if d == pos else n) + (0 if d == pos else idx[d])
        part = cube["value"]
        values.append(part.get(str(flat)) if isinstance(part, dict) else part[flat])
        part_status = cube.get("status")
        if isinstance(part_status, dict) and part_status.get(str(flat)):
            status[str(i)] = part_status[str(flat)]
        elif isinstance(part_status, list) and part_status[flat]:
            status[str(i)] = part_status[flat]
        elif isinstance(part_status, str):
            status[str(i)] = part_status
    out["size"] = sizes
    out["value"] = values
    out.pop("status", None)
    if status:
        out["status"] = status
    return out


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
