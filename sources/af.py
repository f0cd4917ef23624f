"""Arbetsförmedlingen's monthly unemployment per kommun from `web-inskrivna-arbetslosa-andel-
av-bas-YYYY-MM.xlsx` (reference/arbetsformedlingen.md §2–4).

The pivot cache has PERIOD, LAN, KOM (names) and numerator/denominator pairs `<X>SOK`
(inskrivna arbetslösa) and `<X>AK` (arbetskraft, a 12-month average of SCB's BAS). Shares are
computed from summed numerators and denominators per kommun (a kommun listed under two län,
like Heby, is collapsed), never by averaging shares. The age band is read from the heading of
sheet `andel`; the denominator basis (BAS or RAMS) from the file name. Whether a file carries
öppet arbetslösa separately is unverified: `cache_fields` lists what it has, and nothing here
assumes more than the documented fields.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pandas as pd

from sources.af_pivot import cache_fields, records, sheet_text
from sources.kommuner import code_for

GROUPS = ("TOT", "KVI", "MAN", "UNG", "GAM", "INR", "UTR", "FG", "GY", "EG")
MASKED = "<5"
_BAND = re.compile(r"(\d{2})\s*[-–]\s*(\d{2})\s*år")
_MONTH = re.compile(r"(20\d\d)-(0[1-9]|1[0-2])")


class AfFileError(ValueError):
    def __init__(self, path, message: str):
        self.path = str(path)
        super().__init__(f"{Path(path).name}: {message}")


def basis_from_name(path: str | Path) -> str:
    name = Path(path).name
    if "andel-av-bas" in name:
        return "BAS"
    if "andel-av-reg" in name:
        return "RAMS"
    raise AfFileError(path, "filnamnet säger inte om nämnaren är BAS eller RAMS (andel-av-bas / andel-av-reg…)")


def age_band(path: str | Path) -> str:
    """'16-65' or '16-64', as the heading of sheet `andel` says (never assumed)."""
    text = " ".join(sheet_text(path, "andel"))
    m = _BAND.search(text)
    if not m:
        raise AfFileError(path, f"åldersintervallet (t.ex. '16-65 år') saknas i rubriken på bladet andel")
    return f"{m.group(1)}-{m.group(2)}"


def _number(value, path, n, field):
    if value is None or value == MASKED:
        return None  # missing or masked: never 0 or 5
    if isinstance(value, (int, float)):
        return float(value)
    raise AfFileError(path, f"post {n}, fält {field}: inte ett tal")


def bas_shares(path: str | Path) -> pd.DataFrame:
    """One row per month, kommun and group: inskrivna, arbetskraft, andel (%), masked flag."""
    fields, _ = cache_fields(path)
    missing = [f for f in ("PERIOD", "KOM", "TOTSOK", "TOTAK") if f not in fields]
    if missing:
        raise AfFileError(path, f"fält saknas i pivotcachen: {', '.join(missing)} (har: {', '.join(fields)})")
    groups = [g for g in GROUPS if f"{g}SOK" in fields and f"{g}AK" in fields]
    band, basis = age_band(path), basis_from_name(path)
    sums: dict[tuple, list] = defaultdict(lambda: [0.0, 0.0, False])
    for n, r in enumerate(records(path), start=1):
        period = str(r["PERIOD"])
        if not _MONTH.fullmatch(period):
            raise AfFileError(path, f"post {n}, fält PERIOD: inte en månad ÅÅÅÅ-MM")
        code = code_for(r["KOM"])
        if code is None:
            continue  # "Uppgift saknas": counts for riket only, not for a kommun
        for g in groups:
            sok = _number(r[f"{g}SOK"], path, n, f"{g}SOK")
            ak = _number(r[f"{g}AK"], path, n, f"{g}AK")
            acc = sums[(period, code, g)]
            if sok is None or ak is None:
                acc[2] = True
                continue
            acc[0] += sok
            acc[1] += ak
    rows = [{"period": p, "kommun": c, "grupp": g, "inskrivna": None if m else s, "arbetskraft": None if m else a,
             "andel": None if m or not a else 100 * s / a, "masked": m, "alder": band, "namnare": basis}
            for (p, c, g), (s, a, m) in sorted(sums.items())]
    return pd.DataFrame(rows)


# --- Discovery and download (reference/arbetsformedlingen.md §1, §5) -----------------------

STATISTICS_PAGE = "https://arbetsformedlingen.se/statistik/sok-statistik/tidigare-statistik-tidsserier"
# The files the warehouse reads; a month is fetched only when every one of them shows it.
PREFIXES = ("web-inskrivna-arbetslosa-andel-av-bas",)


def find_files(html: str, page_url: str, prefixes=PREFIXES) -> dict[str, dict[str, str]]:
    """{prefix: {YYYY-MM: absolute URL}} from the page's links. The `18.<id>/<timestamp>/`
    part of AF's download URLs changes, so files are found by name, never by a fixed URL."""
    from urllib.parse import urljoin

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
    import hashlib

    from sources.errors import SourceError

    resp = session.get(url, stream=True)
    if resp.status_code >= 400:
        raise SourceError("arbetsformedlingen", url, f"HTTP {resp.status_code} {resp.reason}")
    h, size = hashlib.sha256(), 0
    tmp = target.with_suffix(target.suffix + ".part")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tmp.open("wb") as f:
        for chunk in resp.iter_content(1 << 20):
            h.update(chunk)
            size += len(chunk)
            f.write(chunk)
    if size < 4 or tmp.read_bytes()[:2] != b"PK":
        tmp.unlink()
        raise SourceError("arbetsformedlingen", url, "svaret är ingen xlsx-fil (zip)")
    tmp.replace(target)
    return h.hexdigest(), size
