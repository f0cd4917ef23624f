"""Watch Arbetsförmedlingen's statistics page for a new month (reference §5).

AF publishes a month's files in the middle of the next month, not all on the same day, and
has been seen late (KA: August's files still showing on 23 September). From the 12th the
sensor reads the page (one small request) every six hours and launches the month's run when
every file shows the same new month. The cursor is the set of download URLs of the month last
loaded: AF's URLs carry an upload id and timestamp (`18.<id>/<timestamp>/`), so a file
replaced under the same name shows up as a changed URL and is fetched again (the run itself
compares sha256). A month whose run failed (AF down, files that disagree) is requested again
once a day until stg/af_observations has the partition.
"""

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg

from pipelines.defs.af.jobs import af_job
from pipelines.defs.partitions import af_monthly_partition
from pipelines.defs.policies import sensor_default_status
from pipelines.defs.resources import AfResource
from sources import clock
from sources.af_web import fetch_page, find_files, newest_common_month

FIRST_DAY = 12
STOCKHOLM = ZoneInfo("Europe/Stockholm")
OBSERVATIONS = dg.AssetKey(["stg", "af_observations"])


def af_request(found: dict[str, dict[str, str]], cursor: str | None, partition_keys: list[str],
               loaded: set[str], today: str):
    """(RunRequest or SkipReason, new cursor) for what the page shows. `loaded`: the months
    stg/af_observations has; `today` (YYYY-MM-DD) makes a retry at most daily."""
    month = newest_common_month(found)
    if month is None:
        newest = {p: max(m) if m else "–" for p, m in found.items()}
        return dg.SkipReason(f"alla AF-filer visar inte samma nya månad ännu: {newest}"), cursor
    if month not in partition_keys:
        return dg.SkipReason(f"{month} är ingen partition (första {partition_keys[0]}, senaste {partition_keys[-1]})"), cursor
    key = hashlib.sha256("\n".join(sorted(by_month[month] for by_month in found.values())).encode()).hexdigest()
    if key == cursor and month in loaded:
        return dg.SkipReason(f"{month} är redan inläst (samma nedladdningsadresser)"), cursor
    return dg.RunRequest(run_key=f"af:{month}:{key[:16]}:{today}", partition_key=month), key


def publication_window(now: datetime) -> bool:
    return now.astimezone(STOCKHOLM).day >= FIRST_DAY


@dg.sensor(job=af_job, minimum_interval_seconds=6 * 3600, default_status=sensor_default_status())
def af_publication_sensor(context: dg.SensorEvaluationContext, af: AfResource):
    """Bevakar Arbetsförmedlingens statistiksida från den 12:e varje månad och startar
    af_job för den nya månaden när alla fem filerna finns; en misslyckad månad försöks
    igen nästa dag."""
    now = clock.now()
    if not publication_window(now):
        return dg.SkipReason(f"AF publicerar mitt i månaden; sidan läses från den {FIRST_DAY}:e")
    found = find_files(fetch_page(af.session(), af.page()), af.page())
    keys = af_monthly_partition.get_partition_keys(current_time=now)
    loaded = context.instance.get_materialized_partitions(OBSERVATIONS)
    result, cursor = af_request(found, context.cursor, keys, loaded, now.astimezone(STOCKHOLM).date().isoformat())
    if cursor != context.cursor:
        context.update_cursor(cursor)
    return result
