"""Data quality suites, run with Great Expectations 1.x in an in-memory context.

Each suite validates frames read from the warehouse with SQL: every source's observations
table (schema, not-null keys, kommunkod and period formats, one row per series, breakdown,
region, period and vintage, shares within 0–100) and the indicator tables (the governance
document's columns, one row per indicator, known statuses, shares within 0–100). A rule is
one GX expectation, reported as one Dagster asset check (pipelines/defs/quality), with a
sample of the failing rows.

GX is imported only when a suite runs (the import costs seconds and hundreds of MB, and
every code-server load would pay it), and its progress bars are off (reference/dagster.md §9).
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
    name: str           # the asset check's name: gx_<name>
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


def observations_suite(table: str) -> Suite:
    """The rules every source's observations table must keep."""
    key = ["series", "breakdown", "region", "period", "vintage"]
    shares = (f"SELECT series, breakdown, region, period, vintage, value FROM {table} "
              f"WHERE value IS NOT NULL AND {_NOT_BUDGET} AND (series LIKE '%\\_andel' ESCAPE '\\' OR series IN "
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
    return Suite(table, {"main": f"SELECT * FROM {table}", "shares": shares}, rules,
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


def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    return ctx


def validate(conn: duckdb.DuckDBPyConnection, suite: Suite, sample_rows: int = 10) -> list[Outcome]:
    """Run every rule of `suite` on frames read now; one Outcome per rule."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    ctx = _context()
    source = ctx.data_sources.add_pandas(f"malstyrning_{suite.name}")
    outcomes = []
    for frame_name, sql in suite.frames.items():
        rules = [r for r in suite.rules if r.frame == frame_name]
        if not rules:
            continue
        frame = conn.execute(sql).df()
        batch = (source.add_dataframe_asset(frame_name).add_batch_definition_whole_dataframe("alla")
                 .get_batch(batch_parameters={"dataframe": frame}))
        gx_suite = ctx.suites.add(gx.ExpectationSuite(name=f"{suite.name}.{frame_name}"))
        by_id = {}
        for rule in rules:
            by_id[gx_suite.add_expectation(getattr(gxe, rule.expectation)(**rule.kwargs)).id] = rule
        index = [c for c in suite.index.get(frame_name, []) if c in frame.columns]
        result_format = {"result_format": "COMPLETE", "partial_unexpected_count": sample_rows}
        if index:
            result_format["unexpected_index_column_names"] = index
        result = batch.validate(gx_suite, result_format=result_format)
        # GX does not keep the suite's order in its results: match them by expectation id.
        for r in result.results:
            rule = by_id[r.expectation_config.id]
            sample = pd.DataFrame((r.result or {}).get("unexpected_index_list") or [])[:sample_rows]
            outcomes.append(Outcome(rule, bool(r.success), (r.result or {}).get("unexpected_count"), sample,
                                    (r.result or {}).get("observed_value")))
    return outcomes
