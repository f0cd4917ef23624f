"""The two engines of the quality rules give the same verdicts (warehouse/publishing/check_sql.py
translates each GX expectation to SQL; GX runs it on pandas), on constructed rows that sit on
every edge: NULLs, bounds met exactly, keys duplicated with and without NULLs, all-NULL keys."""

import random

import duckdb
import pytest

from warehouse.publishing import checks as quality
from warehouse.publishing.checks import Rule, Suite

RULES = [
    Rule("ej_null", "", "ExpectColumnValuesToNotBeNull", {"column": "region"}),
    Rule("format", "", "ExpectColumnValuesToMatchRegex", {"column": "region", "regex": quality.REGION}),
    Rule("period", "", "ExpectColumnValuesToMatchRegex", {"column": "period", "regex": quality.PERIOD}),
    Rule("mellan", "", "ExpectColumnValuesToBeBetween", {"column": "value", "min_value": 0, "max_value": 100}),
    Rule("i_mangd", "", "ExpectColumnValuesToBeInSet", {"column": "status", "value_set": ["", "B", "X"]}),
    Rule("i_mangd_bool", "", "ExpectColumnValuesToBeInSet", {"column": "ok", "value_set": [True]}),
    Rule("unik", "", "ExpectColumnValuesToBeUnique", {"column": "id"}),
    Rule("unik_nyckel", "", "ExpectCompoundColumnsToBeUnique", {"column_list": ["series", "region", "period"]}),
    Rule("kolumner", "", "ExpectTableColumnsToMatchSet", {"column_set": ["id", "region"], "exact_match": False}),
    Rule("kolumner_exakt", "", "ExpectTableColumnsToMatchSet", {"column_set": ["id", "region"], "exact_match": True}),
    Rule("kolumner_saknas", "", "ExpectTableColumnsToMatchSet", {"column_set": ["id", "saknas"], "exact_match": False}),
]
SUITE = Suite("t", {"main": "SELECT * FROM t"}, RULES, {"main": ["id"]})

EDGES = [
    # id, series, region, period, value, status, ok
    (1, "a", "1882", "2024", 0.0, "", True),        # bounds met exactly pass
    (2, "a", "1882", "2025", 100.0, "B", True),
    (3, "a", None, "2024", None, None, None),        # NULL: only the not-null rule minds
    (4, "a", None, "2024", -0.001, "Y", False),      # duplicate key with a NULL in it
    (5, None, None, None, 100.001, "X", True),       # an all-NULL key: left out of uniqueness
    (6, None, None, None, 50.0, "X", True),
    (7, "b", "188", "2024M13", 1e9, "b", True),      # bad formats, case in the set
    (7, "b", "01882", "2024K5", -1e9, "", True),     # duplicate id
    (None, "c", "0000", "2026M04", 1.0, "", True),
    (None, "c", "0000", "2026T1", 2.0, "", True),    # NULL ids are not duplicates
]


def _table(rows):
    conn = duckdb.connect()
    conn.execute("CREATE TABLE t (id INTEGER, series VARCHAR, region VARCHAR, period VARCHAR, value DOUBLE, "
                 "status VARCHAR, ok BOOLEAN)")
    if rows:
        conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    return conn


