"""Kolada API v3 client (hand-written: koladapy drops failed batches silently, see
reference/kolada.md §7).

Rules the API imposes, kept here and nowhere else:
- data URLs are path style: /data/kpi/{ids}/municipality/{ids}/year/{years}, or without
  the municipality segment for every unit at once (any two of the three segments,
  reference/kolada.md §2);
- at most 25 ids per path segment (v3 refuses longer lists), so requests are the product of
  25-id chunks of KPIs, municipalities and years. National mode leaves the municipality
  segment out: 312 units would be 13 chunks, each answered on its own partly filled last
  page; without it each KPI chunk's pages are full (docs/benchmarks.md);
- `per_page=5000` (the maximum) and `next_url` followed until it is empty (v2's `next_page`
  key no longer exists; reading it would silently stop after page 1);
- values can be null (stored as NULL, never 0) and deletions come back as `isdeleted`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date
from itertools import product
from typing import Any, Iterable, Iterator, Literal
from urllib.parse import urljoin

import msgspec
import requests

from sources import clock
from sources.errors import SourceError
from sources.gc_pause import paused_gc
from sources.http import Page, get_json, request_body

log = logging.getLogger(__name__)

SOURCE = "kolada"
BASE_URL = "https://api.kolada.se/v3"
PER_PAGE = 5000
MAX_IDS_PER_SEGMENT = 25
MAX_PAGES = 10_000
GENDERS = ("T", "K", "M")
# A request without the municipality segment can return every unit Kolada has: 290 kommuner,
# 21 regions and Riket today. The bound is generous; it only caps runaway paging.
MAX_UNITS = 1000


def chunks(ids: Iterable[Any], size: int = MAX_IDS_PER_SEGMENT) -> list[list[str]]:
    unique = sorted({str(i) for i in ids})
    return [unique[i : i + size] for i in range(0, len(unique), size)]


def data_urls(
    kpis: Iterable[str],
    municipalities: Iterable[str] | None,
    years: Iterable[int],
    *,
    base_url: str = BASE_URL,
    from_date: date | None = None,
) -> list[str]:
    """The first-page URLs for all values of kpis × municipalities × years;
    `municipalities=None` asks for every unit Kolada has (kommuner, regions, Riket)."""
    return [url for url, _ in data_requests(kpis, municipalities, years, base_url=base_url, from_date=from_date)]


def data_requests(
    kpis: Iterable[str],
    municipalities: Iterable[str] | None,
    years: Iterable[int],
    *,
    base_url: str = BASE_URL,
    from_date: date | None = None,
) -> list[tuple[str, int]]:
    """data_urls with what each request can hold: one item per KPI × unit × year, the most
    its pages together can return (MAX_UNITS units without the municipality segment)."""
    requests = []
    unit_chunks = [None] if municipalities is None else chunks(municipalities)
    for k, m, y in product(chunks(kpis), unit_chunks, chunks(years)):
        unit_segment = "" if m is None else f"/municipality/{','.join(m)}"
        url = (
            f"{base_url.rstrip('/')}/data/kpi/{','.join(k)}{unit_segment}"
            f"/year/{','.join(y)}?per_page={PER_PAGE}"
        )
        if from_date is not None:
            url += f"&from_date={from_date.isoformat()}"
        requests.append((url, len(k) * (MAX_UNITS if m is None else len(m)) * len(y)))
    if not requests:
        raise ValueError("Kolada: inga KPI:er, kommuner eller år att hämta")
    return requests


class KoladaClient:
    def __init__(self, session: requests.Session, base_url: str = BASE_URL):
        self.session = session
        self.base_url = base_url.rstrip("/")

    def pages(self, url: str, capacity: int | None = None) -> Iterator[Page]:
        """Yield every page of `url` (metadata: KPIs, groups) as parsed JSON, following
        `next_url` until it is empty; `capacity`: the most items the request can hold."""

        def fetch(u: str) -> tuple[Page, int, str | None]:
            resp, payload = get_json(self.session, u, source=SOURCE)
            values = _envelope_values(payload, u)
            return Page(u, clock.now(), resp.status_code, resp.content, payload), len(values), payload.get("next_url")

        return _follow(url, fetch, capacity)

    def data_pages(
        self,
        kpis: Iterable[str],
        municipalities: Iterable[str] | None,
        years: Iterable[int],
        *,
        from_date: date | None = None,
        decode: bool = True,
    ) -> Iterator[Page]:
        """Every data page for kpis × municipalities (None: every unit) × years, one at a time (a national
        backfill is about 100 MB of JSON; callers store each page as it comes).
        Each page's `payload` is its decoded, type-checked rows (DataRows). With decode=False
        only the envelope's paging is read (payload a Paging; the rows are read later, by
        decode_data_page or sources/kolada_sql.py), so the HTTP can run on a thread of its
        own without holding the GIL for the decoding."""

        def fetch(u: str) -> tuple[Page, int, str | None]:
            resp = request_body(self.session, "GET", u, source=SOURCE)
            if not decode:
                items, next_url = page_paging(resp.content, u)
                return Page(u, clock.now(), resp.status_code, resp.content, Paging(items, next_url)), items, next_url
            rows = decode_data_page(resp.content, u)
            return Page(u, clock.now(), resp.status_code, resp.content, rows), rows.items, rows.next_url

        for url, capacity in data_requests(kpis, municipalities, years, base_url=self.base_url, from_date=from_date):
            yield from _follow(url, fetch, capacity)

    def kpi_metadata(self, kpi_ids: Iterable[str]) -> tuple[list[dict], list[Page]]:
        """KPI records (title, publication dates, …) for the given ids, and the pages."""
        pages, records = [], []
        for chunk in chunks(kpi_ids):
            for page in self.pages(f"{self.base_url}/kpi/{','.join(chunk)}?per_page={PER_PAGE}", len(chunk)):
                pages.append(page)
                records.extend(page.payload["values"])
        return records, pages

    def municipality_group(self, group_id: str) -> tuple[dict, Page]:
        """A municipality group with its members, e.g. G37333 (Liknande kommuner)."""
        url = f"{self.base_url}/municipality_groups/{group_id}"
        page = next(self.pages(url, 1))
        values = page.payload["values"]
        if not values:
            raise SourceError(SOURCE, url, f"kommungruppen {group_id} finns inte")
        group = values[0]
        if not isinstance(group.get("members"), list):
            raise SourceError(SOURCE, url, "fältet 'members' saknas i kommungruppen")
        if not group["members"]:
            raise SourceError(SOURCE, url, f"kommungruppen {group_id} har inga medlemmar")
        return group, page


def _envelope_values(payload: Any, url: str) -> list:
    if not isinstance(payload, dict) or "values" not in payload:
        keys = sorted(payload)[:8] if isinstance(payload, dict) else type(payload).__name__
        raise SourceError(SOURCE, url, f"fältet 'values' saknas i svaret (fick {keys})")
    if not isinstance(payload["values"], list):
        raise SourceError(SOURCE, url, "fältet 'values' är inte en lista")
    return payload["values"]


# gc=False: these structs never hold cycles, and a national backfill creates about a
# million of them; untracked, they cost the garbage collector nothing (msgspec's advice).
class _Value(msgspec.Struct, gc=False):
    gender: Literal[GENDERS]
    value: float | None = None
    status: str | None = None
    # Where v3 puts `isdeleted` is unverified (reference/kolada.md §3): the known clients
    # read it per gender value; it is accepted on the item too. None = absent.
    isdeleted: bool | None = None


class _Item(msgspec.Struct, gc=False):
    kpi: str
    municipality: str
    period: int
    values: list[_Value]
    isdeleted: bool | None = None


class _Envelope(msgspec.Struct, gc=False):
    values: list[_Item]
    next_url: str | None = None


_DECODER = msgspec.json.Decoder(_Envelope)
COLUMNS = ("kpi", "municipality", "period", "gender", "value", "status", "isdeleted")


@dataclass
class DataRows:
    """One data page flattened to columns, one row per (kpi, municipality, period, gender)."""

    columns: dict[str, list]
    items: int  # rows of the envelope's `values` (what per_page counts)
    next_url: str | None

    def __len__(self) -> int:
        return len(self.columns["kpi"])

    def records(self) -> list[dict]:
        return [dict(zip(COLUMNS, r)) for r in zip(*(self.columns[c] for c in COLUMNS))]


@dataclass(frozen=True)
class Paging:
    """What an undecoded data page says of itself: its number of items and the next page."""

    items: int
    next_url: str | None


def decode_data_page(body: bytes, url: str = "") -> DataRows:
    """Decode and type-check a v3 data page (msgspec: one pass, no intermediate dicts).

    A field missing or of the wrong type is refused with the URL and its JSON path, e.g.
    `$.values[3].values[0].value: väntade float | null, fick str`; a value is never
    guessed (no "12,5" read as 12.5, null stays null, never 0).
    """
    # The garbage collector paused while decoding and flattening: the structs are untracked,
    # but each item's `values` list and each (item, value) pair are not, and a page's
    # thousands of new containers set off collections that walk everything the process
    # holds (a national backfill's 165 pages: 1.13 s with it, about 0.7 s without).
    with paused_gc():
        env = _decode(_DECODER, body, url)
        # Column by column with comprehensions: about twice as fast as appending row by row.
        pairs = [(item, v) for item in env.values for v in item.values]
        cols = {
            "kpi": [i.kpi for i, _ in pairs],
            "municipality": [i.municipality for i, _ in pairs],
            "period": [i.period for i, _ in pairs],
            "gender": [v.gender for _, v in pairs],
            "value": [v.value for _, v in pairs],
            "status": [v.status or "" for _, v in pairs],
            "isdeleted": [bool(v.isdeleted if v.isdeleted is not None else i.isdeleted) for i, v in pairs],
        }
    return DataRows(cols, len(env.values), env.next_url)


class _Paging(msgspec.Struct, gc=False):
    values: list[msgspec.Raw]  # the items unread: only counted
    next_url: str | None = None


_PAGING = msgspec.json.Decoder(_Paging)


def page_paging(body: bytes, url: str = "") -> tuple[int, str | None]:
    """(number of items, next_url) of a data page, without decoding its items (they are
    checked by decode_data_page; a page that is not even an envelope fails here)."""
    env = _decode(_PAGING, body, url)
    return len(env.values), env.next_url


def _decode(decoder: msgspec.json.Decoder, body: bytes, url: str):
    """msgspec's decoding, its errors as SourceErrors naming the URL and the JSON path."""
    try:
        return decoder.decode(body)
    except msgspec.ValidationError as exc:
        raise SourceError(SOURCE, url, _swedish(str(exc))) from exc
    except msgspec.DecodeError as exc:
        raise SourceError(SOURCE, url, f"ogiltig eller avkortad JSON ({exc}); {len(body)} byte mottagna") from exc


