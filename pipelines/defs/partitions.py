import os

import dagster as dg

# Kolada has figures from long before 2010 for many KPIs; MALSTYRNING_KOLADA_FORSTA_AR moves
# the first partition (read when the definitions load; the national benchmark uses 1998).
FIRST_YEAR_ENV = "MALSTYRNING_KOLADA_FORSTA_AR"
first_year = os.environ.get(FIRST_YEAR_ENV) or "2010"
if not (first_year.isdigit() and 1970 <= int(first_year) <= 2100):
    raise ValueError(f"{FIRST_YEAR_ENV}={first_year!r}: ange ett årtal, t.ex. 1998")

# Kolada's yearly figures for year Y are published during Y+1, so the newest partition is
# the last complete year. There is no YearlyPartitionsDefinition; this is the documented
# equivalent (reference/dagster.md §5).
yearly_partition = dg.TimeWindowPartitionsDefinition(
    start=first_year,
    fmt="%Y",
    cron_schedule="0 0 1 1 *",
    timezone="Europe/Stockholm",
)

# SCB publishes monthly tables (population per month) during the year, so its partitions
# run to the current year: partition Y holds Y's yearly figure and Y's months.
scb_yearly_partition = dg.TimeWindowPartitionsDefinition(
    start="2010",
    fmt="%Y",
    cron_schedule="0 0 1 1 *",
    timezone="Europe/Stockholm",
    end_offset=1,
)

# Arbetsförmedlingen: one partition per file month (`<prefix>-YYYY-MM.xlsx`), from the first
# month of the BAS-based share. AF publishes a month in the middle of the next one, so the
# newest partition is the last complete month.
af_monthly_partition = dg.MonthlyPartitionsDefinition(start_date="2023-01", fmt="%Y-%m", timezone="Europe/Stockholm")


def range_tags(first: str, last: str) -> dict[str, str]:
    """The tags of a run over the partitions first..last, as the UI's single-run backfill
    sets them (Dagster keeps these names in a private module, so they are written here once)."""
    return {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}


def range_label(keys: list[str]) -> str:
    """'2021–2022' for a range of partition keys, '2022' for one: in messages and metadata."""
    return f"{keys[0]}–{keys[-1]}" if len(keys) > 1 else keys[0]
