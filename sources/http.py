"""The one place where HTTP sessions are made.

Every client in `sources/` gets its session from `build_session`, so all of them share the
same policies: a timeout on every request, retries with exponential backoff on 429/5xx,
connection errors and timeouts, `Retry-After` honoured (capped), and JSON bodies checked
before anyone parses them.

The session is also where live and replay mode differ, and nowhere else: in replay mode
(the default) a `ReplayAdapter` answers from recordings kept in the repo, so the demo and
the tests run the same client code as production, with no network. `record` mode talks to
the real API and saves every response as a recording.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from sources.errors import SourceError
from sources.replay import RecordingAdapter, ReplayAdapter

log = logging.getLogger(__name__)

HTTP_MODE_ENV = "MALSTYRNING_HTTP_MODE"
RECORDINGS_ENV = "MALSTYRNING_RECORDINGS_DIR"
MODES = ("replay", "live", "record")
DEFAULT_RECORDINGS_DIR = Path(__file__).parent / "recordings"
USER_AGENT = "malstyrning-indikatorlager/0.1 (+https://github.com/)"


@dataclass(frozen=True)
class HttpPolicy:
    """Timeouts and retry policy shared by every source.

    `connect_timeout`/`read_timeout` are always set: requests has no default timeout and a
    hanging server would otherwise hang the nightly run forever.
    """

    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    retries: int = 5
    backoff_factor: float = 1.0
    # A server asking us to wait longer than this is treated as down rather than waited for.
    max_retry_after: float = 120.0


class _CappedRetry(Retry):
    """urllib3 Retry that never sleeps longer than `max_retry_after` on a Retry-After."""

    max_retry_after: float = 120.0

    def get_retry_after(self, response):  # noqa: D401 - urllib3 API
        value = super().get_retry_after(response)
        if value is None:
            return None
        return min(value, self.max_retry_after)

    def new(self, **kw):
        new = super().new(**kw)
        new.max_retry_after = self.max_retry_after
        return new


class _TimeoutSession(requests.Session):
    """A Session that applies the policy's timeout when a caller gives none."""

    def __init__(self, timeout: tuple[float, float]):
        super().__init__()
        self._default_timeout = timeout

    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", self._default_timeout)
        return super().request(method, url, **kwargs)


def http_mode(mode: str | None = None) -> str:
    mode = (mode or os.environ.get(HTTP_MODE_ENV) or "replay").strip().lower()
    if mode not in MODES:
        raise ValueError(
            f"{HTTP_MODE_ENV}={mode!r} är inte giltigt; använd något av {', '.join(MODES)}"
        )
    return mode


def recordings_dir(path: str | os.PathLike | None = None) -> Path:
    return Path(path or os.environ.get(RECORDINGS_ENV) or DEFAULT_RECORDINGS_DIR)


def build_session(
    *,
    mode: str | None = None,
    recordings: str | os.PathLike | None = None,
    policy: HttpPolicy = HttpPolicy(),
) -> requests.Session:
    """Return a session configured for `mode` (replay | live | record)."""
    mode = http_mode(mode)
    session = _TimeoutSession((policy.connect_timeout, policy.read_timeout))
    session.headers["User-Agent"] = USER_AGENT
    session.headers["Accept"] = "application/json"
    if mode == "replay":
        adapter = ReplayAdapter(recordings_dir(recordings))
    else:
        retry = _CappedRetry(
            total=policy.retries,
            connect=policy.retries,
            read=policy.retries,
            status=policy.retries,
            backoff_factor=policy.backoff_factor,
            status_forcelist=(429, 500, 502, 503, 504),
            # SCB's data queries are read-only POSTs; urllib3 does not retry POST by default.
            allowed_methods=frozenset({"GET", "HEAD", "OPTIONS", "POST"}),
            respect_retry_after_header=True,
            # Return the last response instead of raising MaxRetryError, so the caller can
            # name the status and URL in its error.
            raise_on_status=False,
        )
        retry.max_retry_after = policy.max_retry_after
        http = HTTPAdapter(max_retries=retry)
        adapter = RecordingAdapter(http, recordings_dir(recordings)) if mode == "record" else http
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


@dataclass(frozen=True)
class Page:
    """One HTTP response as received: what the raw landing tables store."""

    url: str
    fetched_at: datetime
    status_code: int
    body: bytes
    payload: Any
    request_body: bytes | None = None  # the POST body (SCB selections), kept for provenance

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


def get_json(session: requests.Session, url: str, *, source: str, **kwargs: Any) -> tuple[requests.Response, Any]:
    """GET `url` and return (response, parsed JSON), or raise a SourceError naming the cause."""
    return request_json(session, "GET", url, source=source, **kwargs)


def request_json(
    session: requests.Session, method: str, url: str, *, source: str, **kwargs: Any
) -> tuple[requests.Response, Any]:
    """Send a request and return (response, parsed JSON), or raise a SourceError naming the cause.

    Rejects non-2xx answers (after the session's retries), HTML error pages served with
    status 200 (Kolada does this during outages), and truncated or invalid JSON.
    """
    resp = request_body(session, method, url, source=source, **kwargs)
    try:
        return resp, json.loads(resp.content)
    except ValueError as exc:
        raise SourceError(source, url, f"ogiltig eller avkortad JSON ({exc}); {len(resp.content)} byte mottagna") from exc


def request_body(session: requests.Session, method: str, url: str, *, source: str, **kwargs: Any) -> requests.Response:
    """Send a request and return the response of a JSON answer, unparsed (for callers that
    decode it themselves, e.g. Kolada's data pages), or raise a SourceError naming the cause."""
    try:
        resp = session.request(method, url, **kwargs)
    except requests.Timeout as exc:
        raise SourceError(source, url, f"inget svar inom tidsgränsen ({exc.__class__.__name__})") from exc
    except requests.ConnectionError as exc:
        if _timed_out(exc):
            raise SourceError(source, url, "inget svar inom tidsgränsen, inte heller efter omförsök") from exc
        raise SourceError(source, url, f"anslutningen misslyckades: {exc}") from exc
    except requests.RequestException as exc:
        raise SourceError(source, url, f"HTTP-fel: {exc}") from exc
    if resp.status_code >= 400:
        raise SourceError(
            source, url, f"HTTP {resp.status_code} {resp.reason} efter omförsök: {_snippet(resp.content)}",
            status=resp.status_code, body=resp.content,
        )
    ctype = resp.headers.get("Content-Type", "")
    body = resp.content
    if "html" in ctype.lower() or body.lstrip()[:1] == b"<":
        raise SourceError(source, url, f"svaret är HTML, inte JSON (status {resp.status_code}): {_snippet(body)}")
    return resp


def _timed_out(exc: requests.ConnectionError) -> bool:
    """requests reports read timeouts that exhausted the retries as a ConnectionError
    wrapping urllib3's MaxRetryError; its `reason` says what really happened."""
    reason = getattr(exc.args[0] if exc.args else None, "reason", None)
    return isinstance(reason, (urllib3.exceptions.TimeoutError, TimeoutError))


def _snippet(body: bytes, n: int = 160) -> str:
    text = body[:n].decode("utf-8", errors="replace").replace("\n", " ").strip()
    return repr(text + ("…" if len(body) > n else ""))
