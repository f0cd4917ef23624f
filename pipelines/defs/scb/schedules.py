import dagster as dg

from pipelines.defs.partitions import scb_yearly_partition
from pipelines.defs.policies import cron, recent_range_request, schedule_default_status
from pipelines.defs.scb.jobs import scb_job

# The current year (monthly tables) and the previous one (yearly figures, and preliminary
# figures revised until December's are out: reference/scb.md §11). An unchanged table costs
# one metadata call and no data call; the two years are one run.
RECENT_YEARS = 2


@dg.schedule(
    name="scb_nightly_schedule",
    cron_schedule=cron("SCB", "0 3 * * *"),
    execution_timezone="Europe/Stockholm",
    job=scb_job,
    default_status=schedule_default_status(),
)
def scb_nightly_schedule(context: dg.ScheduleEvaluationContext):
    """Nattlig kontroll av SCB-tabellerna; data hämtas bara när en tabell uppdaterats."""
    return recent_range_request(scb_yearly_partition, context, RECENT_YEARS, "scb")
