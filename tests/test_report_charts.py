"""The report charts (warehouse/presentation/reports/charts.py) at their edges: one period is a
value, not a chart; the group mean is left out where too few of the group have the figure and
says how many it covers; Swedish numbers on the axis; months written as people write them."""

import re

import pandas as pd

from warehouse.presentation.reports import charts
from warehouse.presentation.reports.data import IndicatorReport

ROW = {"name": "Folkmängd", "decimals": 0, "unit": "invånare", "onskat_varde": 11600.0}


def _ind(periods, values, peer_mean=None, peer_n=None, **row):
    series = pd.DataFrame({"period": periods, "period_end": pd.NaT, "value": values,
                           "peer_mean": peer_mean or [float("nan")] * len(values), "peer_n": peer_n or [0] * len(values)})
    return IndicatorReport({**ROW, **row}, series, "SCB")


def _texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def test_a_single_period_is_a_value_not_a_chart():
    out = charts.svg(_ind(["2022"], [11497.0]), "Askersund", None)
    assert "<svg" not in out and "Askersund 11\u202f497 invånare (2022)" in out and "Källa: SCB" in out


def test_the_axis_speaks_swedish_and_months_read_as_months():
    out = charts.svg(_ind(["2025M01", "2025M02", "2025M03"], [11480.0, 11495.5, 11510.0]), "Askersund", None)
    texts = " ".join(_texts(out))
    assert "2025-01" in texts and "2025M01" not in texts
    assert "11\u202f500" in texts and "11,500" not in texts and "11500" not in texts
    small = charts.svg(_ind(["2021", "2022"], [-1.25, 0.5], decimals=1, onskat_varde=0.0), "Askersund", None)
    assert "\u22121,0" in " ".join(_texts(small))  # a true minus and a decimal comma


def test_the_group_mean_needs_half_the_group_and_says_how_many_it_covers():
    few = _ind(["2021", "2022"], [8.0, 8.5], peer_mean=[10.0, 11.0], peer_n=[3, 3], decimals=1, onskat_varde=9.0)
    assert "Snitt" not in " ".join(_texts(charts.svg(few, "Askersund", "Liknande kommuner", 7)))
    enough = _ind(["2021", "2022"], [8.0, 8.5], peer_mean=[10.0, 11.0], peer_n=[4, 4], decimals=1, onskat_varde=9.0)
    assert "Snitt Liknande kommuner (4 av 7)" in " ".join(_texts(charts.svg(enough, "Askersund", "Liknande kommuner", 7)))
