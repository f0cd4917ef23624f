"""Finding and downloading Arbetsförmedlingen's monthly files (reference/arbetsformedlingen.md
§1, §5). AF has no statistics API: the files are linked from a web page, under download URLs
whose `18.<id>/<timestamp>/` part changes, so files are found by name, never by a fixed URL.
AF updates its files on different days and replaces files under the same name, so a month is
taken only when every needed file shows it, and every download keeps its sha256.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urljoin

import requests

from sources import clock
from sources.af import FILES
from sources.errors import SourceError

STATISTICS_PAGE = "https://arbetsformedlingen.se/statistik/sok-statistik/tidigare-statistik-tidsserier"
SOURCE = "arbetsformedlingen"


def fetch_page(session, url: str = STATISTICS_PAGE) -> str:
    """The statistics page's HTML, through the project's session (timeouts, retries, replay)."""
    resp = session.get(url, headers={"Accept": "text/html"})
    if resp.status_code >= 400:
        raise SourceError(SOURCE, url, f"HTTP {resp.status_code} {resp.reason}", status=resp.status_code)
    if "html" not in resp.headers.get("Content-Type", "html").lower():
        raise SourceError(SOURCE, url, f"väntade en HTML-sida, fick {resp.headers.get('Content-Type')}")
    return resp.text


def find_files(html: str, page_url: str, prefixes=None) -> dict[str, dict[str, str]]:
    """{prefix: {YYYY-MM: absolute URL}} from the page's links."""
    prefixes = tuple(prefixes or (f.prefix for f in FILES.values()))
    out: dict[str, dict[str, str]] = {p: {} for p in prefixes}
    for href in re.findall(r'href\s*=\s*["\']([^"\']+)["\']', html, flags=re.I):
        name = href.rsplit("/", 1)[-1].split("?", 1)[0]
        for p in prefixes:
            m = re.fullmatch(re.escape(p) + r"-(20\d\d-(?:0[1-9]|1[0-2]))\.xlsx", name)
            if m:
                out[p][m.group(1)] = urljoin(page_url, href)
    return out


def newest_common_month(found: dict[str, dict[str, str]]) -> str | None:
    """The newest month that every needed file shows; None while one of them lags behind
    (AF does not update all files at once)."""
    months = [set(by_month) for by_month in found.values()]
    if not months or any(not m for m in months):
        return None
    common = set.intersection(*months)
    newest_each = {max(m) for m in months}
    newest = max(common) if common else None
    return newest if newest and newest_each == {newest} else None


def download(session, url: str, target: Path) -> tuple[str, int]:
    """Fetch `url` to `target` through the project's session; return (sha256, bytes).
    Written to a temporary name first, so a broken download never replaces a good file."""
    h, size = hashlib.sha256(), 0
    tmp = target.with_suffix(target.suffix + ".part")
    target.parent.mkdir(parents=True, exist_ok=True)
    # The response is closed whatever happens (a streamed body keeps its connection open).
    with session.get(url, stream=True, headers={"Accept": "*/*"}) as resp:
        if resp.status_code >= 400:
            raise SourceError(SOURCE, url, f"HTTP {resp.status_code} {resp.reason}", status=resp.status_code)
        try:
            with tmp.open("wb") as f:
                for chunk in resp.iter_content(1 << 20):
                    h.update(chunk)
                    size += len(chunk)
                    f.write(chunk)
            with tmp.open("rb") as f:
                if f.read(2) != b"PK":
                    raise SourceError(SOURCE, url, "svaret är ingen xlsx-fil (zip)")
        except requests.RequestException as exc:  # the connection broke mid-file
            tmp.unlink(missing_ok=True)
            raise SourceError(SOURCE, url, f"nedladdningen avbröts: {type(exc).__name__}") from exc
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    tmp.replace(target)
    return h.hexdigest(), size


class NotPublished(SourceError):
    """The page does not link every needed file for the month (yet, or any more)."""


@dataclass(frozen=True)
class Download:
    kind: str
    file_name: str
    url: str
    sha256: str
    bytes: int
    path: Path
    fetched_at: datetime


def fetch_month(session, month: str, directory: Path, page_url: str = STATISTICS_PAGE,
                log=lambda msg: None) -> list[Download]:
    """Download every file of FILES for `month` into `directory/<month>/<sha256[:16]>/<name>`.

    Kept under its hash, a file replaced by AF under the same name becomes a second file
    beside the first, never an overwrite. Raises NotPublished, naming what the page has,
    when a file of the month is not linked.
    """
    found = find_files(fetch_page(session, page_url), page_url)
    missing = [f.prefix for f in FILES.values() if month not in found[f.prefix]]
    if missing:
        newest = newest_common_month(found)
        raise NotPublished(SOURCE, page_url,
                           f"sidan länkar inte {', '.join(p + '-' + month + '.xlsx' for p in missing)} "
                           f"(senaste månad som alla filer har: {newest or 'ingen'})")
    out = []
    for f in FILES.values():
        url, name = found[f.prefix][month], f"{f.prefix}-{month}.xlsx"
        part = directory / month / "hamtas" / name
        sha, size = download(session, url, part)
        target = directory / month / sha[:16] / name
        target.parent.mkdir(parents=True, exist_ok=True)
        part.replace(target)
        log(f"{name}: {size / 1e6:.1f} MB, sha256 {sha[:12]}…")
        out.append(Download(f.kind, name, url, sha, size, target, clock.now()))
    return out
