"""Numbers, periods, dates and yes/no as users see them: the one place the terminal, the
meeting documents and (later) the web site format what they show.

Numbers use Swedish conventions from CLDR through Babel (decimal comma, grouping every three
digits), rounded exactly as the status rule rounds (round_shown), so what a table shows is
what was judged. Two renderings of the same number:
- plain (the default): an ordinary space between thousands and an ASCII minus, for terminals,
  CSV and text a controller pastes into Excel, which reads "−" and a no-break space as text;
- typographic: the narrow no-break space and the true minus sign (U+2212), for HTML pages.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
from babel.numbers import format_decimal

LOCALE = "sv_SE"
MISSING = "–"
NARROW_NBSP, MINUS = "\u202f", "\u2212"


def is_missing(value) -> bool:
    """None, NaN, NaT and pandas' NA (a nullable integer column's empty cell) are all "no value"."""
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def round_shown(value: float, decimals: int) -> float:
    """`value` rounded as the status rule rounds it (DuckDB's round(): the exact value of the
    double, half away from zero; 2,675 is stored as 2,67499… and rounds to 2,67), so what a
    table shows is what was judged. Python's own formatting rounds half to even (88,5 would
    show as "88" where the rule judged 89)."""
    return float(_rounded(value, decimals))


def _rounded(value, decimals: int) -> Decimal:
    exact = Decimal(float(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return exact.copy_abs() if exact.is_zero() else exact  # no "-0"


def fmt_number(value, decimals: int = 1, *, typographic: bool = False) -> str:
    """'11 600', '-0,3', '8,40'; '–' for no value."""
    if is_missing(value):
        return MISSING
    decimals = int(decimals)
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    text = format_decimal(_rounded(value, decimals), format=pattern, locale=LOCALE)
    # CLDR's Swedish group separator is a no-break space; its minus is "−" or "-" by version.
    text = text.replace("\xa0", " ").replace(MINUS, "-")
    return text.replace(" ", NARROW_NBSP).replace("-", MINUS) if typographic else text


def fmt_change(value, decimals: int, *, typographic: bool = False) -> str:
    """A change with its sign: '+0,4', '-1,2', '0,0' (typographic: a true minus '−1,2')."""
    if is_missing(value):
        return MISSING
    return ("+" if value > 0 else "") + fmt_number(value, decimals, typographic=typographic)


def target_sign(direction: str) -> str:
    """'≥ ' or '≤ ', how the governance document writes a target's direction."""
    return "≤ " if direction == "lower" else "≥ "


def fmt_target(direction: str, value, decimals: int, target_year=None) -> str:
    """Önskat värde as the governance document writes it: '≥ 11 600', with its year when the
    catalog gives one ('≥ 11 600 år 2030'). A target with a year is judged against today's
    value like any other (docs/rules.md, Status and KF due rules)."""
    text = target_sign(direction) + fmt_number(value, decimals)
    if not is_missing(target_year):
        text += f" år {int(target_year)}"
    return text


def fmt_value(value, decimals: int, value_status=None, *, typographic: bool = False) -> str:
    """Aktuellt värde with what the source says of it beside it ('1,5 (1 av 12 mån)')."""
    text = fmt_number(value, decimals, typographic=typographic)
    if isinstance(value_status, str) and value_status and text != MISSING:
        text += f" ({value_status})"
    return text


def slug(text: str, sep: str = "_") -> str:
    """A name as a file or URL part: 'Barn- och utbildningsnämnden' → 'barn_och_utbildningsnamnden'
    (sep '-' for the web site's URLs)."""
    text = text.lower().translate(str.maketrans("åäöé", "aaoe"))
    return re.sub(r"[^a-z0-9]+", sep, text).strip(sep)


def fmt_date(value) -> str:
    """A day as 2026-03-31 (the Swedish standard form, SS-ISO 8601)."""
    if is_missing(value):
        return MISSING
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def fmt_period(period: str) -> str:
    """A warehouse period as people write it: '2026M03' → '2026-03'; a year stays '2025'."""
    return period.replace("M", "-")


def fmt_yes(flag, yes: str = "Ja", no: str = "Nej") -> str:
    return yes if not is_missing(flag) and bool(flag) else no
