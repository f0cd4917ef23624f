import dagster as dg

from pipelines.defs.kolada.assets import NIGHTLY_TAG
from pipelines.defs.kolada.jobs import kolada_job
from pipelines.defs.partitions import yearly_partition
from pipelines.defs.policies import cron, recent_range_request, schedule_default_status

# Kolada revises recent years without notice (reference/kolada.md §6): the last three
# complete years are looked at every night. Each run reads the KPIs' release information and
# fetches data only when something may be new, or on the weekly full refresh day
# (warehouse/kolada/nightly.py); unchanged data changes nothing in the warehouse. The years
# are one run over their range: one metadata call and one process start instead of three.
RECENT_YEARS = 3


@dg.schedule(
    name="kolada_nightly_schedule",
    cron_schedule=cron("KOLADA", "30 2 * * *"),
    execution_timezone="Europe/Stockholm",
    job=kolada_job,
    default_status=schedule_default_status(),
)
def kolada_nightly_schedule(context: dg.ScheduleEvaluationContext):
    """Nattlig uppdatering av Kolada för de tre senaste hela åren: data hämtas bara när
    KPI:ernas publiceringsinformation visar något nytt, och varje söndag."""
    return recent_range_request(yearly_partition, context, RECENT_YEARS, "kolada", tags={NIGHTLY_TAG: "1"})