def _random_rows(seed, n=300):
    rnd = random.Random(seed)

    def pick(*options):
        return rnd.choice(options)

    return [(pick(None, *range(n // 2)), pick(None, "a", "b"), pick(None, "1882", "0000", "188", "18820", "abcd"),
             pick(None, "2024", "2024M01", "2024M00", "2024K4", "2024H3", "24"),
             pick(None, 0.0, 100.0, -1.0, 100.5, 42.0), pick(None, "", "B", "X", "x"), pick(None, True, False))
            for _ in range(n)]


def verdicts(conn, engine):
    return {o.rule.name: (o.success, int(o.unexpected or 0)) for o in quality.validate(conn, SUITE, engine=engine)}


@pytest.mark.parametrize("rows", [EDGES, [], *[_random_rows(seed) for seed in range(3)]],
                         ids=["kanter", "tom", "slump0", "slump1", "slump2"])
def test_sql_and_gx_give_the_same_verdicts_and_counts(rows):
    conn = _table(rows)
    assert verdicts(conn, "sql") == verdicts(conn, "gx")


def test_the_edges_fail_where_they_should():
    got = verdicts(_table(EDGES), "sql")
    assert got == {"ej_null": (False, 4), "format": (False, 2), "period": (False, 2), "mellan": (False, 4),
                   "i_mangd": (False, 2), "i_mangd_bool": (False, 1), "unik": (False, 2), "unik_nyckel": (False, 2),
                   "kolumner": (True, 0), "kolumner_exakt": (False, 0), "kolumner_saknas": (False, 0)}


def test_a_failing_rule_names_its_rows():
    outcomes = {o.rule.name: o for o in quality.validate(_table(EDGES), SUITE, engine="sql")}
    assert outcomes["unik_nyckel"].sample.to_dict("records") == [
        {"id": 3, "series": "a", "region": None, "period": "2024"},
        {"id": 4, "series": "a", "region": None, "period": "2024"}] or \
        sorted(r["id"] for r in outcomes["unik_nyckel"].sample.to_dict("records")) == [3, 4]
    assert outcomes["format"].sample.to_dict("records") == [{"id": 7, "region": "188"}, {"id": 7, "region": "01882"}]
    assert outcomes["mellan"].success is False and len(outcomes["mellan"].sample) == 4
    assert outcomes["format"].success is False and outcomes["ej_null"].sample["region"].isna().all()


def test_both_engines_agree_on_the_real_suites_with_bad_rows(conn):
    """The suites the product runs, on a warehouse with a bad kommunkod, period and share."""
    conn.execute("INSERT INTO raw.kolada_kpi (kpi, title, response_id) VALUES ('N01234', 'Något, andel (%)', 1)")
    for region, period, value in [("1882", "2022", 50.0), ("188", "2022", 120.0), ("1882", "2022M13", -3.0)]:
        conn.execute("INSERT INTO stg.kolada_observations (series, breakdown, region, period, period_end, value, "
                     "status, is_deleted, vintage, first_seen, fetched_at) VALUES "
                     "('N01234', 'T', ?, ?, DATE '2022-12-31', ?, '', false, 1, now(), now())", [region, period, value])
    for suite in quality.publication_suites()[:1] + [quality.observations_suite("stg.kolada_observations", "period = '2022'")]:
        sql = {o.rule.name: (o.success, int(o.unexpected or 0)) for o in quality.validate(conn, suite, engine="sql")}
        gx = {o.rule.name: (o.success, int(o.unexpected or 0)) for o in quality.validate(conn, suite, engine="gx")}
        assert sql == gx
    whole = {o.rule.name: o.success for o in quality.validate(conn, quality.publication_suites()[0])}
    assert not whole["kommunkod_format"] and not whole["period_format"] and not whole["andel_0_100"]
    # The run's scope sees only its own rows: 2022M13 is outside period '2022'.
    scoped = {o.rule.name: o.unexpected for o in quality.validate(
        conn, quality.observations_suite("stg.kolada_observations", "period = '2022'"))}
    assert scoped["period_format"] == 0 and scoped["kommunkod_format"] == 1


@pytest.mark.parametrize("keys, where", [
    (None, "TRUE"),
    (["2022"], "left(period, 4) IN ('2022')"),
    (["2021", "2020"], "left(period, 4) IN ('2020', '2021')"),
    (["2024-03", "2024-04"], "period IN ('2024M03', '2024M04')"),
])
def test_a_run_checks_the_rows_of_its_partitions(keys, where):
    assert quality.scope_for(keys) == where


def test_an_unknown_partition_key_is_refused_not_read_as_everything():
    with pytest.raises(ValueError, match="okända partitioner.*2024-3"):
        quality.scope_for(["2024-3"])
