"""The one formatting module (warehouse/presentation/format.py), at its edges."""

import math
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from warehouse.presentation.format import (MINUS, NARROW_NBSP, fmt_change, fmt_date, fmt_number, fmt_period, fmt_target,
                                           fmt_value, fmt_yes)


@pytest.mark.parametrize("value, decimals, expected", [
    (11600, 0, "11 600"), (1234567.891, 1, "1 234 567,9"), (999.95, 1, "1 000,0"), (0.125, 2, "0,13"),
    (2.675, 2, "2,67"),  # the double is 2,67499…: half away from zero on the exact value, as DuckDB's round()
    (-0.04, 1, "0,0"), (-0.0, 0, "0"),  # no negative zero
    (-1234.5, 0, "-1 235"), (88.5, 0, "89"), (7, 2, "7,00"), (np.float64(3.14159), 3, "3,142"),
    (np.int64(12345), 0, "12 345"), (1e12, 0, "1 000 000 000 000"),
])
def test_numbers_in_swedish_rounded_as_the_status_rule(value, decimals, expected):
    assert fmt_number(value, decimals) == expected


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, pd.NaT, pd.NA])
def test_no_value_is_a_dash(missing):
    assert fmt_number(missing) == "–" and fmt_date(missing) == "–" and fmt_change(missing, 1) == "–"


def test_typographic_numbers_for_html_use_the_narrow_space_and_the_true_minus():
    assert fmt_number(-1234.5, 1, typographic=True) == f"{MINUS}1{NARROW_NBSP}234,5"
    assert fmt_number(1234.5, 1) == "1 234,5"  # plain: a space and "-" that Excel reads as a number


def test_changes_targets_values_periods_and_flags():
    assert [fmt_change(c, 1) for c in (0.44, -1.25, 0.0, -0.01)] == ["+0,4", "-1,3", "0,0", "0,0"]
    assert fmt_target("lower", 4.5, 1) == "≤ 4,5" and fmt_target("higher", 11600, 0, 2030) == "≥ 11 600 år 2030"
    assert fmt_target("higher", 80, 0, float("nan")) == "≥ 80" and fmt_target("higher", 8, 2, pd.NA) == "≥ 8,00"
    assert fmt_value(1.5, 1, "1 av 12 mån") == "1,5 (1 av 12 mån)" and fmt_value(None, 1, "x") == "–"
    assert [fmt_period(p) for p in ("2026M03", "2025", "2026T1")] == ["2026-03", "2025", "2026T1"]
    assert fmt_date(date(2026, 3, 1)) == "2026-03-01" and fmt_date(datetime(2026, 3, 1, 23, 59)) == "2026-03-01"
    assert [fmt_yes(f) for f in (True, np.bool_(True), 1, False, np.bool_(False), None, math.nan)] == [
        "Ja", "Ja", "Ja", "Nej", "Nej", "Nej", "Nej"]


@pytest.mark.parametrize("decimals", [0, 1, 2])
def test_the_locale_library_gives_what_the_hand_written_format_gave(decimals):
    # The formatting before Babel, as the oracle: grouping with spaces, decimal comma.
    from decimal import ROUND_HALF_UP, Decimal

    def before(v):
        r = float(Decimal(v).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))
        return f"{r + 0.0:,.{decimals}f}".replace(",", " ").replace(".", ",")

    rng = np.random.default_rng(18)
    values = np.concatenate([rng.normal(0, 1e6, 300), rng.normal(0, 5, 300), rng.integers(-5, 5, 50) / 2])
    assert [fmt_number(v, decimals) for v in values] == [before(float(v)) for v in values]
