"""SCB Statistikdatabasen, PxWebApi 2.0 (https://statistikdatabasen.scb.se/api/v2).

What pxwebpy (0.6.0) does and does not do here, and why (reference/scb.md §9, read from
its source):
- Query planning is pxwebpy's: cells are counted and oversized selections split on the
  largest dimension with its `count_data_cells`/`split_value_codes`, and the POST body is
  its `build_query`. These live in `pxweb._internal.functions`; the version is pinned and
  tests/test_sources_scb.py covers the behaviour we rely on.
- HTTP is not pxwebpy's `PxApi`: it builds its own cached session in the constructor and
  calls /config and /tables there (so replay mode and the project's one session factory
  cannot reach it), sends without a timeout, retries only 429 and only within one
  process, and returns rows without the status symbols and notes. So requests go through
  sources.http (timeouts, retries with Retry-After on 429/5xx incl. POST, replay) plus a
  host-wide limiter for SCB's per-IP budget, and json-stat2 is parsed by sources.jsonstat.

Selections always use codes (never labels) and a fixed language, so stored data does not
change with `lang`.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Callable

import requests
from pxweb._internal.functions import build_query, count_data_cells, split_value_codes

from sources import clock
from sources.errors import SourceError
from sources.http import Page, request_json
from sources.jsonstat import Dataset, parse, period_bounds

log = logging.getLogger(__name__)

SOURCE = "scb"
BASE_URL = "https://statistikdatabasen.scb.se/api/v2"
LANGUAGE = "sv"
# SCB's published limits (reference/scb.md §5). maxDataCells is read from /config. The call
# budget keeps a margin below SCB's 30 per 10 s: urllib3's own retries (429/5xx) happen
# below the limiter and are not counted, and other users behind the same IP share it.
MAX_CELLS = 150_000
MAX_CALLS, TIME_WINDOW = 25, 10.0
MAX_SPLIT_DEPTH = 12


@dataclass(frozen=True)
class TableInfo:
    """`GET /tables/{id}`: the catalogue entry, whose `updated` drives the incremental refresh."""

    id: str
    label: str
    updated: str
    first_period: str | None
    last_period: str | None
    time_unit: str | None
    page: Page

    @property
    def updated_at(self) -> datetime:
        """`updated` as an aware time (UTC if SCB ever sends it without an offset), so the
        stored and the new value compare equal when the table has not changed."""
        value = datetime.fromisoformat(self.updated.replace("Z", "+00:00"))
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


class ScbClient:
    def __init__(
        self,
        session: requests.Session,
        base_url: str = BASE_URL,
        *,
        language: str = LANGUAGE,
        before_call: Callable[[], Any] | None = None,
    ):
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.language = language
        # Called before every request: the host-wide rate limiter in live mode.
        self.before_call = before_call or (lambda: None)
        self._config: dict | None = None

    def _send(self, method: str, path: str, params: dict[str, str], body: bytes | None = None) -> Page:
        url = requests.Request("GET", self.base_url + path, params={"lang": self.language, **params}).prepare().url
        self.before_call()
        headers = {"Content-Type": "application/json"} if body is not None else {}
        resp, payload = request_json(self.session, method, url, source=SOURCE, data=body, headers=headers)
        return Page(url, clock.now(), resp.status_code, resp.content, payload, request_body=body)

    def config(self) -> dict:
        """`/config`: limits (maxDataCells, calls per window) and languages; read once."""
        if self._config is None:
            self._config = self._send("GET", "/config", {}).payload
        return self._config

    @property
    def max_cells(self) -> int:
        return int(self.config().get("maxDataCells") or MAX_CELLS)

    def table(self, table_id: str) -> TableInfo:
        page = self._send("GET", f"/tables/{table_id}", {})
        doc = page.payload
        # Whether /tables/{id} wraps the entry is unverified (reference/scb.md §2 lists the
        # same fields as the /tables list entries); accept the entry at the top level.
        entry = doc if isinstance(doc, dict) and "updated" in doc else None
        if entry is None or not entry.get("updated"):
            raise SourceError(SOURCE, page.url, f"tabellen {table_id}: fältet 'updated' saknas i svaret")
        return TableInfo(
            id=str(entry.get("id", table_id)),
            label=entry.get("label", ""),
            updated=entry["updated"],
            first_period=entry.get("firstPeriod"),
            last_period=entry.get("lastPeriod"),
            time_unit=entry.get("timeUnit"),
            page=page,
        )

    def table_metadata(self, table_id: str) -> tuple[Dataset, Page]:
        """`/tables/{id}/metadata`: dimensions, codes, elimination and notes (no values)."""
        page = self._send("GET", f"/tables/{table_id}/metadata", {})
        return parse(page.payload, page.url, metadata=True), page

    def data(
        self,
        table_id: str,
        selection: dict[str, list[str]],
        codelists: dict[str, str] | None = None,
    ) -> list[Page]:
        """POST the selection (codes only); one Page per call, never over the cell limit.

        The selection is split before sending so that no call exceeds maxDataCells. If SCB
        still answers 400 "too many cells" (its limit lower than /config says), the part is
        split in two and retried, so that error never reaches the user.
        """
        empty = [v for v, codes in selection.items() if not codes]
        if empty:
            raise ValueError(f"SCB {table_id}: tomt urval för {', '.join(empty)}")
        parts = split_value_codes(selection, self.max_cells)
        if len(parts) > 1:
            log.info("SCB %s: %d celler delas i %d anrop (högst %d celler per anrop)",
                     table_id, count_data_cells(selection), len(parts), self.max_cells)
        pages: list[Page] = []
        for part in parts:
            pages.extend(self._data_part(table_id, part, codelists, 0))
        return pages

    def _data_part(self, table_id, selection, codelists, depth) -> list[Page]:
        body = query_body(selection, codelists)
        try:
            return [self._send("POST", f"/tables/{table_id}/data", {"outputFormat": "json-stat2"}, body)]
        except SourceError as exc:
            if exc.status == 400 and not _too_many_cells(exc):
                self._explain_bad_selection(table_id, selection, exc)
            if not _too_many_cells(exc) or depth >= MAX_SPLIT_DEPTH:
                raise
            cells = count_data_cells(selection)
            if cells <= 1:
                raise
            halves = split_value_codes(selection, max(1, cells // 2))
            log.warning("SCB %s: servern nekade %d celler; delar i %d anrop", table_id, cells, len(halves))
            return [p for half in halves for p in self._data_part(table_id, half, codelists, depth + 1)]


    def _explain_bad_selection(self, table_id: str, selection: dict[str, list[str]], exc: SourceError) -> None:
        """SCB's 400s do not say which value is wrong (PxWebApi #426): compare the selection
        with the table's metadata and raise an error that names variable and code."""
        try:
            meta, _ = self.table_metadata(table_id)
        except SourceError:
            return  # keep SCB's own message
        problems = []
        for var, codes in selection.items():
            if var not in meta.codes:
                problems.append(f"variabeln {var} finns inte (tabellen har {', '.join(meta.dimensions)})")
                continue
            wrong = [c for c in codes if c not in meta.codes[var]]
            if wrong:
                sample = ", ".join(meta.codes[var][:8])
                problems.append(f"{var}: {', '.join(wrong)} finns inte (t.ex. {sample})")
        if problems:
            raise SourceError(SOURCE, exc.url, f"tabellen {table_id}: urvalet stämmer inte med tabellen: "
                              + "; ".join(problems), status=exc.status, body=exc.body) from exc


