import dagster as dg

from pipelines.defs.policies import schedule_default_status

from pipelines.defs.kolada.jobs import kolada_job
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
    keys = yearly_partition.get_partition_keys(current_time=context.scheduled_execution_time)
    day = context.scheduled_execution_time.strftime("%Y-%m-%d")
    for key in keys[-RECENT_YEARS:]:
        yield dg.RunRequest(run_key=f"kolada:{key}:{day}", partition_key=key)
