"""Kolada API v3 client (hand-written: koladapy drops failed batches silently, see
reference/kolada.md §7).

Rules the API imposes, kept here and nowhere else:
- data URLs are path style: /data/kpi/{ids}/municipality/{ids}/year/{years};
- at most 25 ids per path segment (v3 refuses longer lists), so requests are the product of
  25-id chunks of KPIs, municipalities and years;
- `per_page=5000` (the maximum) and `next_url` followed until it is empty (v2's `next_page`
  key no longer exists; reading it would silently stop after page 1);
- values can be null (stored as NULL, never 0) and deletions come back as `isdeleted`.
"""

from __future__ import annotations

import logging
from datetime import date
from itertools import product
from typing import Any, Iterable, Iterator
from urllib.parse import urljoin

import requests

from sources import clock
from sources.errors import SourceError
from sources.http import Page, get_json

log = logging.getLogger(__name__)

SOURCE = "kolada"
BASE_URL = "https://api.kolada.se/v3"
PER_PAGE = 5000
MAX_IDS_PER_SEGMENT = 25
MAX_PAGES = 10_000
GENDERS = ("T", "K", "M")


def chunks(ids: Iterable[Any], size: int = MAX_IDS_PER_SEGMENT) -> list[list[str]]:
    unique = sorted({str(i) for i in ids})
    return [unique[i : i + size] for i in range(0, len(unique), size)]


def data_urls(
    kpis: Iterable[str],
    municipalities: Iterable[str],
    years: Iterable[int],
    *,
    base_url: str = BASE_URL,
    from_date: date | None = None,
) -> list[str]:
    """The first-page URLs for all values of kpis × municipalities × years."""
    urls = []
    for k, m, y in product(chunks(kpis), chunks(municipalities), chunks(years)):
        url = (
            f"{base_url.rstrip('/')}/data/kpi/{','.join(k)}/municipality/{','.join(m)}"
            f"/year/{','.join(y)}?per_page={PER_PAGE}"
        )
        if from_date is not None:
            url += f"&from_date={from_date.isoformat()}"
        urls.append(url)
    if not urls:
        raise ValueError("Kolada: inga KPI:er, kommuner eller år att hämta")
    return urls


class KoladaClient:
    def __init__(self, session: requests.Session, base_url: str = BASE_URL):
        self.session = session
        self.base_url = base_url.rstrip("/")

    def pages(self, url: str) -> Iterator[Page]:
        """Yield every page of `url`, following `next_url` until it is empty."""
        first, seen, n = url, set(), 0
        while url:
            if url in seen or n >= MAX_PAGES:
                raise SourceError(SOURCE, url, f"sidföljden slutar inte (sida {n + 1}); next_url upprepas")
            seen.add(url)
            resp, payload = get_json(self.session, url, source=SOURCE)
            values = _envelope_values(payload, url)
            n += 1
            yield Page(url, clock.now(), resp.status_code, resp.content, payload)
            next_url = payload.get("next_url")
            if not values:
                break
            if not next_url and len(values) >= PER_PAGE:
                # A last page can be exactly full, so this is an alert, not an error
                # (reference/kolada.md §8: the v2 `next_page` key silently stopped at page 1).
                log.warning("Kolada: full sida (%d värden) utan next_url för %s", len(values), url)
            # next_url is absolute in recorded responses; join in case a server sends a path.
            url = urljoin(url, next_url) if next_url else ""
        log.info("Kolada: %d sida(or) för %s", n, first)

    def data_pages(
        self,
        kpis: Iterable[str],
        municipalities: Iterable[str],
        years: Iterable[int],
        *,
        from_date: date | None = None,
    ) -> Iterator[Page]:
        for url in data_urls(kpis, municipalities, years, base_url=self.base_url, from_date=from_date):
            yield from self.pages(url)

    def kpi_metadata(self, kpi_ids: Iterable[str]) -> tuple[list[dict], list[Page]]:
        """KPI records (title, publication dates, …) for the given ids, and the pages."""
        pages, records = [], []
        for chunk in chunks(kpi_ids):
            for page in self.pages(f"{self.base_url}/kpi/{','.join(chunk)}?per_page={PER_PAGE}"):
                pages.append(page)
                records.extend(page.payload["values"])
        return records, pages

    def municipality_group(self, group_id: str) -> tuple[dict, Page]:
        """A municipality group with its members, e.g. G37333 (Liknande kommuner)."""
        url = f"{self.base_url}/municipality_groups/{group_id}"
        page = next(self.pages(url))
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


def parse_data_page(payload: dict, url: str = "") -> list[dict]:
    """Flatten a v3 data page into one row per (kpi, municipality, period, gender)."""
    rows = []
    for i, item in enumerate(_envelope_values(payload, url)):
        try:
            kpi, municipality, period = item["kpi"], str(item["municipality"]), int(item["period"])
            inner = item["values"]
        except (KeyError, TypeError, ValueError) as exc:
            raise SourceError(SOURCE, url, f"värde nr {i}: fält saknas eller fel typ ({exc!r})") from exc
        for v in inner:
            gender = v.get("gender")
            if gender not in GENDERS:
                raise SourceError(SOURCE, url, f"{kpi}/{municipality}/{period}: okänt kön {gender!r}")
            value = v.get("value")
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise SourceError(SOURCE, url, f"{kpi}/{municipality}/{period}: 'value' är inte numeriskt: {value!r}")
            rows.append(
                {
                    "kpi": kpi,
                    "municipality": municipality,
                    "period": period,
                    "gender": gender,
                    "value": None if value is None else float(value),
                    "status": v.get("status") or "",
                    "count": v.get("count"),
                    # Where v3 puts `isdeleted` is unverified (reference/kolada.md §3): the
                    # known clients read it per gender value; accept it on the item too.
                    "isdeleted": bool(v.get("isdeleted", item.get("isdeleted", False))),
                }
            )
    return rows
