import dagster as dg

from pipelines.defs.kolada.jobs import kolada_job
from pipelines.defs.policies import recent_partition_requests, schedule_default_status
from pipelines.defs.partitions import yearly_partition

# Kolada revises recent years without notice (reference/kolada.md §6): re-fetch the last
# three complete years every night. Unchanged data changes nothing in the warehouse.
RECENT_YEARS = 3


@dg.schedule(
    name="kolada_nightly_schedule",
    cron_schedule="30 2 * * *",
    execution_timezone="Europe/Stockholm",
    job=kolada_job,
    default_status=schedule_default_status(),
)
def kolada_nightly_schedule(context: dg.ScheduleEvaluationContext):
    """Nattlig uppdatering av Kolada för de tre senaste hela åren."""
    return recent_partition_requests(yearly_partition, context, RECENT_YEARS, "kolada")
