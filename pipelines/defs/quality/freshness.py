"""Freshness: per source, a check that warns when a figure the source should have published
(by Kolada's release dates, SCB's and AF's rhythm; warehouse/meetings/forecast.py
overdue_publications) is still missing a week later. Shown on the source's asset in the UI;
it warns, never blocks: a late publication is news for the analyst, not bad data."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.deployment import key
from pipelines.roles import role
from pipelines.defs.policies import DUCKDB_POOL
from pipelines.defs.resources import warehouse
from sources import clock
from warehouse.meetings.forecast import GRACE_DAYS, overdue_publications


def _freshness(asset, source: str, name: str):
    @dg.asset_check(asset=asset, name="aktualitet", pool=DUCKDB_POOL, blocking=False,
                    description=f"Varnar när en siffra som {name} borde ha publicerat för mer än {GRACE_DAYS} dagar "
                                "sedan saknas i lagret (enligt källans publiceringsinformation).")
    def check(duckdb: DuckDBResource) -> dg.AssetCheckResult:
        with warehouse(duckdb) as conn:
            late = overdue_publications(conn, clock.today(), source)
        return dg.AssetCheckResult(
            passed=not late, severity=dg.AssetCheckSeverity.WARN,
            description=(f"{len(late)} siffra/siffror från {name} är sena" if late else f"{name}: inget sent"),
            metadata={"sena": dg.MetadataValue.md("\n".join(
                f"- {e.indicator_id} {e.period}: väntades {e.due_by} ({e.basis})" for e in late) or "–")})
    return check


# Not in a deployment's public location: the rule reads the catalog's indicators
# (cfg.indicators), which only a kommun's file has.
if role() != "offentlig":
    kolada_freshness = _freshness(key("stg", "kolada_observations"), "kolada", "Kolada")
    scb_freshness = _freshness(key("stg", "scb_observations"), "scb", "SCB")
    af_freshness = _freshness(key("stg", "af_observations"), "arbetsformedlingen", "Arbetsförmedlingen")
