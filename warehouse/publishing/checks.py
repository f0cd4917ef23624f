"""Data quality rules: every source's observations table and the indicator tables.

The rules (Rule below) are Great Expectations 1.x expectations, named by class and kwargs:
observations (schema, not-null keys, kommunkod and period formats, one row per series,
breakdown, region, period and vintage, shares within 0–100) and the indicator tables (the
governance document's columns, one row per indicator, known statuses, shares within 0–100,
every catalog indicator present). Each rule is one Dagster asset check (pipelines/defs/quality)
with a sample of its failing rows, and every rule gates publication (snapshot.py).

Two engines run the same rules (`validate(..., engine=)`):
- "sql" (check_sql.py): inside DuckDB, one scan per frame. Used for Kolada and SCB, the
  indicator tables and the publication gate: national tables of close to a million rows,
  where GX (no DuckDB engine: everything through pandas) cost seconds and hundreds of MB.
- "gx" (check_gx.py): Great Expectations itself on a pandas frame. Used where the batch is
  small and its result format serves as is: each Arbetsförmedlingen file month's rows.
tests/test_publish_checks.py runs both on the same constructed rows and compares the verdicts.

Asset checks validate what the run loaded: `observations_suite(table, where)` limits every
frame to the run's partitions (`scope_for`). The publication gate reads whole tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd

REGION = r"^\d{4}$"  # kommun 1882, region 0018, riket 0000 (Kolada's and SCB's codes)
PERIOD = r"^\d{4}(?:M(?:0[1-9]|1[0-2])|K[1-4]|T[1-3]|H[12])?$"  # 2024, 2026M04, 2024K2, 2026T1, 2026H1
OBS_COLUMNS = ["source", "series", "breakdown", "region", "period", "period_end", "value", "status",
               "is_deleted", "vintage", "first_seen", "fetched_at"]
STATUSES = ["uppnått", "nära", "ej uppnått", "kan inte bedömas", "ingen data"]


@dataclass(frozen=True)
class Rule:
    name: str           # the asset check's name
    description: str    # shown to analysts in the UI
    expectation: str    # a class in great_expectations.expectations
    kwargs: dict
    frame: str = "main"


@dataclass(frozen=True)
class Suite:
    name: str
    frames: dict[str, str]  # frame name -> SQL
    rules: list[Rule]
    index: dict[str, list[str]] = field(default_factory=dict)  # frame -> columns naming a failing row


@dataclass
class Outcome:
    rule: Rule
    success: bool
    unexpected: int | None
    sample: pd.DataFrame
    observed: object = None


# Kolada titles some changes and differences "andel (%)" too, and they are negative in real
# data (national benchmark, 1998–2022: Nettokostnadsavvikelse, Befolkningsförändring,
# Födelsenetto, Inrikes/Utrikes flyttnetto, Avvikelse från förväntat värde): not shares.
NOT_A_SHARE = "AND NOT regexp_matches(lower(title), 'avvikelse|förändring|netto')"
# Shares of a budget: an overrun takes them past 100 %, and that is what KF must see, so the
# 0–100 rule leaves them out (it stays for shares of a whole, which cannot pass 100).
BUDGET_SHARES = ("upparbetade_investeringar_andel",)
_NOT_BUDGET = "series NOT IN (" + ", ".join(f"'{s}'" for s in BUDGET_SHARES) + ")"


def observations_suite(table: str, where: str = "TRUE") -> Suite:
    """The rules every source's observations table must keep, on its rows meeting `where`
    (SQL over the table's columns: a run's partitions, see scope_for)."""
    key = ["series", "breakdown", "region", "period", "vintage"]
    shares = (f"SELECT series, breakdown, region, period, vintage, value FROM {table} "
              f"WHERE ({where}) AND value IS NOT NULL AND {_NOT_BUDGET} AND (series LIKE '%\\_andel' ESCAPE '\\' OR series IN "
              f"(SELECT kpi FROM raw.kolada_kpi WHERE title LIKE '%andel (\\%)%' ESCAPE '\\' {NOT_A_SHARE}))")
    rules = [Rule("kolumner", f"{table} har observationernas kolumner", "ExpectTableColumnsToMatchSet",
                  {"column_set": OBS_COLUMNS, "exact_match": False})]
    rules += [Rule(f"{c}_saknas_inte", f"{c} är aldrig tom", "ExpectColumnValuesToNotBeNull", {"column": c})
              for c in key + ["first_seen"]]
    rules += [
        Rule("kommunkod_format", "region är en kod med fyra siffror (kommun, region eller riket)",
             "ExpectColumnValuesToMatchRegex", {"column": "region", "regex": REGION}),
        Rule("period_format", "period är ÅÅÅÅ, ÅÅÅÅMmm, ÅÅÅÅKk, ÅÅÅÅTt (tertial) eller ÅÅÅÅHh (halvår)",
             "ExpectColumnValuesToMatchRegex",
             {"column": "period", "regex": PERIOD}),
        Rule("unik_nyckel", "en rad per serie, uppdelning, region, period och årgång",
             "ExpectCompoundColumnsToBeUnique", {"column_list": key}),
        Rule("andel_0_100", "andelar (serier *_andel och Kolada-KPI:er 'andel (%)') ligger mellan 0 och 100; "
             "andelar av en budget får överskrida 100",
             "ExpectColumnValuesToBeBetween", {"column": "value", "min_value": 0, "max_value": 100}, "shares"),
    ]
    return Suite(table, {"main": f"SELECT * FROM {table} WHERE {where}", "shares": shares}, rules,
                 {"main": ["series", "region", "period"], "shares": ["series", "region", "period"]})


def indicator_suite() -> Suite:
    governance = ["Nämnd", "KF målområde", "Indikator/källa", "Önskat värde", "Aktuellt värde", "Datum",
                  "Uppdrag", "Budgetpåverkan", "Indikator KF"]
    rules = [
        Rule("styrdokumentets_kolumner", "ind.namnd_indikatorer har styrdokumentets kolumner",
             "ExpectTableColumnsToMatchSet", {"column_set": governance, "exact_match": False}, "table"),
        Rule("en_rad_per_indikator", "en rad per indikator", "ExpectColumnValuesToBeUnique", {"column": "indicator_id"}),
        Rule("kand_status", "status är uppnått, nära, ej uppnått, kan inte bedömas eller ingen data", "ExpectColumnValuesToBeInSet",
             {"column": "status", "value_set": STATUSES}),
        Rule("namnd_saknas_inte", "varje indikator har en nämnd", "ExpectColumnValuesToNotBeNull", {"column": "namnd"}),
        Rule("kommunkod_format", "kommunkoden har fyra siffror", "ExpectColumnValuesToMatchRegex",
             {"column": "region", "regex": REGION}),
        Rule("andel_0_100", "aktuellt värde i procent ligger mellan 0 och 100 (en andel av en budget får "
             "överskrida 100)", "ExpectColumnValuesToBeBetween",
             {"column": "aktuellt_varde", "min_value": 0, "max_value": 100}, "shares"),
        Rule("alla_indikatorer_med", "varje indikator i katalogen har en rad i indikatortabellen",
             "ExpectColumnValuesToBeInSet", {"column": "har_rad", "value_set": [True]}, "coverage"),
        Rule("aktuell_nyckel_unik", "högst ett aktuellt värde per källa, serie, uppdelning, region och period",
             "ExpectCompoundColumnsToBeUnique", {"column_list": ["source", "series", "breakdown", "region", "period"]},
             "current"),
    ]
    frames = {
        "main": "SELECT indicator_id, namnd, region, status, aktuellt_varde, unit FROM ind.indicator_status",
        "table": "SELECT * FROM ind.namnd_indikatorer",
        "shares": "SELECT indicator_id, aktuellt_varde FROM ind.indicator_status "
                  f"WHERE unit = '%' AND aktuellt_varde IS NOT NULL AND {_NOT_BUDGET}",
        "current": "SELECT source, series, breakdown, region, period FROM stg.current_observations",
        # An empty or truncated indicator table would otherwise pass every rule above.
        "coverage": "SELECT c.indicator_id, s.indicator_id IS NOT NULL AS har_rad FROM cfg.indicators c "
                    "LEFT JOIN (SELECT DISTINCT indicator_id FROM ind.indicator_status) s USING (indicator_id)",
    }
    return Suite("ind.indicator_status", frames, rules,
                 {"main": ["indicator_id"], "shares": ["indicator_id"], "current": ["source", "series", "region", "period"],
                  "coverage": ["indicator_id"]})


# Every table the controllers' snapshot carries figures from. An empty source table passes
# (a source the kommun does not use, or one not loaded yet); failed loads never empty one,
# since every load is one transaction and an empty answer for a year with values is refused.
OBSERVATION_TABLES = ["stg.kolada_observations", "stg.scb_observations", "stg.af_observations",
                      "stg.file_observations"]


def publication_suites() -> list[Suite]:
    """The suites warehouse.publishing.snapshot runs before every publication."""
    return [observations_suite(t) for t in OBSERVATION_TABLES] + [indicator_suite()]


def scope_for(partition_keys: list[str] | None) -> str:
    """The rows of an observations table that a run over `partition_keys` loaded: yearly keys
    ('2024') cover the year's figures and months ('2024', '2024M03', '2024K1'), monthly keys
    ('2024-03', Arbetsförmedlingen) the month's. None (a run without partitions): every row."""
    if not partition_keys:
        return "TRUE"
    years = sorted({k for k in partition_keys if k.isdigit() and len(k) == 4})
    months = sorted({k[:4] + "M" + k[5:7] for k in partition_keys if len(k) == 7 and k[4] == "-"})
    unknown = set(partition_keys) - set(years) - {m[:4] + "-" + m[5:] for m in months}
    if unknown:
        raise ValueError(f"okända partitioner för kontrollernas urval: {', '.join(sorted(unknown))}")
    parts = []
    if years:
        parts.append("left(period, 4) IN (" + ", ".join(f"'{y}'" for y in years) + ")")
    if months:
        parts.append("period IN (" + ", ".join(f"'{m}'" for m in months) + ")")
    return " OR ".join(parts)


ENGINES = ("sql", "gx")


def validate(conn: duckdb.DuckDBPyConnection, suite: Suite, sample_rows: int = 10, engine: str = "sql") -> list[Outcome]:
    """Run every rule of `suite` on frames read now; one Outcome per rule, in the suite's order."""
    if engine == "sql":
        from warehouse.publishing import check_sql
        return check_sql.validate(conn, suite, sample_rows)
    if engine == "gx":
        from warehouse.publishing import check_gx
        return check_gx.validate(conn, suite, sample_rows)
    raise ValueError(f"engine {engine!r}: one of {', '.join(ENGINES)}")
