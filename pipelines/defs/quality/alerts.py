"""Failed runs reported to the operators (docs/deployment.md "Monitoring"): a run-failure
sensor that posts one line per failed run to MALSTYRNING_LARM_URL (a chat or mail gateway's
webhook). On by default where the variable is set; without it the sensor stays off."""

import os

import dagster as dg

from sources.alert import post_alert

ALERT_ENV = "MALSTYRNING_LARM_URL"
UI_ENV = "MALSTYRNING_UI_URL"  # e.g. https://dagster.kommun.se: the alert links the run


def alert_text(run: dg.DagsterRun, failure: dg.DagsterEvent | None, steps: list[dg.DagsterEvent]) -> str:
    """The alert in Swedish: which job failed, in which step, with the error's first line."""
    tags = run.tags
    scope = (f" {tags['dagster/asset_partition_range_start']}–{tags['dagster/asset_partition_range_end']}"
             if "dagster/asset_partition_range_start" in tags else
             f" {tags['dagster/partition']}" if "dagster/partition" in tags else "")
    lines = [f"Indikatorlagret: körningen {run.job_name}{scope} ({run.run_id[:8]}) misslyckades."]
    for event in steps[:3]:
        error = event.step_failure_data.error if event.step_failure_data else None
        while error is not None and error.cause is not None:  # Dagster's wrapper around the step's own error
            error = error.cause
        first = (error.message.strip().splitlines() or [""])[0] if error else ""
        lines.append(f"- steg {event.step_key}: {first[:300] or '(inget felmeddelande)'}")
    if not steps and failure is not None and failure.message:
        lines.append(f"- {failure.message.strip().splitlines()[0][:300]}")
    ui = os.environ.get(UI_ENV, "").rstrip("/")
    if ui:
        lines.append(f"{ui}/runs/{run.run_id}")
    return "\n".join(lines)


@dg.run_failure_sensor(
    name="larm_vid_misslyckad_korning",
    default_status=dg.DefaultSensorStatus.RUNNING if os.environ.get(ALERT_ENV) else dg.DefaultSensorStatus.STOPPED,
)
def failed_run_alert(context: dg.RunFailureSensorContext):
    """Skickar ett larm när en körning misslyckas: jobbet, steget och felets första rad, till
    webhooken i MALSTYRNING_LARM_URL (Teams, Slack eller en e-postbrygga). Utan variabeln är
    sensorn avstängd."""
    url = os.environ.get(ALERT_ENV)
    if not url:
        return dg.SkipReason(f"{ALERT_ENV} är inte satt: inget larm skickat")
    post_alert(url, alert_text(context.dagster_run, context.failure_event, context.get_step_failure_events()))