def _swedish(message: str) -> str:
    """msgspec's validation message, e.g. "Expected `str`, got `int` - at `$.values[0].kpi`",
    in Swedish with the path first."""
    text, _, path = message.partition(" - at ")
    path = path.strip("`") or "$"
    for pattern, repl in (
        (r"Expected `(.+)`, got `(.+)`", r"väntade \1, fick \2"),
        (r"Object missing required field `(.+)`", r"fältet '\1' saknas"),
        (r"Invalid enum value (.+)", rf"okänt värde \1 (tillåtna: {', '.join(GENDERS)})"),
    ):
        text = re.sub(pattern, repl, text)
    return f"{path}: {text}"


def _follow(url: str, fetch, capacity: int | None = None) -> Iterator[Page]:
    """Pages of `url`: `fetch(url)` returns (page, number of values, next_url).

    Paging stops with an error when next_url points back at a page already read, or when
    the pages have brought more items than the request can hold (`capacity`: KPIs × units ×
    years; every page but the last holds at least one item, so this caps the pages too). A
    next_url that changes on every page would otherwise be followed for MAX_PAGES pages.
    """
    first, seen, n, items = url, set(), 0, 0
    while url:
        if url in seen:
            raise SourceError(SOURCE, url, f"sidföljden slutar inte: next_url upprepas (sida {n + 1} pekar på en "
                                           "sida som redan hämtats)")
        if n >= MAX_PAGES or (capacity is not None and items > capacity):
            raise SourceError(SOURCE, url, (
                f"sidföljden slutar inte: {n} sidor har gett {items} poster, fler än frågan kan rymma "
                f"({capacity} = KPI:er × enheter × år för {first}); next_url ändras på varje sida, "
                "hämtningen avbröts" if capacity is not None else f"sidföljden slutar inte efter {n} sidor"))
        seen.add(url)
        page, n_values, next_url = fetch(url)
        n += 1
        items += n_values
        yield page
        if not n_values:
            break
        if not next_url and n_values >= PER_PAGE:
            # A last page can be exactly full, so this is an alert, not an error
            # (reference/kolada.md §8: the v2 `next_page` key silently stopped at page 1).
            log.warning("Kolada: full sida (%d värden) utan next_url för %s", n_values, url)
        # next_url is absolute in recorded responses; join in case a server sends a path.
        url = urljoin(url, next_url) if next_url else ""
    log.info("Kolada: %d sida(or) för %s", n, first)
