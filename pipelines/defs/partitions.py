import dagster as dg

# Kolada's yearly figures for year Y are published during Y+1, so the newest partition is
# the last complete year. There is no YearlyPartitionsDefinition; this is the documented
# equivalent (reference/dagster.md §5).
yearly_partition = dg.TimeWindowPartitionsDefinition(
    start="2010",
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