def _too_many_cells(exc: SourceError) -> bool:
    if exc.status not in (400, 403):  # the server says 400, the spec's example 403 (scb.md §5)
        return False
    try:
        problem = json.loads(exc.body or b"{}")
    except ValueError:
        problem = {}
    text = " ".join(str(problem.get(k, "")) for k in ("title", "detail")) if isinstance(problem, dict) else ""
    text = (text or exc.body.decode("utf-8", errors="replace")).lower()
    return "too many cells" in text or "för många celler" in text


def _codes_like(sample: str, year: int) -> list[str]:
    """Every time code of `year` in the granularity of `sample` (a code of the same table)."""
    if "M" in sample:
        return [f"{year}M{m:02d}" for m in range(1, 13)]
    if "K" in sample:
        return [f"{year}K{q}" for q in range(1, 5)]
    if sample.isdigit():
        return [str(year)]
    raise ValueError(f"tidskoden {sample!r}: bara år, kvartal och månader kan delas per år")


def time_codes(year: int, first_period: str | None, last_period: str | None,
               from_period: str | None = None, to_period: str | None = None) -> list[str]:
    """The table's time codes that fall in `year`, within the table's published range
    [first_period, last_period] and the catalog's [from_period, to_period] for the series.

    Asking for a code the table does not have is a 400 "Non-existent value", so the range
    comes from GET /tables/{id}, which the refresh reads anyway.
    """
    if not first_period or not last_period:
        raise ValueError("tabellens firstPeriod/lastPeriod saknas; kan inte välja perioder")
    lo = max(period_bounds(first_period)[0], period_bounds(from_period)[0] if from_period else date.min)
    hi = min(period_bounds(last_period)[1], period_bounds(to_period)[1] if to_period else date.max)
    out = []
    for code in _codes_like(first_period, year):
        start, end = period_bounds(code)
        if start >= lo and end <= hi:
            out.append(code)
    return out


def year_overlaps(year: int, from_period: str | None, to_period: str | None) -> bool:
    """Whether the catalog's period range of a table touches `year` at all (no request if not)."""
    if from_period and period_bounds(from_period)[0] > date(year, 12, 31):
        return False
    if to_period and period_bounds(to_period)[1] < date(year, 1, 1):
        return False
    return True


def plan_sha256(table_id: str, selection: dict[str, list[str]], codelists: dict[str, str] | None) -> str:
    """Identity of a request plan: a different selection must not be skipped as unchanged."""
    doc = {"table": table_id, "selection": selection, "codelists": codelists or {}}
    return hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def scb_region(unit: str) -> str:
    """The warehouse's unit id -> SCB's Region code. The warehouse names units as Kolada
    does (kommun 1882, län 0018, Riket 0000); SCB's Region codes are 1882, 18 and 00."""
    return unit[2:] if len(unit) == 4 and unit.startswith("00") else unit


def unit_id(code: str) -> str:
    """SCB's Region code -> the warehouse's unit id (län and Riket padded to four digits),
    so SCB and Kolada figures for one unit share its id."""
    return code.zfill(4) if len(code) == 2 and code.isdigit() else code


def query_body(selection: dict[str, list[str]], codelists: dict[str, str] | None) -> bytes:
    """The POST body for a selection (pxwebpy's build_query, compact UTF-8 JSON). Replay
    matches recordings by these bytes, so the client and the recording builder both use this."""
    return json.dumps(build_query(selection, codelists), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def build_selection(region_variable: str, regions: list[str], contents_variable: str, contents: str,
                    pinned: dict[str, list[str]], time_variable: str, periods: list[str]) -> dict[str, list[str]]:
    """The selection for one table, in a fixed variable order (replay matches the POST body)."""
    return {region_variable: list(regions), contents_variable: [contents], **pinned, time_variable: list(periods)}
