"""AF's yearly share against Kolada (reference/arbetsformedlingen.md §8)."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.af.assets import af_observations
from pipelines.defs.metadata import preview
from pipelines.defs.policies import DUCKDB_POOL
from pipelines.defs.resources import warehouse

# Percentage points. AF's share is 16-65 (per the file), Kolada N03941 18-65: the two are
# close but not equal by definition, so only a larger gap is worth a look.
TOLERANCE = 1.0


@dg.asset_check(asset=af_observations, name="kolada_arsjamforelse", pool=DUCKDB_POOL)
def af_kolada_yearly(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    """AF:s årsandel (årets summerade inskrivna / summerade arbetskraft) mot Kolada N03941 för
    samma år, när året har alla tolv månader och Kolada har värdet; varnar vid mer än 1
    procentenhets skillnad (olika åldersintervall ger en liten skillnad)."""
    with warehouse(duckdb) as conn:
        rows = conn.execute("SELECT name, ar, manader, eget_varde, kolada_kpi, kolada_varde FROM ind.kolada_kontroll "
                            "WHERE jamfor = 'af_andel_ar'").df()
    comparable = rows[(rows.manader == 12) & rows.kolada_varde.notna() & rows.eget_varde.notna()]
    off = comparable[(comparable.eget_varde - comparable.kolada_varde).abs() > TOLERANCE]
    return dg.AssetCheckResult(
        passed=off.empty, severity=dg.AssetCheckSeverity.WARN,
        metadata={"compared": len(comparable), "over_tolerance": len(off),
                  "note": "jämförs först när ett helt år finns i båda källorna" if comparable.empty else "",
                  "rows": preview(rows, "ingen indikator har AF-jämförelse")},
    )
