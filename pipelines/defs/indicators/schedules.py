import dagster as dg

from pipelines.defs.policies import cron, schedule_default_status

from pipelines.defs.indicators.jobs import indicators_job

# After the Kolada refresh at 02:30; the due list also changes with the date alone.
indicators_nightly_schedule = dg.ScheduleDefinition(
    name="indicators_nightly_schedule",
    job=indicators_job,
    cron_schedule=cron("INDIKATORER", "30 4 * * *"),
    execution_timezone="Europe/Stockholm",
    default_status=schedule_default_status(),
)
